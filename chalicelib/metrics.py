"""Count business events as CloudWatch metrics (Powertools EMF), flushed after each unit of work.

On Lambda the EMF blob goes to stdout, where CloudWatch turns it into metrics with no API
call. The local stack names a file in PEKEN_METRICS_FILE instead, so the console stays
readable and tests can read what would have been published.
"""

from __future__ import annotations

import json
import os
import threading
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aws_lambda_powertools import Metrics

NAMESPACE = "Peken"
SERVICE = "peken"  # every metric's one dimension (Powertools' `service`)
ORDERS_PLACED = "OrdersPlaced"
ORDERS_PAID = "OrdersPaid"
GMV = "GrossMerchandiseValueIdr"  # paid order totals, in rupiah
PAYMENTS_FAILED = "PaymentsFailed"
REFUNDS = "Refunds"
REFUNDED = "RefundedIdr"
REFUNDS_FAILED = "RefundsFailed"  # Stripe could not return the money (alarmed; made again, then left to an admin)
REMINDERS_QUEUED = "RemindersQueued"
REMINDERS_SENT = "RemindersSent"
EMAILS_SENT = "EmailsSent"
SMS_SENT = "SmsSent"
DEAD_LETTERS = "DeadLetterMessages"
RISK_FLAGS_RAISED = "RiskFlagsRaised"  # a risk rule flagged a subject (chalicelib.risk), once per rule, subject, month

_lock = threading.Lock()  # the local stack runs every function in one process; Powertools' set is shared


@lru_cache(maxsize=1)
def _metrics() -> Metrics:
    # Imported on first use: most requests count nothing, and cold starts stay lean.
    from aws_lambda_powertools import Metrics

    return Metrics(namespace=NAMESPACE, service=SERVICE)


def count(name: str, value: float = 1, unit: str = "Count") -> None:
    """Add to a metric of the unit of work in progress."""
    if value:
        with _lock:
            _metrics().add_metric(name=name, unit=unit, value=value)


def gauge(name: str, value: float) -> None:
    """Record a level (zero included, so a graph shows the all-clear too)."""
    with _lock:
        _metrics().add_metric(name=name, unit="Count", value=value)


def flush() -> None:
    """Publish what the finished unit of work counted (nothing when it counted nothing)."""
    if _metrics.cache_info().currsize == 0:
        return
    with _lock:
        metrics = _metrics()
        if not metrics.metric_set:
            return
        blob = json.dumps(metrics.serialize_metric_set(), separators=(",", ":"))
        metrics.clear_metrics()
    target = os.environ.get("PEKEN_METRICS_FILE")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(blob + "\n")
    else:
        print(blob, flush=True)
