"""Benchmark: the AWS cost of 1,000 completed orders and of a Surabaya-sized month.

The real app runs in-process against the emulator (DynamoDB, SQS, SES, SNS) and localstripe,
as the other benchmarks do. A meter sits under botocore and counts what AWS would bill:
API Gateway requests, Lambda invocations per function and their measured handler time,
DynamoDB read and write request units (from item sizes: moto's ConsumedCapacity is a
constant, so we look the items up in the emulator before and after every write, GSI writes
included), SQS requests (64 KB chunks; receives that find nothing are left to the idle
polling estimate), SES emails and SNS SMS parts. The meter's own bookkeeping is not billed.

Each order walks the path of the brief: the buyer (a rostered ASN) browses one listing page,
adds a product to the cart and checks out; once the buyer has paid (localstripe, not
counted: on AWS the client pays Stripe directly) Stripe sends `payment_intent.succeeded`
(the webhook is registered for the events we act on only, README "Deploy"); the seller
accepts, marks ready and completes (pickup); every queue is drained after each step, one
message per invocation (Surabaya's ~1.6 orders a minute leave Lambda nothing to batch),
and the delayed expiry message is delivered twice (15 and 30 minutes later). A second set
of "typical app reads" (profile, product page, cart,
checkout status, order lists, inbox) is measured and priced beside it, not in the target.

The month adds the daily reminder job (measured on a small roster at a stage's first day, a
later day of the same stage and a day before any stage, scaled to 13,000 ASN), every other
schedule at its rate, and Lambda's idle long polling of the four queues.

Run: make bench (or python -m tests.bench.cost [--orders N]).
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ACCOUNT, REGION = "123456789012", "ap-southeast-3"
CHALICE_CONFIG = Path(__file__).resolve().parents[2] / ".chalice" / "config.json"

# --- prices -----------------------------------------------------------------------------

PRICE_DATE = "2026-11-30"


@dataclass(frozen=True)
class Price:
    """One published price: `usd` for every `per` units of `unit`."""

    usd: float
    per: float
    unit: str
    source: str
    verified: bool


# Asia Pacific (Jakarta), ap-southeast-3, on-demand, no free tier, as stated on PRICE_DATE.
# The AWS pricing pages render their regional tables with scripts, and this run had no
# internet: figures marked verified=False are the best-known published numbers, to be
# re-read on the pricing pages before anyone relies on them.
PRICES: dict[str, Price] = {
    # aws.amazon.com/api-gateway/pricing, REST APIs, first 333 M requests a month.
    # Jakarta's figure not confirmed; APAC regions list $3.50-$4.25: we take the higher.
    "api_request": Price(4.25, 1_000_000, "REST API request", "API Gateway pricing, REST, APAC tier 1", False),
    # aws.amazon.com/lambda/pricing: $0.20 per 1 M requests in every commercial region.
    "lambda_request": Price(0.20, 1_000_000, "invocation", "Lambda pricing, requests", True),
    # aws.amazon.com/lambda/pricing, x86_64 (the template sets no architecture). Jakarta is not
    # among the regions priced above the base rate in artillery 2.0.28's Lambda price table.
    "lambda_gb_second": Price(0.0000166667, 1, "GB-second (x86_64)", "Lambda pricing, duration", True),
    # aws.amazon.com/dynamodb/pricing/on-demand, Standard table class, after the 50% cut of
    # 2024-11-01: Singapore's $1.4231 / $0.285 per million halved (Jakarta assumed equal).
    "dynamodb_wru": Price(0.7116, 1_000_000, "write request unit", "DynamoDB on-demand, post 2024-11 cut", False),
    "dynamodb_rru": Price(0.1425, 1_000_000, "read request unit", "DynamoDB on-demand, post 2024-11 cut", False),
    # aws.amazon.com/sqs/pricing, standard queues, first 100 B requests ($0.40 in us-east-1).
    "sqs_request": Price(0.40, 1_000_000, "request (64 KB chunk)", "SQS pricing, standard queue", False),
    # aws.amazon.com/ses/pricing: $0.10 per 1,000 outbound emails, the same in every region.
    "ses_email": Price(0.10, 1_000, "outbound email", "SES pricing, outbound email", False),
    # AWS End User Messaging SMS pricing, Indonesia, per message part. Not confirmed; Alibaba
    # Cloud's published Indonesia rate (2025-03) is $0.364, international A2P routes ~$0.3-0.4.
    "sms_part": Price(0.34, 1, "SMS part to +62", "End User Messaging SMS, Indonesia", False),
    # aws.amazon.com/cloudwatch/pricing, Logs ingestion ($0.50 in us-east-1; APAC higher).
    "log_gb": Price(0.70, 1, "GB of logs ingested", "CloudWatch Logs ingestion", False),
}

# Modelling assumptions (not prices); each is printed with the table.
STRIPE_CALL_MS = 400  # a Stripe API round trip from Jakarta that the handler waits out (localstripe: ~5 ms)
PLATFORM_LOG_BYTES = 300  # Lambda's START/END/REPORT lines per invocation
IDLE_RECEIVES_PER_QUEUE_MONTH = 5 * 3 * 60 * 24 * 30  # 5 pollers, one 20 s long poll each
QUEUES = 4  # notifications, payments, order-events, expiry
SURABAYA_ASN = 13_000
SURABAYA_ORDERS = 70_000
MONTH_DAYS = 30
TARGET_USD_PER_1000 = 0.10
LAGGARD_SHARE = 0.6  # ASN below quota on every reminder run (an upper bound late in the month)
SMS_OPT_IN = 0.1  # ASN who turned SMS on (it is off by default); every roster row has an email


# --- the pure arithmetic ----------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """Billable quantities of some piece of work."""

    api_requests: float = 0.0
    lambda_requests: float = 0.0
    lambda_gb_seconds: float = 0.0
    dynamodb_rru: float = 0.0
    dynamodb_wru: float = 0.0
    sqs_requests: float = 0.0
    ses_emails: float = 0.0
    sms_parts: float = 0.0
    log_gb: float = 0.0

    def scaled(self, factor: float) -> Usage:
        """Return every quantity times a factor."""
        return Usage(**{f.name: getattr(self, f.name) * factor for f in fields(self)})

    def __add__(self, other: Usage) -> Usage:
        """Add two usages field by field."""
        return Usage(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


# Which price each usage field is billed at.
BILLED_AT = {
    "api_requests": "api_request",
    "lambda_requests": "lambda_request",
    "lambda_gb_seconds": "lambda_gb_second",
    "dynamodb_rru": "dynamodb_rru",
    "dynamodb_wru": "dynamodb_wru",
    "sqs_requests": "sqs_request",
    "ses_emails": "ses_email",
    "sms_parts": "sms_part",
    "log_gb": "log_gb",
}
# Services of the target (infrastructure); SMS is a per-message pass-through, logs are extra.
INFRASTRUCTURE = (
    "api_requests",
    "lambda_requests",
    "lambda_gb_seconds",
    "dynamodb_rru",
    "dynamodb_wru",
    "sqs_requests",
    "ses_emails",
)


def cost_of(usage: Usage, prices: Mapping[str, Price] = PRICES) -> dict[str, float]:
    """Price every quantity of a usage in USD."""
    out = {}
    for name, price_name in BILLED_AT.items():
        price = prices[price_name]
        out[name] = getattr(usage, name) * price.usd / price.per
    return out


def infrastructure_usd(usage: Usage, prices: Mapping[str, Price] = PRICES) -> float:
    """Return the USD of the target's services (no SMS, no logs)."""
    priced = cost_of(usage, prices)
    return sum(priced[name] for name in INFRASTRUCTURE)


def month_usage(per_order: Usage, orders: int, fixed: Usage) -> Usage:
    """Return a month's usage: per-order work times the orders, plus work that does not follow orders."""
    return per_order.scaled(orders) + fixed


def read_units(size_bytes: int, consistent: bool, transactional: bool = False) -> float:
    """Return the RRUs of reading this many bytes: per 4 KB, half for eventual, double in a transaction."""
    blocks = max(1, math.ceil(size_bytes / 4096))
    if transactional:
        return 2.0 * blocks
    return float(blocks) if consistent else 0.5 * blocks


def write_units(size_bytes: int, transactional: bool = False) -> float:
    """Return the WRUs of writing an item of this many bytes: per 1 KB, double in a transaction."""
    return max(1, math.ceil(size_bytes / 1024)) * (2.0 if transactional else 1.0)


def number_size(text: str) -> int:
    """Return the bytes DynamoDB bills for a number: about one per two significant digits, plus one."""
    digits = text.lstrip("+-").replace(".", "").lstrip("0").rstrip("0") or "0"
    return math.ceil(len(digits) / 2) + 1


def value_size(value: Mapping[str, Any]) -> int:
    """Return the billed size of one attribute value in DynamoDB's JSON form."""
    ((kind, raw),) = value.items()
    if kind == "S":
        return len(str(raw).encode())
    if kind == "N":
        return number_size(str(raw))
    if kind == "B":
        return len(raw) if isinstance(raw, bytes | bytearray) else len(str(raw)) * 3 // 4
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(s).encode()) for s in raw)
    if kind == "NS":
        return sum(number_size(str(n)) for n in raw)
    if kind == "BS":
        return sum(len(b) for b in raw)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in raw)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_size(v) for k, v in raw.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: Mapping[str, Mapping[str, Any]] | None) -> int:
    """Return an item's billed size: attribute names plus values."""
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def sms_parts(text: str) -> int:
    """Return how many SMS parts a text takes (GSM-7 160/153 characters, else UCS-2 70/67)."""
    single, multi = (160, 153) if all(ord(c) < 128 for c in text) else (70, 67)
    return 1 if len(text) <= single else math.ceil(len(text) / multi)


def sqs_chunks(payload_bytes: int) -> int:
    """Return the billed SQS requests of one call carrying this payload (one per 64 KB)."""
    return max(1, math.ceil(payload_bytes / 65536))


def memory_of(function: str) -> int:
    """Return a function's memory size in MB, as .chalice/config.json sets it (per function or for all)."""
    config = json.loads(CHALICE_CONFIG.read_text())
    own = config.get("lambda_functions", {}).get(function, {})
    return int(own.get("lambda_memory_size", config["lambda_memory_size"]))


def gb_seconds(billed_ms: float, memory_mb: int) -> float:
    """Return the GB-seconds of a duration at a memory size."""
    return billed_ms / 1000 * memory_mb / 1024


def runs_per_month(expression: str, days: int = MONTH_DAYS) -> float:
    """Return how often an EventBridge schedule fires in a month (daily for a cron with fixed time)."""
    if expression.startswith("rate("):
        amount, unit = expression[5:-1].split()
        seconds = int(amount) * {"minute": 60, "hour": 3600, "day": 86400}[unit.rstrip("s")]
        return days * 86400 / seconds
    minute, hour, day_of_month, *_ = expression[5:-1].split()
    if minute.isdigit() and hour.isdigit() and day_of_month in ("*", "?"):
        return float(days)
    raise ValueError(f"cannot count runs of {expression!r}")


# --- the meter --------------------------------------------------------------------------


@dataclass
class Stats:
    """What one label (a route, a worker, a job) used."""

    invocations: int = 0
    api_requests: int = 0
    billed_ms: float = 0.0
    gb_s: float = 0.0  # billed time at each function's own memory size
    stripe_calls: int = 0
    dynamodb_requests: int = 0
    rru: float = 0.0
    wru: float = 0.0
    gsi_wru: float = 0.0
    sqs_requests: int = 0
    ses_emails: int = 0
    sms_parts: int = 0
    log_bytes: int = 0

    def add(self, other: Stats) -> None:
        """Add another label's stats into these."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def usage(self) -> Usage:
        """Turn the stats into billable usage."""
        return Usage(
            api_requests=self.api_requests,
            lambda_requests=self.invocations,
            lambda_gb_seconds=self.gb_s,
            dynamodb_rru=self.rru,
            dynamodb_wru=self.wru,
            sqs_requests=self.sqs_requests,
            ses_emails=self.ses_emails,
            sms_parts=self.sms_parts,
            log_gb=(self.log_bytes + PLATFORM_LOG_BYTES * self.invocations) / 1e9,
        )


class CountingSink:
    """A stream that counts the bytes written to it (the app's log lines) and keeps none."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, text: str) -> int:
        """Count a write."""
        self.bytes += len(text.encode())
        return len(text)

    def flush(self) -> None:
        """Flush nothing."""


class Meter:
    """Count what AWS would bill for every botocore call, per label (route, worker, job)."""

    def __init__(self) -> None:
        self.stats: dict[str, Stats] = defaultdict(Stats)
        self.wru_by_table: dict[tuple[str, str], float] = defaultdict(float)  # (label, table or table:index)
        self.operations: dict[str, Counter[str]] = defaultdict(Counter)  # label -> DynamoDB operation
        self.empty_receives = 0
        self.label = "outside"
        self.paused = True
        self.overhead = 0.0  # seconds of our own bookkeeping, taken out of handler durations
        self.sink = CountingSink()
        self._original: Any = None

    # -- wiring

    def install(self) -> None:
        """Patch botocore and the Stripe gateway; send the app's logs to the counting sink."""
        import botocore.client

        from chalicelib import observability, stripe_gateway

        client_class: Any = botocore.client.BaseClient
        self._original = client_class._make_api_call
        meter = self

        def metered(client: Any, operation: str, params: dict[str, Any]) -> Any:
            return meter._call(client, operation, params)

        client_class._make_api_call = metered
        original_stripe = stripe_gateway._call

        def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
            if not meter.paused:
                meter.stats[meter.label].stripe_calls += 1
            return original_stripe(fn, *args, **kwargs)

        stripe_gateway._call = counted
        import logging

        assert observability.logger.registered_handler is not None  # makes the (lazy) Powertools logger now
        for handler in logging.getLogger(observability.SERVICE).handlers:  # Powertools' and Chalice's
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(self.sink)

    @contextmanager
    def pause(self) -> Iterator[None]:
        """Count nothing inside (setup, the client's own payment, test plumbing)."""
        was = self.paused
        self.paused = True
        try:
            yield
        finally:
            self.paused = was

    @contextmanager
    def attributed(self, label: str) -> Iterator[None]:
        """Count calls inside for a label without an invocation (Lambda's poller receiving and deleting)."""
        was_label, was_paused = self.label, self.paused
        self.label, self.paused = label, False
        try:
            yield
        finally:
            self.label, self.paused = was_label, was_paused

    @contextmanager
    def invocation(self, label: str, function: str, api: bool = False) -> Iterator[None]:
        """Count one Lambda invocation; its billed time is the wall time inside plus the Stripe waits."""
        was_label, was_paused = self.label, self.paused
        self.label, self.paused = label, False
        stats = self.stats[label]
        stripe_before, logs_before, overhead_before = stats.stripe_calls, self.sink.bytes, self.overhead
        started = time.perf_counter()
        try:
            with redirect_stdout(self.sink):  # EMF metrics are printed
                yield
        finally:
            wall_ms = (time.perf_counter() - started - (self.overhead - overhead_before)) * 1000
            stats.invocations += 1
            stats.api_requests += 1 if api else 0
            billed = math.ceil(wall_ms + STRIPE_CALL_MS * (stats.stripe_calls - stripe_before))
            stats.billed_ms += billed
            stats.gb_s += gb_seconds(billed, memory_of(function))
            stats.log_bytes += self.sink.bytes - logs_before
            self.label, self.paused = was_label, was_paused

    def forget(self, unwanted: Callable[[str], bool]) -> None:
        """Drop what labels chosen by a predicate used (setup work)."""
        for label in [k for k in self.stats if unwanted(k)]:
            del self.stats[label]
            self.operations.pop(label, None)
        for key in [k for k in self.wru_by_table if unwanted(k[0])]:
            del self.wru_by_table[key]

    # -- botocore

    def _call(self, client: Any, operation: str, params: dict[str, Any]) -> Any:
        if self.paused:
            return self._original(client, operation, params)
        service = client.meta.service_model.service_name
        started = time.perf_counter()
        before = self._before(operation, params) if service == "dynamodb" else []
        self.overhead += time.perf_counter() - started
        try:
            result = self._original(client, operation, params)
        except Exception:
            started = time.perf_counter()
            if service == "dynamodb":
                self._failed_write(operation, before)
            elif service == "sqs":
                self.stats[self.label].sqs_requests += 1
            self.overhead += time.perf_counter() - started
            raise
        started = time.perf_counter()
        stats = self.stats[self.label]
        if service == "dynamodb":
            self.operations[self.label][operation] += 1
            stats.dynamodb_requests += 1
            self._dynamodb(operation, params, result, before)
        elif service == "sqs":
            self._sqs(operation, params, result)
        elif service == "ses" and operation in ("SendEmail", "SendRawEmail"):
            destination = params.get("Destination") or {}
            stats.ses_emails += sum(len(destination.get(k, [])) for k in ("ToAddresses", "CcAddresses", "BccAddresses"))
            stats.ses_emails += len(params.get("Destinations", []))
        elif service == "sns" and operation == "Publish" and params.get("PhoneNumber"):
            stats.sms_parts += sms_parts(str(params.get("Message", "")))
        self.overhead += time.perf_counter() - started
        return result

    # -- SQS

    def _sqs(self, operation: str, params: dict[str, Any], result: Any) -> None:
        stats = self.stats[self.label]
        if operation == "SendMessage":
            stats.sqs_requests += sqs_chunks(_message_bytes(params))
        elif operation == "SendMessageBatch":
            stats.sqs_requests += sqs_chunks(sum(_message_bytes(e) for e in params["Entries"]))
        elif operation == "ReceiveMessage":
            got = result.get("Messages", [])
            if not got:
                self.empty_receives += 1  # part of the idle polling estimate
                return
            stats.sqs_requests += sqs_chunks(sum(len(m.get("Body", "").encode()) for m in got))
        else:
            stats.sqs_requests += 1

    # -- DynamoDB: units from item sizes, looked up in the emulator before and after writes

    def _backend(self) -> Any:
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[ACCOUNT][REGION]

    def _key_of(self, table: str, item: Mapping[str, Any]) -> dict[str, Any]:
        t = self._backend().get_table(table)
        names = [t.hash_key_attr] + ([t.range_key_attr] if t.range_key_attr else [])
        return {n: item[n] for n in names if n in item}

    def _lookup(self, table: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
        try:
            found = self._backend().get_item(table, dict(key))
        except Exception:  # a key the emulator rejects: the call itself will fail
            return None
        return None if found is None else dict(found.to_json()["Attributes"])

    def _writes(self, operation: str, params: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
        """Return (kind, table, key) of every item a write operation touches."""
        if operation == "PutItem":
            return [("put", params["TableName"], self._key_of(params["TableName"], params["Item"]))]
        if operation in ("UpdateItem", "DeleteItem"):
            return [(operation, params["TableName"], params["Key"])]
        if operation == "BatchWriteItem":
            out = []
            for table, requests in params["RequestItems"].items():
                for request in requests:
                    if "PutRequest" in request:
                        out.append(("put", table, self._key_of(table, request["PutRequest"]["Item"])))
                    else:
                        out.append(("delete", table, request["DeleteRequest"]["Key"]))
            return out
        if operation == "TransactWriteItems":
            out = []
            for entry in params["TransactItems"]:
                ((kind, body),) = entry.items()
                key = body["Key"] if "Key" in body else self._key_of(body["TableName"], body["Item"])
                out.append((kind, body["TableName"], key))
            return out
        return []

    def _before(self, operation: str, params: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], Any]]:
        return [(kind, table, key, self._lookup(table, key)) for kind, table, key in self._writes(operation, params)]

    def _add_read(self, units: float) -> None:
        self.stats[self.label].rru += units

    def _add_write(self, table: str, units: float, gsi: bool = False) -> None:
        stats = self.stats[self.label]
        stats.wru += units
        if gsi:
            stats.gsi_wru += units
        self.wru_by_table[(self.label, table)] += units

    def _dynamodb(self, operation: str, params: dict[str, Any], result: Any, before: list[Any]) -> None:
        if operation == "GetItem":
            size = item_size(self._lookup(params["TableName"], params["Key"]))
            self._add_read(read_units(size, bool(params.get("ConsistentRead"))))
        elif operation == "BatchGetItem":
            for table, request in params["RequestItems"].items():
                for key in request["Keys"]:
                    size = item_size(self._lookup(table, key))
                    self._add_read(read_units(size, bool(request.get("ConsistentRead"))))
        elif operation == "TransactGetItems":
            for entry in params["TransactItems"]:
                table, key = entry["Get"]["TableName"], entry["Get"]["Key"]
                self._add_read(read_units(item_size(self._lookup(table, key)), True, transactional=True))
        elif operation in ("Query", "Scan"):
            table = params["TableName"]
            items = result.get("Items", [])
            size = 0
            for item in items:
                key = self._key_of(table, item)
                size += item_size(self._lookup(table, key) if key else item) or item_size(item)
            count, scanned = int(result.get("Count", 0)), int(result.get("ScannedCount", 0))
            if scanned > count:  # a filter: DynamoDB bills what it read, not what it returned
                size = size * scanned // count if count else scanned * 512
            self._add_read(read_units(size, bool(params.get("ConsistentRead"))))
        elif before:
            transactional = operation == "TransactWriteItems"
            for kind, table, key, old in before:
                new = self._lookup(table, key)
                if kind == "ConditionCheck":
                    self._add_write(table, write_units(item_size(old), transactional))
                    continue
                self._add_write(table, write_units(max(item_size(old), item_size(new)), transactional))
                self._index_writes(table, old, new)

    def _failed_write(self, operation: str, before: list[Any]) -> None:
        """A failed conditional write still costs the write units of the item it checked."""
        self.operations[self.label][f"{operation} (failed)"] += 1
        stats = self.stats[self.label]
        stats.dynamodb_requests += 1
        transactional = operation == "TransactWriteItems"
        for _, table, _, old in before:
            self._add_write(table, write_units(item_size(old), transactional))

    def _index_writes(self, table: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        """Charge one write per GSI whose entry changes (two when its key moves)."""
        t = self._backend().get_table(table)
        for index in t.global_indexes:
            keys = [k["AttributeName"] for k in index.schema]
            was, now = _index_view(t, index, keys, old), _index_view(t, index, keys, new)
            if was == now:
                continue
            label = f"{table}:{index.name}"
            if was is not None and now is not None and all(was.get(k) == now.get(k) for k in keys):
                self._add_write(label, write_units(item_size(now)), gsi=True)
                continue
            for view in (was, now):
                if view is not None:
                    self._add_write(label, write_units(item_size(view)), gsi=True)


def _index_view(table: Any, index: Any, keys: list[str], item: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return the GSI entry of an item (None if the item is not in the index)."""
    if item is None or any(k not in item for k in keys):
        return None
    projection = (index.projection or {}).get("ProjectionType", "ALL")
    if projection == "ALL":
        return item
    names = {table.hash_key_attr, table.range_key_attr, *keys}
    if projection == "INCLUDE":
        names |= set(index.projection.get("NonKeyAttributes", []))
    return {k: v for k, v in item.items() if k in names}


def _message_bytes(entry: Mapping[str, Any]) -> int:
    """Return the billed payload of one SQS message: body plus attributes."""
    size = len(str(entry.get("MessageBody", "")).encode())
    for name, value in (entry.get("MessageAttributes") or {}).items():
        size += len(name) + len(value.get("DataType", "")) + len(str(value.get("StringValue", "")).encode())
    return size


# --- the shop ---------------------------------------------------------------------------

KECAMATAN = (("Gubeng", "Airlangga"), ("Genteng", "Ketabang"), ("Tegalsari", "Kedungdoro"))


class Shop:
    """The app in-process, its queues, a Stripe stand-in and the meter."""

    def __init__(self, state: Path) -> None:
        import os

        from chalice.test import Client

        from infra.local.emulator import Emulator
        from infra.local.keys import write_signing_key
        from infra.local.provision import provision
        from infra.local.stack import configure_environment
        from infra.local.stripe_local import LocalStripe

        self.emulator = Emulator().start()
        key_path = write_signing_key(state / "key.pem")
        configure_environment(self.emulator.url, key_path)
        self.queue_urls: dict[str, str] = provision("local", REGION)["queues"]
        self.stripe = LocalStripe(state).start()
        os.environ["PEKEN_STRIPE_API_BASE"] = self.stripe.url
        os.environ["PEKEN_STRIPE_WEBHOOK_SECRET"] = self.stripe.webhook_secret
        os.environ.setdefault("PEKEN_STRIPE_SECRET_KEY", "sk_test_peken_local")
        import boto3

        from chalicelib.notifications.channels import sender

        boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=sender())
        import app
        from infra.local.stack import consumers_of, schedules_of
        from tests.helpers import load_key

        self.app = app
        self.client = Client(app.app, stage_name="local")
        self.key = load_key(key_path)
        self.consumers = {c.name: c for c in consumers_of(app)}
        self.schedules = {s.name: s for s in schedules_of(app)}
        self.sqs: Any = boto3.client("sqs", region_name=REGION)
        self.arns = {
            name: self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            for name, url in self.queue_urls.items()
        }
        self.meter = Meter()

    def stop(self) -> None:
        """Stop Stripe and the emulator."""
        self.stripe.stop()
        self.emulator.stop()

    def headers(self, user: str, group: str, nip: str | None = None) -> dict[str, str]:
        """Return a signed-in caller's headers."""
        from tests.helpers import sign

        claims: dict[str, Any] = {"cognito:groups": [group]}
        if nip:
            claims["custom:nip"] = nip
        return {"Authorization": f"Bearer {sign(self.key, sub=user, **claims)}", "Content-Type": "application/json"}

    def api(self, label: str, method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
        """Make one API request as one API Gateway request and one invocation of the API Lambda."""
        raw = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        if label == "setup":
            with self.meter.pause():
                response = self.client.http.request(method, path, headers=headers, body=raw)
        else:
            with self.meter.invocation(label, "api_handler", api=True):
                response = self.client.http.request(method, path, headers=headers, body=raw)
        assert response.status_code < 300, (label, response.status_code, response.body[:300])
        return response.json_body

    def webhook(self, label: str, event_type: str, payment_intent_id: str) -> None:
        """Deliver a Stripe event signed as Stripe signs it."""
        import hashlib
        import hmac

        now = int(time.time())
        payload = json.dumps(
            {
                "id": f"evt_{event_type}_{payment_intent_id}",
                "object": "event",
                "type": event_type,
                "created": now,
                "data": {"object": {"id": payment_intent_id, "object": "payment_intent"}},
            }
        ).encode()
        secret = self.stripe.webhook_secret.encode()
        signature = hmac.new(secret, f"{now}.".encode() + payload, hashlib.sha256).hexdigest()
        headers = {"Stripe-Signature": f"t={now},v1={signature}", "Content-Type": "application/json"}
        self.api(label, "POST", "/v1/webhooks/stripe", headers, payload)

    def deliver(self, batch: int = 1, suffix: str = "") -> int:
        """Run every queue's worker until no message is visible, `batch` messages per invocation."""
        from infra.local.pump import Consumer, QueuePump

        metered = [Consumer(c.name, c.queue, batch, self._metered(c, suffix)) for c in self.consumers.values()]
        pump = QueuePump(metered, REGION, retry_delay_seconds=0)
        pump.sqs = self.sqs
        total = 0
        for _ in range(50):
            got = 0
            for consumer in metered:
                while True:
                    with self.meter.attributed(f"worker {consumer.name}{suffix}"):
                        n = pump.poll_once(consumer, self.queue_urls[consumer.queue], self.arns[consumer.queue])
                    got += n
                    if not n:
                        break
            total += got
            if not got:
                return total
        raise AssertionError("queues did not drain")

    def _metered(self, consumer: Any, suffix: str) -> Callable[[dict[str, Any], Any], Any]:
        meter = self.meter

        def handler(event: dict[str, Any], context: Any) -> Any:
            with meter.invocation(f"worker {consumer.name}{suffix}", consumer.name):
                return consumer.handler(event, context)

        return handler

    def fast_forward(self, seconds: int) -> None:
        """Move the app's clock and the emulator's delayed messages on by this many seconds."""
        from moto.sqs.models import sqs_backends

        from chalicelib import ids

        ids.CLOCK_OFFSET_SECONDS[0] += seconds
        for queue in sqs_backends[ACCOUNT][REGION].queues.values():
            for message in queue._messages:
                message.delayed_until = max(0, message.delayed_until - seconds * 1000)

    def run_schedule(self, name: str, label: str | None = None, work: Callable[[], Any] | None = None) -> Any:
        """Fire one schedule as EventBridge would: one invocation of its function."""
        from infra.local.lambda_context import LocalLambdaContext

        event = {
            "version": "0",
            "id": "cost",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": REGION,
            "resources": [],
            "detail": {},
        }
        with self.meter.invocation(label or f"schedule {name}", name):
            if work is not None:
                from chalicelib.jobs import service as jobs

                return jobs.run(name, work)
            return self.schedules[name].handler(event, LocalLambdaContext(name))


# --- the scenario -----------------------------------------------------------------------

CORE = "core"
TYPICAL = "typical reads"


def setup(shop: Shop, orders: int) -> dict[str, Any]:
    """Stores, products and a roster of buyers (not counted)."""
    admin = shop.headers("cost-admin", "admin")
    stores = []
    for s in range(3):
        seller = shop.headers(f"cost-seller-{s}", "seller")
        kecamatan, kelurahan = KECAMATAN[s]
        applied = shop.api(
            "setup",
            "POST",
            "/v1/stores",
            seller,
            {
                "name": f"Toko Biaya {s}",
                "kind": "umkm",
                "kecamatan": kecamatan,
                "kelurahan": kelurahan,
                "address": "Jl. Uji 1",
                "phone_number": "081234567890",
            },
        )
        shop.api("setup", "POST", f"/v1/admin/stores/{applied['store_id']}/approve", admin)
        products = [
            shop.api(
                "setup",
                "POST",
                f"/v1/stores/{applied['store_id']}/products",
                seller,
                {
                    "name": f"Beras Pandan Wangi {s}-{i}",
                    "category": "sembako",
                    "unit": "kg",
                    "price_idr": 13_500 + 100 * i,
                    "stock": 1_000_000,
                },
            )["product_id"]
            for i in range(10)
        ]
        stores.append({"store_id": applied["store_id"], "seller": seller, "products": products})
    nips = [f"1985{i:014d}" for i in range(orders)]
    rows = [
        {
            "nip": nip,
            "name": f"Pembeli {i}",
            "department": "Dinas Biaya",
            "grade": "III/a",
            "email": f"pembeli{i}@surabaya.go.id",
            "phone_number": "081234500000",
        }
        for i, nip in enumerate(nips)
    ]
    for start in range(0, len(rows), 500):
        shop.api("setup", "POST", "/v1/admin/asn", admin, {"rows": rows[start : start + 500]})
    buyers = []
    for i, nip in enumerate(nips):
        buyer = shop.headers(f"cost-buyer-{i}", "buyer", nip)
        shop.api("setup", "GET", "/v1/me", buyer)  # links the roster row (once per user)
        shop.api("setup", "PUT", "/v1/me", buyer, {"kecamatan": "Gubeng", "kelurahan": "Airlangga"})
        buyers.append(buyer)
    return {"stores": stores, "buyers": buyers}


def one_order(shop: Shop, i: int, world: dict[str, Any]) -> None:
    """Walk one order from the listing to completed, with the typical reads beside it."""
    store = world["stores"][i % len(world["stores"])]
    buyer, seller = world["buyers"][i], store["seller"]
    product = store["products"][i % len(store["products"])]
    shop.api(f"{TYPICAL}: GET /v1/me", "GET", "/v1/me", buyer)
    shop.api(f"{CORE}: GET /v1/products", "GET", "/v1/products", buyer)
    shop.api(f"{TYPICAL}: GET /v1/products?category", "GET", "/v1/products?category=sembako", buyer)
    shop.api(f"{TYPICAL}: GET /v1/products/{{id}}", "GET", f"/v1/products/{product}", buyer)
    shop.api(f"{CORE}: PUT /v1/cart/items/{{id}}", "PUT", f"/v1/cart/items/{product}", buyer, {"quantity": 2})
    shop.api(f"{TYPICAL}: GET /v1/cart", "GET", "/v1/cart", buyer)
    made = shop.api(
        f"{CORE}: POST /v1/checkout",
        "POST",
        "/v1/checkout",
        {**buyer, "Idempotency-Key": f"cost-{i}"},
        {"fulfillment": {"method": "pickup"}},
    )
    checkout_id, intent = made["checkout_id"], made["payment"]["payment_intent_id"]
    order_id = made["orders"][0]["order_id"]
    with shop.meter.pause():  # on AWS the buyer's app confirms the intent with Stripe directly
        shop.api("setup", "POST", f"/v1/dev/checkouts/{checkout_id}/pay", buyer, {"outcome": "succeeded"})
    shop.webhook(f"{CORE}: POST /v1/webhooks/stripe (succeeded)", "payment_intent.succeeded", intent)
    shop.deliver()
    shop.api(f"{TYPICAL}: GET /v1/checkouts/{{id}}", "GET", f"/v1/checkouts/{checkout_id}", buyer)
    shop.api(f"{TYPICAL}: GET /v1/stores/{{id}}/orders", "GET", f"/v1/stores/{store['store_id']}/orders", seller)
    for step in ("accept", "ready", "complete"):
        moved = shop.api(f"{CORE}: POST /v1/orders/{{id}}/{step}", "POST", f"/v1/orders/{order_id}/{step}", seller)
        shop.deliver()
    assert moved["status"] == "completed", moved["status"]
    shop.api(f"{TYPICAL}: GET /v1/orders/{{id}}", "GET", f"/v1/orders/{order_id}", buyer)
    shop.api(f"{TYPICAL}: GET /v1/me/notifications", "GET", "/v1/me/notifications", buyer)


def daytime_offset() -> float:
    """Seconds to move the app's clock to 10:00 in Surabaya today or tomorrow (reminders wait for day)."""
    local = datetime.now(UTC) + timedelta(hours=7)
    target = local.replace(hour=10, minute=0, second=0, microsecond=0)
    if target < local:
        target += timedelta(days=1)
    return (target - local).total_seconds()


def seed_roster(count: int, month: str) -> int:
    """Roster rows straight into the emulator; LAGGARD_SHARE below quota, SMS_OPT_IN with SMS on."""
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.profiles.tables import ProfileRecord
    from chalicelib.spending.tables import AsnRecord, SpendingRecord

    backend = dynamodb_backends[ACCOUNT][REGION]
    for i in range(count):
        nip, user = f"1990{i:014d}", f"cost-asn-{i}"
        records: list[Any] = [
            AsnRecord(
                nip,
                name=f"ASN {i}",
                department=f"Dinas {i % 40:02d}",
                grade="III/a",
                user_id=user,
                email=f"asn{i}@surabaya.go.id",
                phone_number="+6281234500000",
            )
        ]
        if (i % 10) / 10 >= LAGGARD_SHARE:
            records.append(SpendingRecord(nip, month, spent_idr=400_000, orders=3, compliant=1))
        if (i % 10) / 10 < SMS_OPT_IN:
            records.append(ProfileRecord(user, notify_sms=True))
        for record in records:
            backend.put_item(record.Meta.table_name, record.serialize())
    return count


def measure_reminders(shop: Shop, roster: int) -> dict[str, Any]:
    """Run the reminder job on a stage's first day, a later day of it and a day before any stage."""
    from chalicelib import ids
    from chalicelib.spending import model, reminders

    now = ids.utcnow()
    month = ids.jakarta_month(now)
    stages = model.stages(month, reminders.stage_setting())
    first = stages[0].from_day
    runs = {
        "send": date.fromisoformat(f"{month}-{first:02d}"),
        "repeat": date.fromisoformat(f"{month}-{first + 1:02d}"),
        "none": date.fromisoformat(f"{month}-01"),
    }
    out: dict[str, Any] = {"month": month, "first_stage_day": first}
    for kind, day in runs.items():
        label = f"reminders {kind}"
        result = shop.run_schedule(
            "spending_reminders",
            label,
            lambda day=day: reminders.run(month, day, now=now),  # type: ignore[misc]
        )
        out[f"{kind}_seconds"] = shop.meter.stats[label].billed_ms / 1000
        out[f"{kind}_result"] = result
        shop.deliver(batch=10, suffix=f" ({label})")
    out["roster"] = roster
    return out


def reminder_month(shop: Shop, measured: dict[str, Any], asn: int) -> tuple[Usage, dict[str, int]]:
    """Scale the measured runs to a month of daily runs for `asn` ASN."""
    from chalicelib.spending import model, reminders

    month = measured["month"]
    days = {"none": 0, "send": 0, "repeat": 0}
    seen: set[str] = set()
    for day in range(1, MONTH_DAYS + 1):
        stage = model.current_stage(month, min(day, model.days_in(month)), reminders.stage_setting())
        if stage is None:
            days["none"] += 1
        elif stage.name in seen:
            days["repeat"] += 1
        else:
            seen.add(stage.name)
            days["send"] += 1
    scale = asn / measured["roster"]
    total = Usage()
    for kind, count in days.items():
        job = shop.meter.stats[f"reminders {kind}"].usage()
        delivery = Usage()
        for label, stats in shop.meter.stats.items():
            if label.endswith(f"(reminders {kind})"):
                delivery = delivery + stats.usage()
        per_run = delivery.scaled(scale) + (
            job if kind == "none" else replace(job.scaled(scale), lambda_requests=job.lambda_requests)
        )
        total = total + per_run.scaled(count)
    return total, days


def measure_schedules(shop: Shop) -> Usage:
    """Run every other schedule once and scale it to its runs in a month."""
    from chalicelib.jobs.service import SCHEDULES

    total = Usage()
    for name, expression in SCHEDULES.items():
        if name == "spending_reminders":
            continue
        shop.run_schedule(name)
        total = total + shop.meter.stats[f"schedule {name}"].usage().scaled(runs_per_month(expression))
    return total


# --- the report -------------------------------------------------------------------------


def usage_of(shop: Shop, prefix: str | tuple[str, ...]) -> Stats:
    """Sum the stats of every label that starts with a prefix."""
    out = Stats()
    for label, stats in shop.meter.stats.items():
        if label.startswith(prefix):
            out.add(stats)
    return out


ROWS = (
    ("API Gateway", "api_requests", "requests"),
    ("Lambda", "lambda_requests", "invocations"),
    ("", "lambda_gb_seconds", "GB-seconds"),
    ("DynamoDB", "dynamodb_wru", "WRU"),
    ("", "dynamodb_rru", "RRU"),
    ("SQS", "sqs_requests", "requests"),
    ("SES", "ses_emails", "emails"),
)


def table(per_1000: Usage, typical_1000: Usage, month: Usage, month_parts: dict[str, Usage]) -> list[str]:
    """Format the cost table: per 1,000 orders and per Surabaya month."""
    c1000, ctyp, cmonth = cost_of(per_1000), cost_of(typical_1000), cost_of(month)
    mark = {name: "" if PRICES[BILLED_AT[name]].verified else "*" for name in BILLED_AT}
    lines = [
        f"{'':<12} {'':<12} {'per 1,000 orders':>22} {'+ typical reads':>16} {'Surabaya month':>24}",
        f"{'service':<12} {'unit':<12} {'quantity':>12} {'USD':>9} {'USD':>16} {'quantity':>14} {'USD':>9}",
    ]
    for service, name, unit in ROWS:
        lines.append(
            f"{service:<12} {unit + mark[name]:<12} {getattr(per_1000, name):>12,.1f} {c1000[name]:>9.4f} "
            f"{ctyp[name]:>16.4f} {getattr(month, name):>14,.0f} {cmonth[name]:>9.2f}"
        )
    infra_1000, infra_typ, infra_month = infrastructure_usd(per_1000), infrastructure_usd(typical_1000), 0.0
    infra_month = infrastructure_usd(month)
    lines.append(
        f"{'infrastructure total':<25} {'':>12} {infra_1000:>9.4f} {infra_typ:>16.4f} {'':>14} {infra_month:>9.2f}"
    )
    lines.append(
        f"{'SNS SMS (pass-through)':<23} {'parts' + mark['sms_parts']:<2} {per_1000.sms_parts:>8,.1f} "
        f"{c1000['sms_parts']:>9.4f} {ctyp['sms_parts']:>16.4f} {month.sms_parts:>14,.0f} {cmonth['sms_parts']:>9.2f}"
    )
    lines.append(
        f"{'CloudWatch Logs (extra)':<23} {'GB' + mark['log_gb']:<2} {per_1000.log_gb:>11.4f} "
        f"{c1000['log_gb']:>9.4f} {ctyp['log_gb']:>16.4f} {month.log_gb:>14.2f} {cmonth['log_gb']:>9.2f}"
    )
    verdict = "met" if infra_1000 < TARGET_USD_PER_1000 else "NOT met"
    lines.append(
        f"target: infrastructure < USD {TARGET_USD_PER_1000:.2f} per 1,000 orders: {verdict} "
        f"(USD {infra_1000:.4f}; with the typical reads USD {infra_1000 + infra_typ:.4f})"
    )
    parts = ", ".join(f"{name} USD {infrastructure_usd(u):.2f}" for name, u in month_parts.items())
    lines.append(f"month, infrastructure by source: {parts}")
    return lines


def is_order_label(label: str) -> bool:
    """Tell whether a label is part of the order path (core requests and their workers)."""
    return label.startswith(f"{CORE}:") or (label.startswith("worker") and "(" not in label)


def report(shop: Shop, orders: int, measured: dict[str, Any], wall: float) -> str:
    """Build the whole report."""
    meter = shop.meter
    core, typical = Stats(), usage_of(shop, f"{TYPICAL}:")
    for label, stats in meter.stats.items():
        if is_order_label(label):
            core.add(stats)
    per_order = core.usage().scaled(1 / orders)
    per_1000, typical_1000 = per_order.scaled(1000), typical.usage().scaled(1000 / orders)
    reminders_month, reminder_days = reminder_month(shop, measured, SURABAYA_ASN)
    idle = Usage(sqs_requests=IDLE_RECEIVES_PER_QUEUE_MONTH * QUEUES)
    month = month_usage(per_order, SURABAYA_ORDERS, reminders_month + measured["schedules"] + idle)
    parts = {
        "orders": per_order.scaled(SURABAYA_ORDERS),
        "reminders": reminders_month,
        "other schedules": measured["schedules"],
        "idle queue polling": idle,
    }
    stripe_ms = STRIPE_CALL_MS * core.stripe_calls
    config = json.loads(CHALICE_CONFIG.read_text())
    own = config.get("lambda_functions", {}).get("spending_reminders", {})
    timeout = own.get("lambda_timeout", config["lambda_timeout"])
    lines = [
        f"Cost model: AWS ap-southeast-3 (Jakarta) on-demand prices as stated on {PRICE_DATE}, no free tier;",
        f"{orders} orders measured in-process against the emulator ({wall:.0f} s), Lambda x86_64 billed at each",
        f"function's memory size for measured handler time + {STRIPE_CALL_MS} ms per Stripe call;",
        "* = price not verified (see PRICES)",
        "",
        *table(per_1000, typical_1000, month, parts),
        f"Stripe waits are {stripe_ms / max(1.0, core.billed_ms):.0%} of the order path's Lambda time "
        f"({core.stripe_calls / orders:.0f} calls per order).",
        f"Month: {SURABAYA_ORDERS:,} orders; {SURABAYA_ASN:,} ASN, {LAGGARD_SHARE:.0%} below quota at every reminder "
        f"run, all with email, {SMS_OPT_IN:.0%} with SMS on; reminder job: {reminder_days['send']} first days of a "
        f"stage,",
        f"{reminder_days['repeat']} later days, {reminder_days['none']} days before any stage; other schedules at "
        f"their rates; Lambda's idle long polls {IDLE_RECEIVES_PER_QUEUE_MONTH:,} per queue.",
        "",
        "Order path per order, by step (DynamoDB units from item sizes; GSI = WRU of index writes, in WRU)",
        f"{'step':<44} {'calls':>5} {'ms':>6} {'RRU':>5} {'WRU':>5} {'GSI':>5} {'SQS':>4}  DynamoDB operations",
    ]
    order_labels = sorted((k for k in meter.stats if is_order_label(k)), key=lambda k: (k.startswith("worker"), k))
    for label in [*order_labels, *sorted(k for k in meter.stats if k.startswith(f"{TYPICAL}:"))]:
        s = meter.stats[label]
        ops = ", ".join(f"{op} {round(n / orders, 2):g}" for op, n in sorted(meter.operations[label].items()))
        lines.append(
            f"{label:<44} {s.invocations / orders:>5.2f} {s.billed_ms / max(1, s.invocations):>6.0f} "
            f"{s.rru / orders:>5.1f} {s.wru / orders:>5.1f} {s.gsi_wru / orders:>5.1f} {s.sqs_requests / orders:>4.1f}"
            f"  {ops}"
        )
    by_table: dict[str, float] = defaultdict(float)
    for (label, name), units in meter.wru_by_table.items():
        if is_order_label(label):
            by_table[name.replace("peken-local-", "")] += units / orders
    lines.append(
        "WRU per order by table (:index): "
        + ", ".join(f"{t} {u:.1f}" for t, u in sorted(by_table.items(), key=lambda x: -x[1])[:16])
    )
    functions: dict[str, float] = defaultdict(float)
    for label in order_labels:
        name = label.split()[1] if label.startswith("worker") else "api_handler"
        functions[name] += meter.stats[label].invocations / orders
    lines.append("Lambda invocations per order: " + ", ".join(f"{n} {c:g}" for n, c in sorted(functions.items())))
    per_asn = measured["roster"]
    lines += [
        "",
        f"Reminder job on {per_asn:,} ASN: first day of a stage {measured['send_seconds']:.2f} s "
        f"({measured['send_result'].get('queued')} queued), later day {measured['repeat_seconds']:.2f} s, "
        f"no stage {measured['none_seconds']:.2f} s;",
        f"at {SURABAYA_ASN:,} ASN a run takes about {measured['send_seconds'] * SURABAYA_ASN / per_asn:.0f} s "
        f"against the emulator (Lambda timeout: {timeout} s).",
    ]
    for kind in ("send", "repeat"):
        s = meter.stats[f"reminders {kind}"]
        lines.append(
            f"  {kind:<6} per ASN: {s.dynamodb_requests / per_asn:.3f} DynamoDB requests, {s.wru / per_asn:.3f} WRU, "
            f"{s.rru / per_asn:.3f} RRU, {s.sqs_requests / per_asn:.3f} SQS"
        )
    lines.append("")
    lines.append(f"Prices (as stated on {PRICE_DATE}):")
    for name, p in PRICES.items():
        flag = "" if p.verified else " (not verified)"
        lines.append(f"  {name:<16} USD {p.usd:g} per {p.per:,.0f} {p.unit}: {p.source}{flag}")
    return "\n".join(lines)


def run(orders: int, roster: int) -> str:
    """Set up, walk the orders, run the month's jobs and return the report."""
    import logging
    import tempfile

    from chalicelib import ids

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    started = time.perf_counter()
    shop = Shop(Path(tempfile.mkdtemp()))
    try:
        ids.CLOCK_OFFSET_SECONDS[0] = daytime_offset()
        shop.meter.install()
        world = setup(shop, orders)
        shop.deliver(suffix=" (setup)")
        shop.meter.forget(lambda label: label.endswith("(setup)"))
        for i in range(orders):
            one_order(shop, i, world)
        for _ in range(2):  # the checkout's delayed expiry message: at 15 minutes, re-queued, at 30
            shop.fast_forward(901)
            shop.deliver()
        ids.CLOCK_OFFSET_SECONDS[0] = daytime_offset()
        with shop.meter.pause():
            seeded = seed_roster(roster, ids.jakarta_month(ids.utcnow()))
        measured = measure_reminders(shop, seeded + orders)
        measured["schedules"] = measure_schedules(shop)
        return report(shop, orders, measured, time.perf_counter() - started)
    finally:
        shop.stop()


def main(argv: list[str]) -> int:
    """Run and print; in a fresh interpreter if another benchmark already loaded the app."""
    import argparse
    import os

    os.environ.pop("PEKEN_METRICS_FILE", None)  # metrics are log lines on AWS: meter them with the rest

    parser = argparse.ArgumentParser(prog="python -m tests.bench.cost")
    parser.add_argument("--orders", type=int, default=30)
    parser.add_argument("--roster", type=int, default=300, help="ASN seeded for the reminder job")
    args = parser.parse_args(argv)
    if "app" in sys.modules:  # its clients point at an emulator another benchmark stopped
        import subprocess

        return subprocess.call([sys.executable, "-m", "tests.bench.cost", *argv])
    print(run(args.orders, args.roster), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
