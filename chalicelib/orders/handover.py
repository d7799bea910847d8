"""Handover codes: the buyer's proof of delivery or pickup, which lets the store complete an order.

Invariant: an order becomes `ready` with a six-digit code from `secrets`, written in the same
conditional update as the move (`transitions`), so a ready order has exactly one code and it
never changes. Only its buyer's single-order view shows it (`for_buyer`): the code is mapped by
`tables.HandoverRecord` alone, so lists, the store's and the admins' views, notifications and
logs, all made from an `OrderRecord`, cannot show it. The code is never logged.

The store completes with the code; the buyer needs none. Wrong codes are counted on the order
item (not in memory: Lambda containers are many): five wrong codes within `WINDOW` lock the
order's handover for `LOCKOUT`, during which even the right code is refused (429). Each count
is a conditional update on the counter read (a lost race reads again), and the completing move
is conditional on no lockout, so parallel guesses cannot slip past the fifth.

Cost: the buyer's view of a ready or completed order, one GetItem more; the store's completion,
one GetItem (the code and counter) beside the order's, then the move; a wrong code, one
conditional UpdateItem.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import StringConstraints
from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.bodies import Body
from chalicelib.errors import InvalidHandoverCode, TooManyAttempts, ValidationFailed, condition_failed
from chalicelib.ids import iso, parse_iso
from chalicelib.orders.tables import HandoverRecord, OrderRecord

if TYPE_CHECKING:
    from chalicelib import shapes

DIGITS = 6
MAX_FAILURES = 5  # wrong codes in one window that lock the handover
WINDOW = timedelta(minutes=15)  # wrong codes older than this (from the window's first) are forgotten
LOCKOUT = timedelta(minutes=15)  # how long the fifth wrong code locks the handover
SHOWN_IN = ("ready", "completed")  # statuses in which the buyer's view shows the code


class CompleteRequest(Body):
    """POST /v1/orders/{order_id}/complete: the store sends the buyer's code; the buyer sends nothing."""

    handover_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] | None = None


def new_code() -> str:
    """A fresh six-digit code, cryptographically random."""
    return f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"


@dataclass(frozen=True)
class Attempts:
    """The wrong-code counter of one order's handover, as stored."""

    failures: int = 0
    window_at: str | None = None
    locked_until: str | None = None


def locked_for(attempts: Attempts, now: datetime) -> int:
    """Seconds the handover stays locked (0: not locked)."""
    if not attempts.locked_until:
        return 0
    return max(0, math.ceil((parse_iso(attempts.locked_until) - now).total_seconds()))


def after_failure(attempts: Attempts, now: datetime) -> Attempts:
    """The counter after one more wrong code: a new window once the last one (or its lockout) is over."""
    over = (
        attempts.window_at is None or attempts.locked_until is not None or parse_iso(attempts.window_at) + WINDOW <= now
    )
    failures = 1 if over else attempts.failures + 1
    window_at = iso(now) if over else attempts.window_at
    return Attempts(failures, window_at, iso(now + LOCKOUT) if failures >= MAX_FAILURES else None)


def read(order_id: str) -> tuple[str, Attempts]:
    """The order's code ("" before it is ready) and its counter (consistent read)."""
    try:
        record = HandoverRecord.get(order_id, consistent_read=True)
    except DoesNotExist:
        return "", Attempts()
    return record.handover_code or "", _attempts(record)


def for_buyer(order: OrderRecord, shown: shapes.Order) -> shapes.Order:
    """Add the handover code to its buyer's view of a ready (or completed) order."""
    if order.status in SHOWN_IN:
        code, _ = read(order.order_id)
        if not code and order.status == "ready":
            code = _make_missing(order.order_id)
        if code:
            shown["handover_code"] = code
    return shown


def _make_missing(order_id: str) -> str:
    """Give a ready order made before handover codes existed its code, once (conditional on none)."""
    try:
        HandoverRecord(order_id).update(
            actions=[HandoverRecord.handover_code.set(new_code())],
            condition=(OrderRecord.status == "ready") & HandoverRecord.handover_code.does_not_exist(),
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
    return read(order_id)[0]


def check(order_id: str, given: str | None, now: datetime) -> Any:
    """Check the store's code for a ready order; return the condition its completing move must hold.

    Missing code: 422 naming `handover_code`. Locked: 429, whatever the code. Wrong: counted,
    422 `invalid_handover_code` (the fifth wrong code of a window locks). Returns None when a
    lost race means the caller should read the order again.
    """
    if not given:
        raise ValidationFailed.field("handover_code", "required: the six-digit code the buyer shows you")
    code, attempts = read(order_id)
    _refuse_if_locked(attempts, now)
    if code and secrets.compare_digest(given.encode(), code.encode()):
        return HandoverRecord.handover_locked_until.does_not_exist() | (
            HandoverRecord.handover_locked_until <= iso(now)
        )
    counted = _count_failure(order_id, attempts, now)
    if counted is None:
        return None
    if counted.locked_until:
        raise InvalidHandoverCode(
            f"wrong handover code; the handover is locked for {int(LOCKOUT.total_seconds()) // 60} minutes",
            {"field": "handover_code", "attempts_left": 0, "locked_until": counted.locked_until},
        )
    raise InvalidHandoverCode(
        "wrong handover code: ask the buyer for the code their order shows",
        {"field": "handover_code", "attempts_left": MAX_FAILURES - counted.failures},
    )


def _refuse_if_locked(attempts: Attempts, now: datetime) -> None:
    wait = locked_for(attempts, now)
    if wait:
        raise TooManyAttempts(
            f"too many wrong handover codes; try again in {math.ceil(wait / 60)} minutes",
            {"retry_after_seconds": wait, "locked_until": attempts.locked_until},
        )


def _count_failure(order_id: str, attempts: Attempts, now: datetime) -> Attempts | None:
    """Write the counter after a wrong code if it is still the one read; None if another write came first."""
    nxt = after_failure(attempts, now)
    actions: list[Any] = [
        HandoverRecord.handover_failures.set(nxt.failures),
        HandoverRecord.handover_window_at.set(str(nxt.window_at)),
        HandoverRecord.handover_locked_until.set(nxt.locked_until)
        if nxt.locked_until
        else HandoverRecord.handover_locked_until.remove(),
    ]
    condition = (OrderRecord.status == "ready") & _unchanged(attempts)
    try:
        HandoverRecord(order_id).update(actions=actions, condition=condition)
    except UpdateError as exc:
        if condition_failed(exc):
            return None
        raise
    return nxt


def _unchanged(attempts: Attempts) -> Any:
    failures = (
        HandoverRecord.handover_failures.does_not_exist()
        if not attempts.window_at
        else HandoverRecord.handover_failures == attempts.failures
    )
    window = (
        HandoverRecord.handover_window_at.does_not_exist()
        if not attempts.window_at
        else HandoverRecord.handover_window_at == attempts.window_at
    )
    return failures & window


def _attempts(record: HandoverRecord) -> Attempts:
    return Attempts(
        int(record.handover_failures or 0),
        record.handover_window_at or None,
        record.handover_locked_until or None,
    )
