"""Partial refunds of a paid order (the money machinery disputes and goodwill refunds use).

Invariant: the sum of an order's refunds never exceeds its total, under any concurrency. A
partial refund is an entry of the order's `refunds` map (keyed by its `refund_id`) and
`refunded_idr` is raised in the SAME conditional update that records it, conditional on
`refunded_idr <= total_idr - amount` (and on the entry being new, and on the order still
paid, accepted, ready or completed); the whole-order refund of a cancel or a late payment
claims only what is left (`payments.worker`), in a conditional update of its own. A refund
Stripe finally fails keeps its amount counted: an admin settles it by hand, and nothing
refunds that money twice.

Each entry: `refund_id`, `amount_idr`, `reason`, `lines` [{product_id, quantity}], `status`
(pending → succeeded | failed, as Stripe reports it), `attempt`, `failed_refund_ids`,
`stripe_refund_id`, `created_at`, `at` (when it succeeded). Each attempt is one Stripe refund
with the idempotency key `refund-<order_id>-<refund_id>[-<attempt>]` and metadata
{order_id, refund_id}, so the webhook finds the entry; a failed one is made again with a new
key up to MAX_REFUND_ATTEMPTS, and the admins are told each time. Once succeeded, its
`refunded` event (carrying `refund_id`) lowers spending, turnover, sales and the seller's
balance, each keyed per refund (`orders.events`).

`refund_flag` ("1", the `refunds_due` sparse index) is set by every write that makes a refund
due and removed only by `settle_flag`, conditional on the refund maps being what it read
with nothing due, so reconciliation always finds a refund due.

Cost: `refund_part` is one GetItem, one conditional UpdateItem and one SQS message (a lost
race reads again); making or following a refund, one GetItem, one Stripe call and one
conditional UpdateItem (plus `settle_flag`'s GetItem and UpdateItem once it is done).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, get_args

from chalicelib.dynamo import plain
from chalicelib.errors import Conflict, ValidationFailed, condition_failed
from chalicelib.ids import iso, new_id, utcnow
from chalicelib.orders import tables
from chalicelib.orders.refunds import DONE, entries_of, left_of, quantities_of, view_of
from chalicelib.orders.tables import OrderRecord
from chalicelib.payments import refund_state

if TYPE_CHECKING:
    from chalicelib import shapes
    from chalicelib.auth import Principal
    from chalicelib.payments.model import PartialRefundRequest
    from chalicelib.stripe_gateway import Refund

# Statuses in which an order may be refunded in part: paid and not called off.
PartlyRefundable = Literal["paid", "accepted", "ready", "completed"]
PARTLY_REFUNDABLE: tuple[PartlyRefundable, ...] = get_args(PartlyRefundable)
WRITE_ATTEMPTS = 10


@dataclass(frozen=True)
class RefundLine:
    """A quantity of one of the order's products a refund gives back."""

    product_id: str
    quantity: int


def refundable_idr(order_id: str) -> int:
    """Total - every refund so far (pending or done)."""
    return left_of(tables.order(order_id))


def refunded_quantities(order_id: str) -> dict[str, int]:
    """product_id → quantity refunded by refunds with lines."""
    return quantities_of(tables.order(order_id))


# --- recording a refund ------------------------------------------------------------------


def refund_part(
    order_id: str,
    amount_idr: int,
    refund_id: str,
    reason: str,
    lines: Sequence[RefundLine] = (),
    field: str = "refund_idr",
) -> None:
    """Record a partial refund of a paid order once per refund_id and queue it to Stripe.

    422 ValidationFailed.field(field, ...) above what is left to refund or for an unpaid order;
    the same refund_id again changes nothing.
    """
    record_part(order_id, amount_idr, refund_id, reason, lines, field)


def record_part(
    order_id: str, amount_idr: int, refund_id: str, reason: str, lines: Sequence[RefundLine], field: str
) -> dict[str, Any]:
    """`refund_part`, answering the entry as recorded (or as found, for a refund_id seen before)."""
    from chalicelib import queues
    from chalicelib.messages import RefundOrder

    for _ in range(WRITE_ATTEMPTS):
        order = tables.order(order_id)
        found = entries_of(order).get(refund_id)
        if found is not None:
            return found  # recorded before: the same refund_id changes nothing
        check(order, amount_idr, lines, field)
        entry = _entry(refund_id, amount_idr, reason, lines)
        if _record(order, entry, bool(lines)):
            queues.publish(RefundOrder(order_id=order_id, refund_id=refund_id))
            return entry
    raise Conflict("the order's refunds kept changing; try again")


def goodwill(principal: Principal, order_id: str, request: PartialRefundRequest, key: str) -> shapes.OrderRefund:
    """An officer's refund of part of an order (POST /v1/admin/orders/{order_id}/refunds): recorded, then made.

    The refund's id comes from the officer and the request's Idempotency-Key, so a retry after
    an answer that was lost (or a 5xx after the refund was recorded) finds the same refund
    instead of recording a second one.
    """
    lines = [RefundLine(line.product_id, line.quantity) for line in request.lines]
    refund_id = new_id(0, seed=f"goodwill:{order_id}:{principal.user_id}:{key}")
    entry = record_part(order_id, request.amount_idr, refund_id, request.reason, lines, "amount_idr")
    from chalicelib.audit import service as audit

    recorded = {"refund_id": entry["refund_id"], "amount_idr": entry["amount_idr"], "reason": request.reason}
    audit.once("order.refund_part", "order", order_id, None, recorded)  # after the order's write and its queueing
    return view_of(order_id, entry)


def check(order: OrderRecord, amount_idr: int, lines: Sequence[RefundLine], field: str) -> None:
    """Refuse (422 naming the field) a refund of an unpaid order, above what is left, or of lines not bought."""
    if order.status not in PARTLY_REFUNDABLE or not order.paid_at or order.refund:
        raise ValidationFailed.field(field, f"an order that is {order.status} cannot be refunded in part")
    if amount_idr <= 0:
        raise ValidationFailed.field(field, "must be a positive amount")
    left = left_of(order)
    if amount_idr > left:
        raise ValidationFailed.field(field, f"at most {left} is left to refund")
    bought: dict[str, int] = {}
    for line in order.lines:
        bought[str(line["product_id"])] = bought.get(str(line["product_id"]), 0) + int(line["quantity"])
    asked = dict(quantities_of(order))
    for i, line in enumerate(lines):
        if line.product_id not in bought:
            raise ValidationFailed.field(f"lines.{i}.product_id", "not a product of this order")
        asked[line.product_id] = asked.get(line.product_id, 0) + line.quantity
        if line.quantity <= 0 or asked[line.product_id] > bought[line.product_id]:
            left_quantity = bought[line.product_id] - (asked[line.product_id] - line.quantity)
            raise ValidationFailed.field(f"lines.{i}.quantity", f"at most {max(left_quantity, 0)} is left to refund")


def _entry(refund_id: str, amount_idr: int, reason: str, lines: Sequence[RefundLine]) -> dict[str, Any]:
    return {
        "refund_id": refund_id,
        "amount_idr": amount_idr,
        "reason": reason,
        "lines": [{"product_id": line.product_id, "quantity": line.quantity} for line in lines],
        "status": "pending",
        "attempt": 0,
        "created_at": iso(utcnow()),
    }


def _record(order: OrderRecord, entry: dict[str, Any], with_lines: bool) -> bool:
    """Add the entry and raise `refunded_idr` by its amount in one conditional update; False if the order changed."""
    from pynamodb.exceptions import UpdateError

    amount = int(entry["amount_idr"])
    refund_id = str(entry["refund_id"])
    read = plain(order.refunds)
    condition = (
        OrderRecord.status.is_in(*PARTLY_REFUNDABLE)
        & OrderRecord.refund.does_not_exist()
        & (OrderRecord.refunded_idr.does_not_exist() | (OrderRecord.refunded_idr <= int(order.total_idr) - amount))
    )
    if read is None:
        put = OrderRecord.refunds.set({refund_id: entry})
        condition &= OrderRecord.refunds.does_not_exist()
    else:
        put = OrderRecord.refunds[refund_id].set(entry)
        condition &= OrderRecord.refunds[refund_id].does_not_exist()
        if with_lines:  # quantities are checked against the refunds read: none may have come since
            condition &= OrderRecord.refunds == read
    actions = [
        put,
        OrderRecord.refunded_idr.add(amount),
        OrderRecord.refund_flag.set("1"),
        OrderRecord.updated_at.set(iso(utcnow())),
    ]
    try:
        OrderRecord(order.order_id).update(actions=actions, condition=condition)
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


# --- making it at Stripe and following it --------------------------------------------------


def idempotency_key(order_id: str, refund_id: str, attempt: int) -> str:
    """The Stripe idempotency key of a partial refund's attempt: a new attempt is a new refund."""
    return f"refund-{order_id}-{refund_id}" + (f"-{attempt}" if attempt else "")


def turnover_key(order_id: str, refund_id: str) -> str:
    """The ledger entry of a partial refund's turnover (written by orders.events once it is counted)."""
    return f"turnover-refund:{order_id}:{refund_id}"


def make(order_id: str, refund_id: str) -> None:
    """Make a partial refund due with Stripe, once per attempt (the idempotency key names the attempt)."""
    from chalicelib import ledger, stripe_gateway

    order = tables.order(order_id)
    entry = entries_of(order).get(refund_id)
    if entry is None or entry["status"] == "failed":
        return  # not ours, or given up on: an admin was told
    if entry["status"] == "succeeded":
        if order.paid_month and not ledger.exists(turnover_key(order_id, refund_id)):
            refund_state.announce(refund_state.Slot(refund_id), order, entry)  # a delivery that died before queueing it
        settle_flag(order_id)
        return
    key = idempotency_key(order_id, refund_id, int(entry.get("attempt") or 0))
    made = stripe_gateway.refund(order.payment_intent_id, int(entry["amount_idr"]), key, order_id, refund_id)
    refund_state.follow(refund_state.Slot(refund_id), order, entry, made)


def follow(made: Refund) -> None:
    """Bring a partial refund in line with what Stripe says of it (from a webhook or reconciliation)."""
    order = tables.order(made.order_id)
    slot = refund_state.Slot(made.partial_id)
    entry = slot.read(order)
    if slot.news(entry, made):
        refund_state.follow(slot, order, entry, made)


def due(order: OrderRecord) -> list[dict[str, Any]]:
    """The order's partial refunds still due (for reconciliation)."""
    return [e for e in entries_of(order).values() if e.get("status") not in DONE]


def settle_flag(order_id: str) -> bool:
    """Remove the order's `refund_flag` if no refund is due, conditional on the refunds as read; True if removed."""
    from pynamodb.exceptions import UpdateError

    order = tables.order(order_id)
    whole = plain(order.refund)
    if not order.refund_flag or due(order) or (whole and whole.get("status") not in DONE):
        return False
    condition = OrderRecord.refund_flag.exists()
    read = plain(order.refunds)
    condition &= OrderRecord.refunds.does_not_exist() if read is None else OrderRecord.refunds == read
    condition &= OrderRecord.refund.does_not_exist() if whole is None else OrderRecord.refund == whole
    try:
        OrderRecord(order_id).update(actions=[OrderRecord.refund_flag.remove()], condition=condition)
    except UpdateError as exc:
        if condition_failed(exc):
            return False  # something became due meanwhile (its writer keeps the flag), or another removed it
        raise
    return True
