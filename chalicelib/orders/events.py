"""The order-events worker: what follows an order's move (notifications, seller turnover, settlement).

Who hears of an event: a paid order, the store owner ("new order") and the buyer ("payment
received"); a cancel, the buyer always and the store owner unless the store cancelled it
(who cancelled is read from the order's history: one GetItem per cancel). Every notice
carries the order's id in its params, which the inbox keeps as `order_id`. Notices name the
order and amounts, never the buyer's contact.

Settlement (`chalicelib.settlement.service`): a paid order is the store's pending earning, a
refund its debit (both once per order and event, like turnover), and for a Stripe Connect store
whose balance that leaves negative, a transfer reversal (`chalicelib.payouts.reversals`; one
GetItem of its payout account for every refund); a completed order is due for release after
the hold (one GetItem of the order, one conditional update).

Turnover, spending, sales and the risk rules' counters change in one transaction with one ledger
entry (`turnover:<order_id>`, `turnover-refund:<order_id>`); settlement keeps its own. A partial refund's `refunded`
event carries its `refund_id` (`payments.partial`): each effect is then keyed per refund
(`turnover-refund:<order_id>:<refund_id>`, the settlement entry `refund:<refund_id>`), and counts money, not an order
(the order stays counted in spending and sales until a whole-order refund takes it back).
A whole-order refund's amount is what was left after the partial refunds.

Risk signals (`chalicelib.risk.pipeline`): the rules' counter of the buyer's month at the
store rides the same transaction (and the month's late amount the spending update); after it,
the rules run on the buyer's counters and identity, each flag raised once per rule, subject and month.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib import ledger, queues
from chalicelib.catalog import stores
from chalicelib.dynamo import WRITE_ATTEMPTS
from chalicelib.errors import Conflict, condition_failed
from chalicelib.ids import epoch_ms, iso, new_id, utcnow
from chalicelib.messages import Message, Notify, OrderEvent, PoisonMessage, RecountCompliance
from chalicelib.orders import tables, transitions
from chalicelib.payouts import reversals
from chalicelib.reports import service as reports
from chalicelib.risk import pipeline as risk
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
    """Feed turnover, the ASN's spending and the sales counters in one transaction, once per order and event.

    One ledger entry (`turnover:<key>`, `turnover-refund:<key>`) makes the three happen once
    (issue 18: one transaction where there were three, two ledger entries fewer per event).
    A guard that fails (the store's month or the ASN's amount moved) reads both again.
    """
    suffix = "" if sign > 0 else "-refund"
    refund_id = message.refund_id if sign < 0 else ""
    key = f"{message.order_id}:{refund_id}" if refund_id else message.order_id
    orders = 0 if refund_id else sign  # a partial refund takes money back, not the order
    amount = sign * message.amount_idr
    order = tables.order(message.order_id)
    sale, counted = None, None
    if order.paid_at:
        kecamatan = stores.load(order.store_id).kecamatan
        sold = None if sign > 0 else message.amount_idr
        sale = reports.sale_change(order, kecamatan, sign, amount_idr=sold, orders=orders)
        counted = risk.counting(message, order, amount)
    late = counted.late_idr if counted else 0
    for _ in range(WRITE_ATTEMPTS):
        effects = [stores.turnover_change(message.store_id, message.month, amount)]
        spend = (
            spending.spend_change(message.buyer_nip, message.month, amount, orders, late_idr=late)
            if message.buyer_nip
            else None
        )
        # The rules count an ASN's month at the store only with the spending ledger's month (its whole).
        rules = counted.effect(message, amount, orders) if counted and spend else None
        effects += [e for e in (spend, sale, rules) if e is not None]
        try:
            ledger.apply_once(f"turnover{suffix}:{key}", amount, _together(effects))
        except TransactWriteError as exc:
            if condition_failed(exc):
                continue  # the store's month or the ASN's amount moved: read again
            raise
        break
    else:
        raise Conflict("the order's counters are changing too fast; retry")
    stores.after_turnover(message.store_id, message.month)
    if counted is not None:
        if sign > 0:
            settlement.record_earning(_sale(order))
        else:
            at = message.sent_at or iso(utcnow())
            settlement.record_refund(_sale(order), message.amount_idr, at, refund_id or None)
            reversals.after_refund(order.store_id, settlement.refund_entry_id(order.order_id, refund_id or None))
        risk.observe(message, order, sign, counted)  # risk signals on what was just counted (chalicelib.risk)


def _together(effects: list[Callable[[Any], None]]) -> Callable[[Any], None]:
    """One transaction's effect made of several."""

    def effect(tx: Any) -> None:
        for each in effects:
            each(tx)

    return effect


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
    refund = f"{message.refund_id}:" if message.refund_id else ""  # each partial refund is told once
    for audience, kind in AUDIENCE[message.event]:
        if audience == "seller" and message.event == "cancelled":
            kind = SELLER_CANCEL_KIND.get(transitions.mover(tables.order(message.order_id), "cancelled"), "")
        if not kind or (message.event == "refunded" and not message.amount_idr):
            continue  # (a whole-order refund with nothing left after the partial refunds tells nobody)
        user_id = message.buyer_id if audience == "buyer" else stores.load(message.store_id).owner_id
        # The same event always makes the same inbox id, so a redelivery adds nothing.
        queues.publish(
            Notify(
                user_id=user_id,
                kind=kind,
                params={"order_id": message.order_id, "amount_idr": message.amount_idr},
                message_id=new_id(sent_ms, seed=f"{message.order_id}:{message.event}:{refund}{user_id}"),
            )
        )
