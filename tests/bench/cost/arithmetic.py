"""The cost model's pure arithmetic: billable usage, priced in USD, and the units AWS bills by.

No I/O but `.chalice/config.json` (each function's memory and timeout): request units from
item sizes, SQS 64 KB chunks, SMS parts, GB-seconds, schedule runs per month, a month's
usage from per-order usage. `tests/unit/test_cost_model.py` checks it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from tests.bench.cost.prices import MONTH_DAYS, PRICES, Price

CHALICE_CONFIG = Path(__file__).resolve().parents[3] / ".chalice" / "config.json"


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

    def beyond(self, other: Usage) -> Usage:
        """Return what this usage has beyond another's, field by field, never below 0 (a job minus its idle run)."""
        return Usage(**{f.name: max(0.0, getattr(self, f.name) - getattr(other, f.name)) for f in fields(self)})


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


def function_setting(function: str, name: str) -> Any:
    """Return a function's setting as .chalice/config.json sets it (for that function, else for all)."""
    config = json.loads(CHALICE_CONFIG.read_text())
    own = config.get("lambda_functions", {}).get(function, {})
    return own.get(name, config[name])


def memory_of(function: str) -> int:
    """Return a function's memory size in MB, as .chalice/config.json sets it (per function or for all)."""
    return int(function_setting(function, "lambda_memory_size"))


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


def payouts_per_day(stores: int, orders_per_day: float) -> float:
    """Return the payouts of a daily run: the stores with at least one order a day (orders spread at random)."""
    if stores <= 0:
        return 0.0
    return stores * (1 - math.exp(-orders_per_day / stores))
