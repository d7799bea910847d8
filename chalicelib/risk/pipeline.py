"""Run the risk rules as the order pipeline counts an event (`chalicelib.orders.events`), never by scanning.

1. `counting` (before the order-events worker's one transaction of the event): for a
   rostered, active ASN buyer, the effect that ADDs the event to the ASN's month at this store
   (`tables.py`: spent, orders, and what was paid in the month's last `quota_rush_days` days)
   and the late amount the ASN's whole month takes in the spending ledger's own update
   (`spending.service.spend_change(late_idr=)`: the whole month is the spending item, not a
   counter of ours). The worker puts both in the transaction of its turnover ledger entry
   (`turnover:<key>`, `turnover-refund:<key>`), so they happen once per order event and refund
   with the turnover, the spending and the sales (issue 18: no ledger entry or transaction of
   their own, and no whole-month counter: 4 WRU fewer per paid ASN order);
2. `observe` (after it) reads the counters back (two consistent GetItems) and the rules
   decide on that state: a paid order runs `concentration` and `quota_rush`, a refund
   `refund_after_close`;
3. every paid order, whoever bought it, runs `self_dealing` on the buyer's and the store
   owner's identities: the store, both profiles, the buyer's roster row and the store's
   payout account (GetItems; values compared in memory, never logged or stored);
4. each finding is raised once per rule, subject and month (`flags.raise_flag`).
Cost of a paid ASN order: one item in the worker's transaction, two GetItems, five GetItems
(roster row, quota policy, store, two profiles, payout account), and a transaction per new flag.
A redelivered event counts nothing again and raises nothing again.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib import marketplace_settings
from chalicelib.catalog import stores
from chalicelib.ids import JAKARTA, jakarta_month, parse_iso, utcnow
from chalicelib.messages import OrderEvent
from chalicelib.payouts import tables as payout_tables
from chalicelib.profiles.tables import get_profile
from chalicelib.risk import concentration, flags, quota_rush, refund_after_close, self_dealing, tables
from chalicelib.risk.model import Finding, MonthAtStore, Thresholds
from chalicelib.spending import service as spending
from chalicelib.spending import tables as roster


@dataclass(frozen=True)
class Counting:
    """What the rules count of one event, read before the worker's transaction: see the module docstring."""

    row: Any  # the buyer's roster row (None: not rostered)
    active: bool  # a rostered, active ASN: the rules count and check their month
    late: bool  # paid in the month's last `quota_rush_days` days
    limits: Thresholds
    late_idr: int  # the whole month's `late_spent_idr` change (the spending ledger's update carries it)

    def effect(self, message: OrderEvent, amount: int, orders: int) -> Callable[[Any], None] | None:
        """ADD the event to the ASN's month at the store, in the caller's transaction (None: nothing to count).

        `amount` and `orders` are the event's signed figures as the worker counts them.
        """
        if not self.active:
            return None
        deltas = {"spent_idr": amount, "orders": orders}
        if self.late:
            deltas |= {"late_spent_idr": amount, "late_orders": orders}
        key = tables.counter_key(message.buyer_nip, message.month, message.store_id)

        def effect(tx: Any) -> None:
            tables.add_spending(tx, key, **deltas)

        return effect


def counting(message: OrderEvent, order: Any, amount: int) -> Counting:
    """Read what the rules count of an event of a signed `amount` (the roster row, the settings); no writes."""
    limits = Thresholds.of(marketplace_settings.current())
    row = roster.asn(message.buyer_nip) if message.buyer_nip else None
    active = row is not None and roster.is_active(row)
    late = active and _late(str(order.paid_at), limits)
    return Counting(row, active, late, limits, amount if late else 0)


def observe(message: OrderEvent, order: Any, sign: int, counted: Counting) -> list[str]:
    """Run the rules on what the worker's transaction counted; return the ids of the flags raised."""
    limits = counted.limits
    month = message.month
    findings: list[Finding] = []
    if counted.active:
        state = _state(message, month, spending.policy().quota(counted.row.grade))
        if sign > 0:
            findings += [f for f in (concentration.check(state, limits),) if f]
            if counted.late:
                findings += [f for f in (quota_rush.check(state, limits),) if f]
        else:
            refunded_in = jakarta_month(parse_iso(message.sent_at)) if message.sent_at else jakarta_month(utcnow())
            found = refund_after_close.check(state, refunded_in, message.amount_idr, message.order_id)
            findings += [found] if found else []
    if sign > 0:
        found = _self_dealing(message, order, counted.row)
        findings += [found] if found else []
    return [f.flag_id(month) for f in findings if flags.raise_flag(f, month)]


def _late(paid_at: str, limits: Thresholds) -> bool:
    """Tell whether an order was paid in its month's last `quota_rush_days` days (Jakarta)."""
    paid = parse_iso(paid_at).astimezone(JAKARTA)
    return quota_rush.in_window(paid.day, calendar.monthrange(paid.year, paid.month)[1], limits)


def _state(message: OrderEvent, month: str, quota_idr: int) -> MonthAtStore:
    whole = roster.spending(message.buyer_nip, month)  # the spending ledger's month (consistent)
    at_store = tables.counter(message.buyer_nip, month, message.store_id)

    def figure(record: Any, name: str) -> int:
        return int(getattr(record, name) or 0) if record is not None else 0

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
