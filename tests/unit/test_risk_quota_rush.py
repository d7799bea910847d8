"""Risk rule quota_rush: a month carried from below quota to just over it in its last days, at one store."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.risk import quota_rush
from chalicelib.risk.model import MonthAtStore, Thresholds

LIMITS = Thresholds()  # the last 2 days, at most 110 %
RUSH = MonthAtStore(
    nip="198001012006041001",
    store_id="s1",
    month="2025-05",
    quota_idr=100_000,
    spent_idr=105_000,
    orders=3,
    late_spent_idr=75_000,  # 30,000 before the window: below quota
    store_spent_idr=75_000,
    store_orders=1,
    store_late_spent_idr=75_000,
    store_late_orders=1,
)


def test_the_window_is_the_months_last_days() -> None:
    assert [d for d in range(1, 32) if quota_rush.in_window(d, 31, LIMITS)] == [30, 31]
    assert [d for d in range(1, 29) if quota_rush.in_window(d, 28, LIMITS)] == [27, 28]
    assert [d for d in range(1, 31) if quota_rush.in_window(d, 30, Thresholds(quota_rush_days=3))] == [28, 29, 30]


def test_below_quota_then_just_over_it_at_one_store_in_the_window_is_flagged() -> None:
    found = quota_rush.check(RUSH, LIMITS)
    assert found is not None and found.rule == "quota_rush"
    assert found.subject == {"nip": RUSH.nip, "store_id": "s1"}
    assert found.evidence["spent_before_window_idr"] == 30_000
    assert (found.evidence["spent_idr"], found.evidence["quota_idr"], found.evidence["window_spent_idr"]) == (
        105_000,
        100_000,
        75_000,
    )


def test_exactly_the_upper_bound_is_still_a_rush_and_past_it_is_not() -> None:
    at_most = replace(RUSH, spent_idr=110_000, late_spent_idr=80_000, store_late_spent_idr=80_000)
    assert quota_rush.check(at_most, LIMITS) is not None
    past = replace(RUSH, spent_idr=110_001, late_spent_idr=80_001, store_late_spent_idr=80_001)
    assert quota_rush.check(past, LIMITS) is None


def test_still_below_quota_is_not() -> None:
    assert quota_rush.check(replace(RUSH, spent_idr=99_000, late_spent_idr=69_000), LIMITS) is None


def test_compliant_before_the_window_is_not() -> None:
    assert (
        quota_rush.check(replace(RUSH, spent_idr=105_000, late_spent_idr=5_000, store_late_spent_idr=5_000), LIMITS)
        is None
    )


def test_window_spending_spread_over_several_stores_is_not() -> None:
    assert quota_rush.check(replace(RUSH, store_late_spent_idr=40_000), LIMITS) is None


def test_nothing_spent_in_the_window_or_no_quota_is_not() -> None:
    assert quota_rush.check(replace(RUSH, late_spent_idr=0, store_late_spent_idr=0), LIMITS) is None
    assert quota_rush.check(replace(RUSH, quota_idr=0), LIMITS) is None
