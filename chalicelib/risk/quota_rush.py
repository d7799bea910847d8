"""quota_rush: an ASN's month carried just over the quota at the deadline, at one store.

The rule: an ASN whose month went from below quota to just above it (<= `quota_rush_max_pct`
% of it) in the month's last `quota_rush_days` days, in orders at one store.

Why: a purchase made only to tick the quota lands at the deadline and stops right past the
line; made at one store, it is the pattern of an arranged sale (watchdogs flag bursts at
deadlines). A genuine shopper's late top-up spread over several shops, or one who was
already compliant, does not match.

Decided on state, not on the order of arrival: after a paid order made in the window, the
month's spending before the window (spent - late spent) was below quota, the month now is
at or above quota but at most `quota_rush_max_pct` % of it, and all the window's spending
is at this store. Redelivered or reordered events reach the same answer.
"""

from __future__ import annotations

from chalicelib.risk.model import Finding, MonthAtStore, Thresholds


def in_window(day: int, days_in_month: int, limits: Thresholds) -> bool:
    """Tell whether a day of the month is one of its last `quota_rush_days` days."""
    return day > days_in_month - limits.quota_rush_days


def check(month: MonthAtStore, limits: Thresholds) -> Finding | None:
    """Flag an ASN and store whose window spending alone carried the month just over the quota."""
    quota = month.quota_idr
    if quota <= 0 or month.late_spent_idr <= 0 or month.store_late_spent_idr != month.late_spent_idr:
        return None
    before = month.spent_idr - month.late_spent_idr
    if not (before < quota <= month.spent_idr and month.spent_idr * 100 <= limits.quota_rush_max_pct * quota):
        return None
    evidence = {
        "month": month.month,
        "quota_idr": quota,
        "spent_before_window_idr": before,
        "spent_idr": month.spent_idr,
        "window_spent_idr": month.late_spent_idr,
        "window_orders": month.store_late_orders,
        "threshold_days": limits.quota_rush_days,
        "threshold_max_pct": limits.quota_rush_max_pct,
    }
    return Finding("quota_rush", {"nip": month.nip, "store_id": month.store_id}, evidence)
