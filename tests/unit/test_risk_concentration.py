"""Risk rule concentration: most of an ASN's month at one store, over several orders there."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.risk import concentration
from chalicelib.risk.model import MonthAtStore, Thresholds

LIMITS = Thresholds()  # 80 %, 3 orders
MONTH = MonthAtStore(
    nip="198001012006041001",
    store_id="s1",
    month="2025-05",
    quota_idr=100_000,
    spent_idr=100_000,
    orders=4,
    late_spent_idr=0,
    store_spent_idr=80_000,
    store_orders=3,
    store_late_spent_idr=0,
    store_late_orders=0,
)


def test_eighty_percent_over_three_orders_at_one_store_is_flagged_with_its_figures() -> None:
    found = concentration.check(MONTH, LIMITS)
    assert found is not None and found.rule == "concentration"
    assert found.subject == {"nip": MONTH.nip, "store_id": "s1"}
    assert found.evidence["share_pct"] == 80.0
    assert (found.evidence["store_spent_idr"], found.evidence["month_spent_idr"]) == (80_000, 100_000)
    assert found.evidence["store_orders"] == 3 and found.evidence["threshold_min_orders"] == 3


def test_a_share_just_below_the_threshold_is_not() -> None:
    assert concentration.check(replace(MONTH, store_spent_idr=79_999), LIMITS) is None


def test_one_or_two_big_orders_at_a_favourite_shop_are_not() -> None:
    assert concentration.check(replace(MONTH, store_orders=2, store_spent_idr=100_000), LIMITS) is None


def test_nothing_spent_is_not() -> None:
    assert concentration.check(replace(MONTH, spent_idr=0, store_spent_idr=0), LIMITS) is None


def test_the_thresholds_are_settings() -> None:
    stricter = Thresholds.of({"concentration_share_pct": 90, "concentration_min_orders": 2, "payout_hold_days": 2})
    assert concentration.check(MONTH, stricter) is None
    assert concentration.check(replace(MONTH, store_orders=2, store_spent_idr=95_000), stricter) is not None
