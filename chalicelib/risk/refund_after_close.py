"""refund_after_close: a refund of an order paid in an earlier month that drops that month below quota.

Why: the quota is read at the month's close (payroll's compliance file); buying to tick it
and getting the money back in the next month leaves the ASN counted compliant for nothing.
A refund in the same month is harmless: the month's figures still show it.

Evaluated on every refund (whole or partial) of a rostered ASN's order: the refund is later
than the order's paid month (Jakarta), and the paid month's spending was at or above quota
before this refund and is below it after. Flagged once per ASN and paid month.
"""

from __future__ import annotations

from chalicelib.risk.model import Finding, MonthAtStore


def check(month: MonthAtStore, refund_month: str, refund_idr: int, order_id: str) -> Finding | None:
    """Flag the ASN whose closed month a later refund took below quota."""
    if refund_month <= month.month or refund_idr <= 0 or month.quota_idr <= 0:
        return None
    before = month.spent_idr + refund_idr
    if not (month.spent_idr < month.quota_idr <= before):
        return None
    evidence = {
        "month": month.month,
        "refund_month": refund_month,
        "order_id": order_id,
        "refund_idr": refund_idr,
        "quota_idr": month.quota_idr,
        "spent_before_refund_idr": before,
        "spent_idr": month.spent_idr,
    }
    return Finding("refund_after_close", {"nip": month.nip, "store_id": month.store_id}, evidence)
