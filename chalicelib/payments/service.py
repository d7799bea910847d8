"""The payments worker: apply what Stripe says to orders, and refund what must be refunded.

Stripe's events only say "look again": the worker re-fetches the PaymentIntent and moves
orders with conditional updates, so duplicated, concurrent and out-of-order events change
nothing twice.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalicelib import ledger, metrics, queues
from chalicelib.auth import Principal
from chalicelib.config import settings
from chalicelib.dynamo import plain
from chalicelib.errors import NotFound, ValidationFailed
from chalicelib.ids import iso, utcnow
from chalicelib.messages import Message, OrderEvent, PaymentEvent, PoisonMessage, RefundOrder
from chalicelib.observability import logger
from chalicelib.orders import expiry, model, store, transitions
from chalicelib.orders.store import CheckoutRecord, OrderRecord

RECONCILE_HOURS = 48
REFUND_GRACE_MINUTES = 10  # a refund due longer than this lost its message (or sits in the DLQ)


def handle(message: Message) -> None:
    """Handle one message of the payments queue."""
    if isinstance(message, PaymentEvent):
        if message.event_type.startswith("payment_intent."):
            apply_intent(message.object_id)
        elif message.event_type.startswith(("refund.", "charge.refund")):
            update_refund(message.object_id)
        else:
            logger.info("stripe event ignored", extra={"event_type": message.event_type})
    elif isinstance(message, RefundOrder):
        refund_order(message.order_id)
    else:
        raise PoisonMessage(f"payments cannot handle {message.TYPE}")


def apply_intent(payment_intent_id: str) -> int:
    """Bring a checkout's orders in line with its PaymentIntent; return how many orders moved."""
    from chalicelib.payments import stripe_gateway

    intent = stripe_gateway.retrieve_payment_intent(payment_intent_id)
    checkout = store.checkout_of_payment(payment_intent_id)
    if checkout is None:
        logger.warning("payment for no checkout", extra={"status": intent.status})
        return 0
    if intent.status == "succeeded":
        return _paid(checkout)
    if intent.status == "requires_payment_method" and checkout.status == "awaiting_payment":
        metrics.count(metrics.PAYMENTS_FAILED)
        checkout.update(actions=[CheckoutRecord.payment_error.set("the payment was declined; try another card")])
    return 0


def _paid(checkout: CheckoutRecord) -> int:
    moved = 0
    for order in store.orders_of(checkout):
        if order.status == "awaiting_payment":
            try:
                paid = transitions.move(order.order_id, "pay", {"system"})
                moved += 1
                metrics.count(metrics.ORDERS_PAID)
                metrics.count(metrics.GMV, int(paid.total_idr), unit="None")
                continue
            except model.InvalidTransition:
                order = store.order(order.order_id)
        if order.status in ("cancelled", "expired") and not order.refund:
            transitions.request_refund(order)  # paid too late: give the money back
        elif order.paid_at and not ledger.exists(f"turnover:{order.order_id}"):
            # Paid by an earlier delivery that died before (or while) queueing its event:
            # announce it again, or turnover and spending would never count this order.
            transitions.announce(order, "paid")
    if checkout.open_flag:
        expiry.close(checkout, "paid")
    return moved


def refund_order(order_id: str) -> None:
    """Refund an order's payment in full, once (Stripe's idempotency key is per order)."""
    from chalicelib.payments import stripe_gateway

    order = store.order(order_id)
    refund = _refund_of(order)
    if not refund:
        return
    if refund["status"] == "succeeded":
        if order.paid_month and not ledger.exists(f"turnover-refund:{order_id}"):
            _announce_refund(order, refund)  # done by a delivery that died before queueing its event
        return
    refund_id, status = stripe_gateway.refund(
        order.payment_intent_id, int(refund["amount_idr"]), f"refund-{order_id}", order_id
    )
    _set_refund(order, {**refund, "status": status, "refund_id": refund_id})


def update_refund(refund_id: str) -> None:
    """Follow a refund's status from its webhook."""
    from chalicelib.payments import stripe_gateway

    status, order_id = stripe_gateway.retrieve_refund(refund_id)
    if not order_id:
        return
    order = store.order(order_id)
    refund = _refund_of(order)
    if refund and refund.get("status") != status:
        _set_refund(order, {**refund, "status": status, "refund_id": refund_id})


def _refund_of(order: OrderRecord) -> dict[str, Any] | None:
    return plain(order.refund) or None


def _set_refund(order: OrderRecord, refund: dict[str, Any]) -> None:
    now = iso(utcnow())
    actions: list[Any] = [OrderRecord.updated_at.set(now)]
    if refund["status"] == "succeeded":
        refund = {**refund, "at": now}
        actions.append(OrderRecord.refund_flag.remove())  # no longer due
    order.update(actions=[OrderRecord.refund.set(refund), *actions])
    if refund["status"] == "succeeded":
        metrics.count(metrics.REFUNDS)
        metrics.count(metrics.REFUNDED, int(refund["amount_idr"]), unit="None")
        _announce_refund(order, refund)


def _announce_refund(order: OrderRecord, refund: dict[str, Any]) -> None:
    """Queue the refunded event, stamped with the refund's time so a repeat makes the same notification."""
    queues.publish(
        OrderEvent(
            order_id=order.order_id,
            event="refunded",
            store_id=order.store_id,
            buyer_id=order.buyer_id,
            amount_idr=int(refund["amount_idr"]),
            month=order.paid_month or "",
            buyer_nip=order.buyer_nip or "",
            **({"sent_at": str(refund["at"])} if refund.get("at") else {}),
        )
    )


def reconcile() -> dict[str, Any]:
    """Repair what lost messages left behind: payments Stripe took, refunds nobody is making."""
    from chalicelib.payments import stripe_gateway

    since = iso(utcnow() - timedelta(hours=RECONCILE_HOURS))
    checked = repaired = 0
    for checkout in CheckoutRecord.open_checkouts.query("1", range_key_condition=CheckoutRecord.created_at > since):
        checked += 1
        if stripe_gateway.retrieve_payment_intent(checkout.payment_intent_id).status == "succeeded":
            repaired += _paid(checkout)
    return {"checked": checked, "repaired": repaired, "refunds_requeued": _refunds_due()}


def _refunds_due() -> int:
    """Queue again refunds due for a while whose message was lost or dead-lettered; ask Stripe about made ones."""
    before = iso(utcnow() - timedelta(minutes=REFUND_GRACE_MINUTES))
    requeued = 0
    for order in OrderRecord.refunds_due.query("1", range_key_condition=OrderRecord.updated_at < before):
        refund = _refund_of(order) or {}
        if refund.get("refund_id"):
            update_refund(str(refund["refund_id"]))  # Stripe has it: follow its status
        else:
            queues.publish(RefundOrder(order_id=order.order_id))
            requeued += 1
    return requeued


def dev_pay(principal: Principal, checkout_id: str, outcome: str) -> dict[str, Any]:
    """Pay a checkout with a test card on the local Stripe stand-in (local stage only)."""
    from chalicelib.payments import stripe_gateway

    if not settings().is_local:
        raise NotFound("no such route")
    if outcome not in stripe_gateway.TEST_CARDS:
        raise ValidationFailed.field("outcome", "must be succeeded or declined")
    checkout = store.checkout(checkout_id)
    if checkout.buyer_id != principal.user_id:
        raise NotFound("no such checkout")
    status = stripe_gateway.confirm_with_test_card(checkout.payment_intent_id, outcome)
    return {
        "checkout_id": checkout_id,
        "payment_intent_id": checkout.payment_intent_id,
        "payment_intent_status": status,
    }
