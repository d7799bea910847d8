"""One refund's state on its order item, followed as Stripe reports it: the whole-order refund and each partial one.

A refund lives in a `Slot` of the order item: the whole-order refund (cancel, late payment) in
the `refund` map, a partial refund (`payments.partial`) in the `refunds` map under its
`refund_id`. Both follow the same rules, written once here:
- Stripe's word on one of its refunds changes the state only if it is news: not an older
  attempt's refund (`failed_refund_ids`), not another refund, not the status already known;
- every write is conditional on the state as read (a webhook and the worker's own Stripe call
  answering at once cannot overwrite each other); a lost race re-reads and tries again;
- a failed refund is made again with a new attempt (a new idempotency key) up to
  MAX_REFUND_ATTEMPTS; after that it stays `failed` for an admin, its amount still counted;
- after the write that recorded it, once: a success is counted and announced (its `refunded`
  event: spending, turnover, sales and the seller's balance follow); a failure is counted,
  reported to the admins' inbox and retried after `refund_retry_seconds`; a refund done lets
  the order leave the `refunds_due` index (`partial.settle_flag`).

Cost: following one report is one conditional UpdateItem (a lost race: one GetItem more and again).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeGuard

from chalicelib.dynamo import plain
from chalicelib.errors import condition_failed
from chalicelib.ids import iso, utcnow
from chalicelib.orders import tables
from chalicelib.orders.refunds import DONE, entries_of
from chalicelib.orders.tables import OrderRecord

if TYPE_CHECKING:
    from chalicelib.stripe_gateway import Refund

MAX_REFUND_ATTEMPTS = 3
FOLLOW_ATTEMPTS = 5


@dataclass(frozen=True)
class Slot:
    """Where one refund's state lives: the whole-order `refund` (refund_id "") or `refunds[refund_id]`."""

    refund_id: str = ""

    @property
    def whole(self) -> bool:
        return not self.refund_id

    @property
    def stripe_field(self) -> str:
        """The state's key holding Stripe's refund id (the whole-order map has always called it `refund_id`)."""
        return "refund_id" if self.whole else "stripe_refund_id"

    def path(self) -> Any:
        return OrderRecord.refund if self.whole else OrderRecord.refunds[self.refund_id]

    def read(self, order: OrderRecord) -> dict[str, Any] | None:
        if self.whole:
            return plain(order.refund) or None
        return entries_of(order).get(self.refund_id)

    def news(self, state: dict[str, Any] | None, made: Refund) -> TypeGuard[dict[str, Any]]:
        """Tell whether Stripe's word on a refund changes this state (not an older attempt's, not known)."""
        return (
            state is not None
            and made.id not in state.get("failed_refund_ids", [])
            and state.get(self.stripe_field) in (None, made.id)
            and state.get("status") != made.status
        )


def follow(slot: Slot, order: OrderRecord, seen: dict[str, Any], made: Refund) -> None:
    """Record a refund's new status if its state is still the one read; re-read and retry otherwise."""
    for _ in range(FOLLOW_ATTEMPTS):
        if made.status == "failed":
            after = after_failure(slot, seen, made.id)
        else:
            after = {**seen, "status": made.status, slot.stripe_field: made.id}
            if made.status == "succeeded":
                after["at"] = iso(utcnow())
        if _write(slot, order.order_id, seen, after):
            _after_write(slot, order, after, made)
            return
        order = tables.order(order.order_id)
        current = slot.read(order)
        if not slot.news(current, made):
            return  # another delivery recorded it, or the refund moved on to a new attempt
        seen = current


def after_failure(slot: Slot, seen: dict[str, Any], stripe_refund_id: str) -> dict[str, Any]:
    """A failed refund is made again (a new attempt, so a new key) until the attempts are used up."""
    attempt = int(seen.get("attempt") or 0) + 1
    failed = [*seen.get("failed_refund_ids", []), stripe_refund_id]
    if attempt < MAX_REFUND_ATTEMPTS:
        again = {k: v for k, v in seen.items() if k != slot.stripe_field}
        return {**again, "status": "pending", "attempt": attempt, "failed_refund_ids": failed}
    return {
        **seen,
        "status": "failed",
        slot.stripe_field: stripe_refund_id,
        "attempt": attempt,
        "failed_refund_ids": failed,
    }


def _write(slot: Slot, order_id: str, seen: dict[str, Any], after: dict[str, Any]) -> bool:
    """Write the state only if it is still the one read; False if someone wrote first."""
    from pynamodb.exceptions import UpdateError

    actions: list[Any] = [slot.path().set(after), OrderRecord.updated_at.set(iso(utcnow()))]
    if after["status"] not in DONE:
        actions.append(OrderRecord.refund_flag.set("1"))  # due (again): `partial.settle_flag` removes it once done
    try:
        OrderRecord(order_id).update(actions=actions, condition=slot.path() == seen)
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def _after_write(slot: Slot, order: OrderRecord, after: dict[str, Any], made: Refund) -> None:
    """Count, announce and (for a failure) report and retry: once, after the write that recorded it."""
    from chalicelib import metrics, queues
    from chalicelib.config import settings
    from chalicelib.messages import ADMIN_INBOX, Notify, RefundOrder
    from chalicelib.observability import logger
    from chalicelib.payments import partial

    if after["status"] == "succeeded":
        metrics.count(metrics.REFUNDS)
        metrics.count(metrics.REFUNDED, int(after["amount_idr"]), unit="None")
        announce(slot, order, after)
    elif made.status == "failed":
        metrics.count(metrics.REFUNDS_FAILED)
        final = after["status"] == "failed"
        logger.error("refund failed", extra={"attempt": after["attempt"], "final": final, "partial": not slot.whole})
        params = {"order_id": order.order_id, "amount_idr": int(after["amount_idr"]), "attempt": after["attempt"]}
        kind = "refund_failed_final" if final else "refund_failed"
        queues.publish(Notify(user_id=ADMIN_INBOX, kind=kind, params=params))
        if not final:
            retry = RefundOrder(order_id=order.order_id, refund_id=slot.refund_id)
            queues.publish(retry, delay_seconds=settings().refund_retry_seconds)
    if after["status"] in DONE:
        partial.settle_flag(order.order_id)


def announce(slot: Slot, order: OrderRecord, state: dict[str, Any]) -> None:
    """Queue the refund's `refunded` event, stamped with its time so a repeat makes the same notification."""
    from chalicelib import queues
    from chalicelib.orders import transitions

    at = str(state["at"]) if state.get("at") else None
    event = transitions.event_of(order, "refunded", at, amount_idr=int(state["amount_idr"]))
    queues.publish(event if slot.whole else dataclasses.replace(event, refund_id=slot.refund_id))
