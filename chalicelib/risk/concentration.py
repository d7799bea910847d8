"""concentration: most of an ASN's month (>= `concentration_share_pct` %) spent at one store.

The rule: an ASN who spent >= `concentration_share_pct` % of a month's spending at one
store, over >= `concentration_min_orders` orders there.

Why: procurement watchdogs flag repeat buys from one firm. An ASN and a shop trading money
back and forth to tick the quota shows as most of the month's spending going to one store in
several orders (one large order at a favourite shop is normal, hence the minimum number of
orders at that store, not in the month). Evaluated after every paid order of a rostered ASN,
on the counters the pipeline keeps per (NIP, month) and (NIP, month, store): no Scan.
"""

from __future__ import annotations

from chalicelib.risk.model import Finding, MonthAtStore, Thresholds


def check(month: MonthAtStore, limits: Thresholds) -> Finding | None:
    """Flag the ASN and the store once the store's share and order count reach the thresholds."""
    if month.spent_idr <= 0 or month.store_orders < limits.concentration_min_orders:
        return None
    if month.store_spent_idr * 100 < limits.concentration_share_pct * month.spent_idr:
        return None
    evidence = {
        "month": month.month,
        "store_spent_idr": month.store_spent_idr,
        "month_spent_idr": month.spent_idr,
        "share_pct": round(100 * month.store_spent_idr / month.spent_idr, 1),
        "store_orders": month.store_orders,
        "month_orders": month.orders,
        "threshold_share_pct": limits.concentration_share_pct,
        "threshold_min_orders": limits.concentration_min_orders,
    }
    return Finding("concentration", {"nip": month.nip, "store_id": month.store_id}, evidence)
