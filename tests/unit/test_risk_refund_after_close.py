"""Risk rule refund_after_close: a later refund that takes a closed month back below quota."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.risk import refund_after_close
from chalicelib.risk.model import MonthAtStore

AFTER = MonthAtStore(  # the paid month as counted after the refund
    nip="198001012006041001",
    store_id="s1",
    month="2025-05",
    quota_idr=100_000,
    spent_idr=80_000,
    orders=2,
    late_spent_idr=0,
    store_spent_idr=80_000,
    store_orders=2,
    store_late_spent_idr=0,
    store_late_orders=0,
)


def test_a_refund_next_month_that_drops_the_month_below_quota_is_flagged() -> None:
    found = refund_after_close.check(AFTER, "2025-06", 30_000, "o1")
    assert found is not None and found.rule == "refund_after_close"
    assert found.subject == {"nip": AFTER.nip, "store_id": "s1"}
    assert found.evidence == {
        "month": "2025-05",
        "refund_month": "2025-06",
        "order_id": "o1",
        "refund_idr": 30_000,
        "quota_idr": 100_000,
        "spent_before_refund_idr": 110_000,
        "spent_idr": 80_000,
    }


def test_a_refund_in_the_same_month_is_not() -> None:
    assert refund_after_close.check(AFTER, "2025-05", 30_000, "o1") is None


def test_a_month_still_compliant_after_the_refund_is_not() -> None:
    assert refund_after_close.check(replace(AFTER, spent_idr=100_000), "2025-06", 30_000, "o1") is None


def test_a_month_that_was_below_quota_anyway_is_not() -> None:
    assert refund_after_close.check(AFTER, "2025-06", 10_000, "o1") is None


def test_no_quota_or_no_amount_is_not() -> None:
    assert refund_after_close.check(replace(AFTER, quota_idr=0), "2025-06", 30_000, "o1") is None
    assert refund_after_close.check(AFTER, "2025-06", 0, "o1") is None
