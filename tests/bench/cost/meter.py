"""The meter: what AWS would bill for every botocore call the app makes, counted per label.

It patches botocore's `_make_api_call` (and counts Stripe calls, which the handler waits
out) and sends the app's log lines to a counting sink. DynamoDB units come from item sizes
looked up in the emulator before and after each write (moto's ConsumedCapacity is a
constant), GSI writes included; SQS requests in 64 KB chunks; SES emails; SNS SMS parts.
A label is a route, a worker or a job; its own bookkeeping time is kept out of the billed time.
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, fields
from typing import Any

from infra.local.prepare import ACCOUNT, REGION
from tests.bench.cost.arithmetic import (
    Usage,
    gb_seconds,
    item_size,
    memory_of,
    read_units,
    sms_parts,
    sqs_chunks,
    write_units,
)
from tests.bench.cost.prices import PLATFORM_LOG_BYTES, STRIPE_CALL_MS


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
