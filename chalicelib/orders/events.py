"""The order-events worker: what follows an order's move (notifications, seller turnover, settlement).

Who hears of an event: a paid order, the store owner ("new order") and the buyer ("payment
received"); a cancel, the buyer always and the store owner unless the store cancelled it
(who cancelled is read from the order's history: one GetItem per cancel). Every notice
carries the order's id in its params, which the inbox keeps as `order_id`. Notices name the
order and amounts, never the buyer's contact.

Settlement (`chalicelib.settlement.service`): a paid order is the store's pending earning, a
refund its debit (both once per order and event, like turnover); a completed order is due for
release after the hold (one GetItem of the order, one conditional update).
"""

from __future__ import annotations

from chalicelib import queues
from chalicelib.catalog import stores
from chalicelib.ids import epoch_ms, iso, new_id, utcnow
from chalicelib.messages import Message, Notify, OrderEvent, PoisonMessage, RecountCompliance
from chalicelib.orders import tables, transitions
from chalicelib.reports import service as reports
from chalicelib.settlement import service as settlement
from chalicelib.spending import service as spending

# event -> who hears of it, and the notification kind each gets
AUDIENCE = {
    "paid": (("seller", "order_paid"), ("buyer", "payment_received")),
    "accepted": (("buyer", "order_accepted"),),
    "ready": (("buyer", "order_ready"),),
    "cancelled": (("buyer", "order_cancelled"), ("seller", "")),  # the seller's kind depends on who cancelled
    "refunded": (("buyer", "order_refunded"),),
}
# who cancelled -> what the store owner is told ("" : nothing, the store did it itself)
SELLER_CANCEL_KIND = {"buyer": "order_cancelled_by_buyer", "admin": "order_cancelled_by_admin"}


def handle(message: Message) -> None:
    """Count turnover once per order and tell the right person, once."""
    if isinstance(message, RecountCompliance):
        spending.recount(message.month)
        return
    if not isinstance(message, OrderEvent):
        raise PoisonMessage(f"order events cannot handle {message.TYPE}")
    if message.event in ("paid", "refunded") and message.month:
        _count(message, 1 if message.event == "paid" else -1)
    if message.event == "completed":
        _completed(message)
    if message.event in AUDIENCE:
        _notify(message)


def _count(message: OrderEvent, sign: int) -> None:
    """Feed turnover, the ASN's spending and the sales counters, each once per order and event."""
    suffix = "" if sign > 0 else "-refund"
    amount = sign * message.amount_idr
    stores.record_turnover(message.store_id, message.month, amount, f"turnover{suffix}:{message.order_id}")
    if message.buyer_nip:
        spending.record(message.buyer_nip, message.month, amount, sign, f"spend{suffix}:{message.order_id}")
    order = tables.order(message.order_id)
    if order.paid_at:
        reports.record_sale(order, stores.load(order.store_id).kecamatan, sign, f"sales{suffix}:{message.order_id}")
        if sign > 0:
            settlement.record_earning(_sale(order))
        else:
            settlement.record_refund(_sale(order), message.amount_idr, message.sent_at or iso(utcnow()))


def _sale(order: tables.OrderRecord) -> settlement.Sale:
    return settlement.Sale(order.order_id, order.store_id, int(order.total_idr), str(order.paid_at))


def _completed(message: OrderEvent) -> None:
    """Make a paid order's earning due for release `payout_hold_days` after its completion."""
    order = tables.order(message.order_id)
    if order.paid_at:
        at = next((str(h["at"]) for h in reversed(order.history or []) if h["status"] == "completed"), None)
        settlement.mark_completed(_sale(order), at or message.sent_at or iso(utcnow()))


def _notify(message: OrderEvent) -> None:
    sent_ms = epoch_ms(message.sent_at) if message.sent_at else int(utcnow().timestamp() * 1000)
    for audience, kind in AUDIENCE[message.event]:
        if audience == "seller" and message.event == "cancelled":
            kind = SELLER_CANCEL_KIND.get(transitions.mover(tables.order(message.order_id), "cancelled"), "")
        if not kind:
            continue
        user_id = message.buyer_id if audience == "buyer" else stores.load(message.store_id).owner_id
        # The same event always makes the same inbox id, so a redelivery adds nothing.
        queues.publish(
            Notify(
                user_id=user_id,
                kind=kind,
                params={"order_id": message.order_id, "amount_idr": message.amount_idr},
                message_id=new_id(sent_ms, seed=f"{message.order_id}:{message.event}:{user_id}"),
            )
        )
