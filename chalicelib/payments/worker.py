"""The payments worker: apply what Stripe says to orders, and refund what must be refunded.

Stripe's events only say "look again": the worker re-fetches the object the event carries
(a PaymentIntent, a Refund, or a Charge whose refunds it lists) and moves orders with
conditional updates, so duplicated, concurrent and out-of-order events change nothing twice.
An event about an object Stripe does not know is a poison message (dead-letter queue at
once), not something to retry.

An order's `refund` map is written only here (and set `pending` by the cancel that makes it
due), always conditional on the map as read: a webhook and the worker's own Stripe call
answering at once cannot overwrite each other. A refund Stripe reports `failed` is counted
(`RefundsFailed`, alarmed), reported to the admins' inbox and made again with a new
idempotency key, up to MAX_REFUND_ATTEMPTS; after that it stays `failed` for an admin.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeGuard

from chalicelib import ledger, metrics, queues
from chalicelib.auth import Principal
from chalicelib.config import dev_routes_enabled, settings
from chalicelib.dynamo import plain
from chalicelib.errors import InvalidTransition, NotFound, ValidationFailed, condition_failed
from chalicelib.ids import iso, utcnow
from chalicelib.messages import ADMIN_INBOX, Message, Notify, PaymentEvent, PoisonMessage, RefundOrder
from chalicelib.observability import logger
from chalicelib.orders import expiry, model, tables, transitions
from chalicelib.orders.tables import CheckoutRecord, OrderRecord

if TYPE_CHECKING:
    from chalicelib import shapes
    from chalicelib.stripe_gateway import Refund

RECONCILE_HOURS = 48
REFUND_GRACE_MINUTES = 10  # a refund due longer than this lost its message (or sits in the DLQ)
MAX_REFUND_ATTEMPTS = 3
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
    elif isinstance(message, RefundOrder):
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
    if refund["status"] == "succeeded":
        if order.paid_month and not ledger.exists(f"turnover-refund:{order_id}"):
            _announce_refund(order, refund)  # done by a delivery that died before queueing its event
        return
    attempt = int(refund.get("attempt") or 0)
    key = f"refund-{order_id}" if attempt == 0 else f"refund-{order_id}-{attempt}"
    made = stripe_gateway.refund(order.payment_intent_id, int(refund["amount_idr"]), key, order_id)
    _follow(order, refund, made)


def follow_refund(made: Refund) -> None:
    """Bring an order's refund in line with what Stripe says of one of its refunds (from a webhook)."""
    if not made.order_id:
        return  # not one of ours (e.g. made by hand in Stripe's dashboard)
    order = tables.order(made.order_id)
    refund = _refund_of(order)
    if _news_for(refund, made):
        _follow(order, refund, made)


def _refund_of(order: OrderRecord) -> dict[str, Any] | None:
    return plain(order.refund) or None


def _news_for(refund: dict[str, Any] | None, made: Refund) -> TypeGuard[dict[str, Any]]:
    """Tell whether Stripe's word on a refund changes the order's refund (not an older attempt's, not known)."""
    return (
        refund is not None
        and made.id not in refund.get("failed_refund_ids", [])
        and refund.get("refund_id") in (None, made.id)
        and refund.get("status") != made.status
    )


def _follow(order: OrderRecord, seen: dict[str, Any], made: Refund) -> None:
    """Record a refund's new status if the order's refund is still the one read; re-read and retry otherwise."""
    for _ in range(5):
        if made.status == "failed":
            after = _after_failure(seen, made)
        else:
            after = {**seen, "status": made.status, "refund_id": made.id}
            if made.status == "succeeded":
                after["at"] = iso(utcnow())
        if _write_refund(order, seen, after):
            _after_write(order, after, made)
            return
        order = tables.order(order.order_id)
        current = _refund_of(order)
        if not _news_for(current, made):
            return  # another delivery recorded it, or the refund moved on to a new attempt
        seen = current


def _after_failure(seen: dict[str, Any], made: Refund) -> dict[str, Any]:
    """A failed refund is made again (a new attempt, so a new key) until the attempts are used up."""
    attempt = int(seen.get("attempt") or 0) + 1
    failed = [*seen.get("failed_refund_ids", []), made.id]
    if attempt < MAX_REFUND_ATTEMPTS:
        return {"status": "pending", "amount_idr": seen["amount_idr"], "attempt": attempt, "failed_refund_ids": failed}
    return {**seen, "status": "failed", "refund_id": made.id, "attempt": attempt, "failed_refund_ids": failed}


def _write_refund(order: OrderRecord, seen: dict[str, Any], after: dict[str, Any]) -> bool:
    """Write the refund map only if it is still the one read; False if someone wrote first."""
    from pynamodb.exceptions import UpdateError

    actions: list[Any] = [OrderRecord.refund.set(after), OrderRecord.updated_at.set(iso(utcnow()))]
    if after["status"] in ("succeeded", "failed"):
        actions.append(OrderRecord.refund_flag.remove())  # no longer due
    try:
        OrderRecord(order.order_id).update(actions=actions, condition=OrderRecord.refund == seen)
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def _after_write(order: OrderRecord, after: dict[str, Any], made: Refund) -> None:
    """Count, announce and (for a failure) report and retry: once, after the write that recorded it."""
    if after["status"] == "succeeded":
        metrics.count(metrics.REFUNDS)
        metrics.count(metrics.REFUNDED, int(after["amount_idr"]), unit="None")
        _announce_refund(order, after)
    elif made.status == "failed":
        metrics.count(metrics.REFUNDS_FAILED)
        final = after["status"] == "failed"
        logger.error("refund failed", extra={"attempt": after["attempt"], "final": final})
        queues.publish(
            Notify(
                user_id=ADMIN_INBOX,
                kind="refund_failed_final" if final else "refund_failed",
                params={
                    "order_id": order.order_id,
                    "amount_idr": int(after["amount_idr"]),
                    "attempt": after["attempt"],
                },
            )
        )
        if not final:
            queues.publish(RefundOrder(order_id=order.order_id), delay_seconds=settings().refund_retry_seconds)


def _announce_refund(order: OrderRecord, refund: dict[str, Any]) -> None:
    """Queue the refunded event, stamped with the refund's time so a repeat makes the same notification."""
    at = str(refund["at"]) if refund.get("at") else None
    queues.publish(transitions.event_of(order, "refunded", at, amount_idr=int(refund["amount_idr"])))


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
        if refund.get("refund_id"):
            follow_refund(stripe_gateway.retrieve_refund(str(refund["refund_id"])))  # Stripe has it: follow it
        else:
            queues.publish(RefundOrder(order_id=order.order_id))
            requeued += 1
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
