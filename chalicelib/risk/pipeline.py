"""Run the risk rules as the order pipeline counts an event (`chalicelib.orders.events`), never by scanning.

`observe` is called once the order-events worker has counted a paid order or a refund:
1. a rostered, active ASN buyer's counters (`tables.py`: the month, and the month at this
   store, with what was paid in the month's last `quota_rush_days` days) are ADDed once per
   order event and refund, through the ledger (`risk:<order_id>`, `risk-refund:<key>`);
2. the counters are read back (one consistent BatchGetItem) and the rules decide on that
   state: a paid order runs `concentration` and `quota_rush`, a refund `refund_after_close`;
3. every paid order, whoever bought it, runs `self_dealing` on the buyer's and the store
   owner's identities: the store, both profiles, the buyer's roster row and the store's
   payout account (GetItems; values compared in memory, never logged or stored);
4. each finding is raised once per rule, subject and month (`flags.raise_flag`).
Cost of a paid ASN order: one transaction, one BatchGetItem, five GetItems (roster row,
quota policy, store, two profiles, payout account), and a transaction per new flag.
A redelivered event counts nothing again and raises nothing again.
"""

from __future__ import annotations

import calendar
from typing import Any

from chalicelib import ledger, marketplace_settings
from chalicelib.catalog import stores
from chalicelib.ids import JAKARTA, jakarta_month, parse_iso, utcnow
from chalicelib.messages import OrderEvent
from chalicelib.payouts import tables as payout_tables
from chalicelib.profiles.tables import get_profile
from chalicelib.risk import concentration, flags, quota_rush, refund_after_close, self_dealing, tables
from chalicelib.risk.model import Finding, MonthAtStore, Thresholds
from chalicelib.spending import service as spending
from chalicelib.spending import tables as roster


def observe(message: OrderEvent, order: Any, sign: int) -> list[str]:
    """Count the event for the rules and raise what they find; return the ids of the flags raised."""
    limits = Thresholds.of(marketplace_settings.current())
    month = message.month
    row = roster.asn(message.buyer_nip) if message.buyer_nip else None
    asn = row if row is not None and roster.is_active(row) else None
    findings: list[Finding] = []
    if asn is not None:
        late = _late(str(order.paid_at), limits)
        _count(message, sign, late)
        state = _state(message, month, spending.policy().quota(asn.grade))
        if sign > 0:
            findings += [f for f in (concentration.check(state, limits),) if f]
            if late:
                findings += [f for f in (quota_rush.check(state, limits),) if f]
        else:
            refunded_in = jakarta_month(parse_iso(message.sent_at)) if message.sent_at else jakarta_month(utcnow())
            found = refund_after_close.check(state, refunded_in, message.amount_idr, message.order_id)
            findings += [found] if found else []
    if sign > 0:
        found = _self_dealing(message, order, row)
        findings += [found] if found else []
    return [f.flag_id(month) for f in findings if flags.raise_flag(f, month)]


def _late(paid_at: str, limits: Thresholds) -> bool:
    """Tell whether an order was paid in its month's last `quota_rush_days` days (Jakarta)."""
    paid = parse_iso(paid_at).astimezone(JAKARTA)
    return quota_rush.in_window(paid.day, calendar.monthrange(paid.year, paid.month)[1], limits)


def _count(message: OrderEvent, sign: int, late: bool) -> bool:
    """ADD the event to the ASN's month and month-at-store counters, once per order event (and refund)."""
    refund_id = message.refund_id if sign < 0 else ""
    key = f"{message.order_id}:{refund_id}" if refund_id else message.order_id
    orders = 0 if refund_id else sign  # a partial refund takes money back, not the order
    amount = sign * message.amount_idr
    deltas = {"spent_idr": amount, "orders": orders}
    if late:
        deltas |= {"late_spent_idr": amount, "late_orders": orders}

    def effect(tx: Any) -> None:
        for store in (tables.WHOLE_MONTH, message.store_id):
            tables.add_spending(tx, tables.counter_key(message.buyer_nip, message.month, store), **deltas)

    suffix = "" if sign > 0 else "-refund"
    return ledger.apply_once(f"risk{suffix}:{key}", amount, effect)


def _state(message: OrderEvent, month: str, quota_idr: int) -> MonthAtStore:
    whole, at_store = tables.counters(message.buyer_nip, month, message.store_id)

    def figure(record: Any, name: str) -> int:
        return int(getattr(record, name)) if record is not None else 0

    return MonthAtStore(
        nip=message.buyer_nip,
        store_id=message.store_id,
        month=month,
        quota_idr=quota_idr,
        spent_idr=figure(whole, "spent_idr"),
        orders=figure(whole, "orders"),
        late_spent_idr=figure(whole, "late_spent_idr"),
        store_spent_idr=figure(at_store, "spent_idr"),
        store_orders=figure(at_store, "orders"),
        store_late_spent_idr=figure(at_store, "late_spent_idr"),
        store_late_orders=figure(at_store, "late_orders"),
    )


def _self_dealing(message: OrderEvent, order: Any, row: Any) -> Finding | None:
    """Compare the buyer's identity with the store owner's (values stay in memory)."""
    store = stores.load(message.store_id)
    owner_id = str(store.owner_id)
    buyer, owner = get_profile(message.buyer_id), get_profile(owner_id)
    account = payout_tables.find(message.store_id)
    linked_nip = row.nip if row is not None and row.user_id == owner_id else None  # the owner signed in with it
    buyer_side = self_dealing.identity(
        nips=[message.buyer_nip],
        phones=[buyer.phone_number if buyer else None, row.phone_number if row else None],
        emails=[buyer.email if buyer else None, row.email if row else None],
        names=[buyer.name if buyer else None, row.name if row else None],
    )
    owner_side = self_dealing.identity(
        nips=[linked_nip],
        phones=[owner.phone_number if owner else None],
        emails=[owner.email if owner else None],
        names=[account.account_name if account else None],
    )
    return self_dealing.check(
        buyer_side, owner_side, message.store_id, message.buyer_id, message.buyer_nip, order.order_id,
        message.amount_idr,
    )  # fmt: skip
