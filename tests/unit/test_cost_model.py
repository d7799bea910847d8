"""The cost model's arithmetic: prices times quantities, request units, month scaling."""

from __future__ import annotations

import math

import pytest

from tests.bench.cost import (
    BILLED_AT,
    INFRASTRUCTURE,
    PRICES,
    Usage,
    cost_of,
    gb_seconds,
    infrastructure_usd,
    item_size,
    month_usage,
    payouts_per_day,
    read_units,
    runs_per_month,
    sms_parts,
    sqs_chunks,
    write_units,
)

TINY = Usage(
    api_requests=7,
    lambda_requests=11,
    lambda_gb_seconds=2.5,
    dynamodb_rru=40,
    dynamodb_wru=30,
    sqs_requests=9,
    ses_emails=2,
    sms_parts=1,
    log_gb=0.001,
)


def unit_price(name: str) -> float:
    price = PRICES[BILLED_AT[name]]
    return price.usd / price.per


def test_each_line_is_quantity_times_its_price() -> None:
    priced = cost_of(TINY)
    for name in BILLED_AT:
        assert priced[name] == pytest.approx(getattr(TINY, name) * unit_price(name))


def test_doubling_the_work_doubles_the_cost() -> None:
    once, twice = cost_of(TINY), cost_of(TINY.scaled(2))
    assert all(twice[name] == pytest.approx(2 * once[name]) for name in BILLED_AT)
    assert cost_of(TINY + TINY) == pytest.approx(twice)


def test_infrastructure_leaves_out_sms_and_logs() -> None:
    expected = sum(getattr(TINY, name) * unit_price(name) for name in INFRASTRUCTURE)
    assert infrastructure_usd(TINY) == pytest.approx(expected)
    assert infrastructure_usd(Usage(sms_parts=1000, log_gb=5)) == 0


def test_read_units_round_up_per_4_kb() -> None:
    assert read_units(1, consistent=True) == 1
    assert read_units(4096, consistent=True) == 1
    assert read_units(4097, consistent=True) == 2
    assert read_units(4096, consistent=False) == 0.5
    assert read_units(8193, consistent=False) == 1.5
    assert read_units(0, consistent=False) == 0.5  # a miss still costs the minimum
    assert read_units(4097, consistent=False, transactional=True) == 4


def test_write_units_round_up_per_kb_and_double_in_transactions() -> None:
    assert write_units(0) == 1
    assert write_units(1024) == 1
    assert write_units(1025) == 2
    assert write_units(3000, transactional=True) == 6


def test_item_size_counts_names_and_values() -> None:
    assert item_size({"ab": {"S": "xyz"}}) == 5
    assert item_size({"n": {"N": "12345"}}) == 1 + 4  # 5 digits: 3 bytes + 1
    assert item_size({"m": {"M": {"k": {"BOOL": True}}}}) == 1 + 3 + (1 + 1 + 1)
    assert item_size({"l": {"L": [{"S": "é"}]}}) == 1 + 3 + (1 + 2)
    assert item_size(None) == 0


def test_month_scales_by_orders_and_adds_the_fixed_part() -> None:
    per_order, fixed = TINY.scaled(1 / 1000), Usage(sqs_requests=500, lambda_requests=3)
    small, large = month_usage(per_order, 35_000, fixed), month_usage(per_order, 70_000, fixed)
    assert large.api_requests - small.api_requests == pytest.approx(per_order.api_requests * 35_000)
    assert small.sqs_requests == pytest.approx(per_order.sqs_requests * 35_000 + 500)
    added = infrastructure_usd(large) - infrastructure_usd(small)
    assert added == pytest.approx(35 * infrastructure_usd(TINY))


def test_sms_parts_and_sqs_chunks() -> None:
    assert sms_parts("a" * 160) == 1
    assert sms_parts("a" * 161) == 2
    assert sms_parts("é" * 70) == 1 and sms_parts("é" * 71) == 2
    assert sqs_chunks(10) == 1 and sqs_chunks(65536) == 1 and sqs_chunks(65537) == 2


def test_gb_seconds_and_schedule_runs() -> None:
    assert gb_seconds(1000, 1024) == 1
    assert gb_seconds(100, 512) == pytest.approx(0.05)
    assert runs_per_month("rate(5 minutes)", days=30) == 8640
    assert runs_per_month("rate(1 hour)", days=30) == 720
    assert runs_per_month("cron(0 2 * * ? *)", days=31) == 31
    assert math.isclose(runs_per_month("rate(15 minutes)", days=30), 2880)


def test_work_beyond_an_idle_run_never_goes_below_zero() -> None:
    busy = Usage(dynamodb_wru=50, dynamodb_rru=3, lambda_gb_seconds=0.5)
    idle = Usage(dynamodb_wru=4, dynamodb_rru=5, lambda_gb_seconds=0.1)
    extra = busy.beyond(idle)
    assert extra.dynamodb_wru == 46
    assert extra.dynamodb_rru == 0
    assert extra.lambda_gb_seconds == pytest.approx(0.4)


def test_payouts_a_day_are_the_stores_that_sold_that_day() -> None:
    assert payouts_per_day(300, 2333) == pytest.approx(300, abs=1)  # every store sells every day
    assert payouts_per_day(5000, 2333) == pytest.approx(5000 * (1 - math.exp(-2333 / 5000)))
    assert payouts_per_day(5000, 10) == pytest.approx(10, abs=0.01)  # few orders: one payout each
    assert payouts_per_day(0, 100) == 0
