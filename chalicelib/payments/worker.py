"""The payments worker: apply what Stripe says to orders, and refund what must be refunded.

Stripe's events only say "look again": the worker re-fetches the object the event carries
(a PaymentIntent, a Refund, or a Charge whose refunds it lists) and moves orders with
conditional updates, so duplicated, concurrent and out-of-order events change nothing twice.
An event about an object Stripe does not know is a poison message (dead-letter queue at
once), not something to retry.

An order's `refund` map is written only here (and set `pending` by the cancel that makes it
due), always conditional on the map as read: a webhook and the worker's own Stripe call
answering at once cannot overwrite each other. Before its Stripe call, the worker claims the
whole-order refund's amount: what is left after the order's partial refunds (`payments.partial`),
raising `refunded_idr` to the total in the same conditional update (one more UpdateItem, once).
Partial refunds (`RefundOrder` with a `refund_id`, Stripe refunds whose metadata names one) are
made by `payments.partial`. Both kinds are followed by the same rules (`payments.refund_state`:
news only, conditional writes, a failed refund made again with a new idempotency key up to
MAX_REFUND_ATTEMPTS, counted, alarmed and reported to the admins' inbox). `SendPayouts` hands
an approved payout batch to `payouts.batches.send_queued` (Stripe transfers, a time budget per
message).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from chalicelib import ledger, metrics, queues
from chalicelib.auth import Principal
from chalicelib.config import dev_routes_enabled
from chalicelib.errors import InvalidTransition, NotFound, ValidationFailed, condition_failed
from chalicelib.ids import iso, utcnow
from chalicelib.messages import Message, PaymentEvent, PoisonMessage, RefundOrder, SendPayouts
from chalicelib.observability import logger
from chalicelib.orders import expiry, model, tables, transitions
from chalicelib.orders import refunds as order_refunds
from chalicelib.orders.tables import CheckoutRecord, OrderRecord
from chalicelib.payments import partial, refund_state

if TYPE_CHECKING:
    from chalicelib import shapes
    from chalicelib.stripe_gateway import Refund

RECONCILE_HOURS = 48
REFUND_GRACE_MINUTES = 10  # a refund due longer than this lost its message (or sits in the DLQ)
WHOLE = refund_state.Slot()  # the whole-order refund's state: the order's `refund` map
OBJECT_PREFIXES = {
    "pi_": "payment_intent",
    "re_": "refund",
    "pyr_": "refund",
    "ch_": "charge",
    "py_": "charge",
    "acct_": "account",
}


def handle(message: Message) -> None:
    """Handle one message of the payments queue."""
    from chalicelib import stripe_gateway

    if isinstance(message, PaymentEvent):
        kind = message.object_type or next(
            (kind for prefix, kind in OBJECT_PREFIXES.items() if message.object_id.startswith(prefix)), ""
        )
        try:
            if kind == "payment_intent":
                apply_intent(message.object_id)
            elif kind == "refund":
                follow_refund(stripe_gateway.retrieve_refund(message.object_id))
            elif kind == "charge":
                for made in stripe_gateway.refunds_of_charge(message.object_id):
                    follow_refund(made)
            elif kind == "account":
                from chalicelib.payouts import accounts

                accounts.follow_connect_account(message.object_id)  # a Connect account: payout verification
            else:
                logger.info("stripe event ignored", extra={"event_type": message.event_type})
        except stripe_gateway.MissingResource as exc:
            raise PoisonMessage(f"{message.event_type}: Stripe does not know {kind or 'the object'}") from exc
    elif isinstance(message, SendPayouts):
        from chalicelib.payouts import batches

        batches.send_queued(message.batch_id)  # Stripe down: raises, and SQS brings the message back
    elif isinstance(message, RefundOrder):
        if message.refund_id:
            partial.make(message.order_id, message.refund_id)
        else:
            refund_order(message.order_id)
    else:
        raise PoisonMessage(f"payments cannot handle {message.TYPE}")


def apply_intent(payment_intent_id: str) -> int:
    """Bring a checkout's orders in line with its PaymentIntent; return how many orders moved."""
    from chalicelib import stripe_gateway

    intent = stripe_gateway.retrieve_payment_intent(payment_intent_id)
    checkout = tables.checkout_of_payment(payment_intent_id)
    if checkout is None:
        logger.warning("payment for no checkout", extra={"status": intent.status})
        return 0
    if intent.status == "succeeded":
        return _paid(checkout)
    if intent.status == "requires_payment_method" and checkout.status == "awaiting_payment":
        metrics.count(metrics.PAYMENTS_FAILED)
        _set_payment_error(checkout, "the payment was declined; try another card")
    return 0


def _set_payment_error(checkout: CheckoutRecord, error: str | None) -> None:
    """Set (or, with None, remove) a checkout's payment error; a decline never marks a checkout already paid."""
    from pynamodb.exceptions import UpdateError

    action = CheckoutRecord.payment_error.set(error) if error else CheckoutRecord.payment_error.remove()
    condition = CheckoutRecord.status == "awaiting_payment" if error else None
    try:
        checkout.update(actions=[action], condition=condition)
    except UpdateError as exc:
        if not condition_failed(exc):
            raise


def _paid(checkout: CheckoutRecord) -> int:
    """Move a paid checkout's orders to paid (the earlier attempt's payment error goes first)."""
    if checkout.payment_error:
        _set_payment_error(checkout, None)
    moved = 0
    for order in tables.orders_of(checkout):
        if order.status == "awaiting_payment":
            try:
                paid = transitions.move(order.order_id, "pay", {"system"})
                moved += 1
                metrics.count(metrics.ORDERS_PAID)
                metrics.count(metrics.GMV, int(paid.total_idr), unit="None")
                continue
            except InvalidTransition:
                order = tables.order(order.order_id)
        if order.status in model.CALLED_OFF and not order.refund:
            transitions.request_refund(order)  # paid too late: give the money back
        elif order.paid_at and not ledger.exists(f"turnover:{order.order_id}"):
            # Paid by an earlier delivery that died before (or while) queueing its event:
            # announce it again, or turnover and spending would never count this order.
            transitions.announce(order, "paid")
    if checkout.open_flag:
        expiry.close(checkout, "paid")
    return moved


def refund_order(order_id: str) -> None:
    """Make an order's due refund with Stripe, once per attempt (the idempotency key names the attempt)."""
    from chalicelib import stripe_gateway

    order = tables.order(order_id)
    refund = _refund_of(order)
    if not refund or refund["status"] == "failed":
        return  # nothing due, or given up on: an admin was told
    if refund["status"] == "pending" and not refund.get("claimed"):
        claimed = _claim(order, refund)
        if claimed is None:
            return  # another delivery moved it on
        order, refund = claimed
    if refund["status"] == "succeeded":
        if order.paid_month and not ledger.exists(f"turnover-refund:{order_id}"):
            refund_state.announce(WHOLE, order, refund)  # done by a delivery that died before queueing its event
        partial.settle_flag(order_id)
        return
    attempt = int(refund.get("attempt") or 0)
    key = f"refund-{order_id}" if attempt == 0 else f"refund-{order_id}-{attempt}"
    made = stripe_gateway.refund(order.payment_intent_id, int(refund["amount_idr"]), key, order_id)
    refund_state.follow(WHOLE, order, refund, made)


def _claim(order: OrderRecord, seen: dict[str, Any]) -> tuple[OrderRecord, dict[str, Any]] | None:
    """Fix the whole-order refund at what is left after the partial refunds, counting it in `refunded_idr`.

    One conditional update on the refund map and `refunded_idr` as read (partial refunds stop
    once the order is called off, so what is left no longer moves). Nothing left: the refund
    is done at once, with no Stripe call. None if the refund moved on meanwhile.
    """
    from pynamodb.exceptions import UpdateError

    for _ in range(5):
        left = order_refunds.left_of_claim(order)
        after = {**seen, "amount_idr": max(left, 0), "claimed": True}
        if left <= 0:
            after.update(status="succeeded", at=iso(utcnow()))
        read = order.refunded_idr
        condition = OrderRecord.refund == seen
        condition &= OrderRecord.refunded_idr.does_not_exist() if read is None else OrderRecord.refunded_idr == read
        actions = [
            OrderRecord.refund.set(after),
            OrderRecord.refunded_idr.set(int(order.total_idr)),
            OrderRecord.updated_at.set(iso(utcnow())),
        ]
        try:
            OrderRecord(order.order_id).update(actions=actions, condition=condition)
            return tables.order(order.order_id), after
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
        order = tables.order(order.order_id)
        current = _refund_of(order)
        if not current or current.get("claimed") or current.get("status") != "pending":
            return (order, current) if current and current.get("claimed") else None
        seen = current
    raise RuntimeError("the order's refunds kept changing; the message will be retried")


def follow_refund(made: Refund) -> None:
    """Bring an order's refund in line with what Stripe says of one of its refunds (from a webhook)."""
    if not made.order_id:
        return  # not one of ours (e.g. made by hand in Stripe's dashboard)
    if made.partial_id:
        partial.follow(made)
        return
    order = tables.order(made.order_id)
    refund = _refund_of(order)
    if WHOLE.news(refund, made):
        refund_state.follow(WHOLE, order, refund, made)


def _refund_of(order: OrderRecord) -> dict[str, Any] | None:
    return WHOLE.read(order)


def reconcile() -> dict[str, Any]:
    """Repair what lost messages left behind: payments Stripe took, refunds nobody is making."""
    from chalicelib import stripe_gateway

    since = iso(utcnow() - timedelta(hours=RECONCILE_HOURS))
    checked = repaired = 0
    for checkout in CheckoutRecord.open_checkouts.query("1", range_key_condition=CheckoutRecord.created_at > since):
        checked += 1
        if stripe_gateway.retrieve_payment_intent(checkout.payment_intent_id).status == "succeeded":
            repaired += _paid(checkout)
    return {"checked": checked, "repaired": repaired, "refunds_requeued": _refunds_due()}


def _refunds_due() -> int:
    """Queue again refunds due for a while whose message was lost or dead-lettered; ask Stripe about made ones."""
    from chalicelib import stripe_gateway

    before = iso(utcnow() - timedelta(minutes=REFUND_GRACE_MINUTES))
    requeued = 0
    for order in OrderRecord.refunds_due.query("1", range_key_condition=OrderRecord.updated_at < before):
        refund = _refund_of(order) or {}
        if refund.get("refund_id") and refund.get("status") not in order_refunds.DONE:
            follow_refund(stripe_gateway.retrieve_refund(str(refund["refund_id"])))  # Stripe has it: follow it
        elif refund and refund.get("status") not in order_refunds.DONE:
            queues.publish(RefundOrder(order_id=order.order_id))
            requeued += 1
        for entry in partial.due(order):
            if entry.get("stripe_refund_id"):
                partial.follow(stripe_gateway.retrieve_refund(str(entry["stripe_refund_id"])))
            else:
                queues.publish(RefundOrder(order_id=order.order_id, refund_id=str(entry["refund_id"])))
                requeued += 1
        partial.settle_flag(order.order_id)  # nothing due (any more): leave the index
    return requeued


def dev_pay(principal: Principal, checkout_id: str, outcome: str) -> shapes.DevPaymentResult:
    """Pay a checkout with a test card on the local Stripe stand-in (local stage only)."""
    from chalicelib import stripe_gateway

    if not dev_routes_enabled():
        raise NotFound("no such route")
    if outcome not in stripe_gateway.TEST_CARDS:
        raise ValidationFailed.field("outcome", f"must be one of {', '.join(stripe_gateway.TEST_CARDS)}")
    checkout = tables.checkout(checkout_id)
    if checkout.buyer_id != principal.user_id:
        raise NotFound("no such checkout")
    status = stripe_gateway.confirm_with_test_card(checkout.payment_intent_id, outcome)
    return {
        "checkout_id": checkout_id,
        "payment_intent_id": checkout.payment_intent_id,
        "payment_intent_status": status,
    }
