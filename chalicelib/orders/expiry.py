"""Expire unpaid orders at their deadline and complete ready orders after some days.

A delayed message per checkout does it on time (and ends as soon as its checkout is paid); a
scheduled sweep catches anything the message missed. Either way the move is conditional, so stock returns exactly once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib import marketplace_settings, queues
from chalicelib.dynamo import get_or_none
from chalicelib.errors import InvalidTransition
from chalicelib.ids import iso, parse_iso, utcnow
from chalicelib.messages import ExpireCheckout, Message, PoisonMessage
from chalicelib.observability import logger
from chalicelib.orders import model, tables, transitions
from chalicelib.orders.tables import CheckoutRecord, OrderRecord

SWEEP_LIMIT = 500


def handle(message: Message) -> None:
    """Expire a checkout's unpaid orders, or wait again if its deadline is still ahead.

    A checkout no longer awaiting payment (paid or expired: either is closed only after every
    order moved) ends the message at once, so a paid checkout's message is not queued again.
    Cost: one GetItem, then one SendMessage (still waiting) or the expiry itself.
    """
    if not isinstance(message, ExpireCheckout):
        raise PoisonMessage(f"expiry cannot handle {message.TYPE}")
    checkout = get_or_none(CheckoutRecord, message.checkout_id)
    if checkout is None or checkout.status != "awaiting_payment":
        return
    remaining = (parse_iso(message.expires_at) - utcnow()).total_seconds()
    if remaining > 1:
        queues.publish(
            ExpireCheckout(
                checkout_id=message.checkout_id, expires_at=message.expires_at, correlation_id=message.correlation_id
            ),
            delay_seconds=min(queues.MAX_DELAY_SECONDS, int(remaining) + 1),
        )
        return
    expire_checkout(checkout)


def expire_checkout(checkout: CheckoutRecord) -> int:
    """Expire every order of a checkout still awaiting payment; cancel the intent if none was paid."""
    from chalicelib import stripe_gateway

    expired = 0
    orders = tables.orders_of(checkout)
    for order in orders:
        if order.status == "awaiting_payment" and _expire(order.order_id):
            expired += 1
    if not any(o.status not in ("awaiting_payment", "expired", "cancelled") for o in tables.orders_of(checkout)):
        stripe_gateway.cancel_payment_intent(checkout.payment_intent_id)
        close(checkout, "expired")
    return expired


def _expire(order_id: str) -> bool:
    try:
        transitions.move(order_id, "expire", {"system"})
    except InvalidTransition:
        return False  # paid or cancelled meanwhile
    return True


def close(checkout: CheckoutRecord, status: model.CheckoutStatus) -> None:
    """Mark a checkout settled and drop it from the reconciliation index."""
    checkout.update(actions=[CheckoutRecord.status.set(status), CheckoutRecord.open_flag.remove()])


def sweep(now: datetime | None = None) -> dict[str, Any]:
    """Expire overdue unpaid orders (safety net for the delayed messages)."""
    deadline = iso(now or utcnow())
    overdue = OrderRecord.awaiting_payment.query(
        "1", range_key_condition=OrderRecord.expires_at < deadline, limit=SWEEP_LIMIT
    )
    checkouts = {o.checkout_id for o in overdue}
    expired = sum(expire_checkout(tables.checkout(c)) for c in checkouts)
    logger.info("expiry sweep", extra={"checkouts": len(checkouts), "expired": expired})
    return {"checkouts": len(checkouts), "expired": expired}


def auto_complete(now: datetime | None = None) -> dict[str, Any]:
    """Complete orders that have been ready longer than `auto_complete_days`, without a handover code.

    The move is made as `system`, which the order's history keeps: its views then show
    `completed_without_confirmation: true` (the buyer never confirmed, the store gave no code).
    """
    days = marketplace_settings.current()["auto_complete_days"]
    cutoff = iso((now or utcnow()) - timedelta(days=days))
    done = 0
    for order in OrderRecord.ready_orders.query(
        "1", range_key_condition=OrderRecord.ready_at < cutoff, limit=SWEEP_LIMIT
    ):
        try:
            transitions.move(order.order_id, "complete", {"system"})
            done += 1
        except InvalidTransition:
            continue
    return {"completed": done}
