"""Settlement arithmetic: the platform fee, refunds' fee shares, and entries that always balance."""

from __future__ import annotations

import pytest

from chalicelib.settlement import model


def test_the_fee_is_floored_to_whole_rupiah() -> None:
    assert model.platform_fee(10_999, 250) == 274  # 274.975
    assert model.platform_fee(39, 250) == 0  # 0.975
    assert model.platform_fee(50_000, 0) == 0
    assert model.platform_fee(50_000, 10_000) == 50_000


def test_a_paid_order_is_charged_whole_and_pending_minus_the_fee() -> None:
    moves = model.earning(10_999, 250)
    assert (moves.charged_idr, moves.platform_fee_idr, moves.pending_idr) == (10_999, 274, 10_725)
    assert moves.owed_idr == 10_725
    assert moves.difference_idr == 0


def test_a_whole_refund_gives_the_fee_back_and_takes_the_rest_from_pending() -> None:
    moves = model.refund(10_999, 10_999, 274, refunded_before_idr=0, released=False)
    assert (moves.refunded_idr, moves.platform_fee_idr, moves.pending_idr, moves.available_idr) == (
        10_999,
        -274,
        -10_725,
        0,
    )
    assert moves.difference_idr == 0


def test_a_refund_after_the_release_comes_from_available() -> None:
    moves = model.refund(5_000, 5_000, 0, refunded_before_idr=0, released=True)
    assert (moves.pending_idr, moves.available_idr) == (0, -5_000)


@pytest.mark.parametrize("parts", [(1, 1, 1), (3_333, 3_333, 3_334), (7, 9_992, 1), (10_000,)])
def test_partial_refunds_give_back_exactly_the_fee_once_the_whole_order_is_refunded(parts: tuple[int, ...]) -> None:
    total, fee = sum(parts), model.platform_fee(sum(parts), 333)
    earned = model.earning(total, 333)
    given_back, before, owed = 0, 0, earned.owed_idr
    for part in parts:
        moves = model.refund(part, total, fee, before, released=False)
        assert moves.difference_idr == 0 and moves.platform_fee_idr <= 0
        given_back -= moves.platform_fee_idr
        owed += moves.owed_idr
        before += part
    if before == total:
        assert (given_back, owed) == (fee, 0)


def test_a_release_moves_pending_to_available_and_nothing_owed() -> None:
    moves = model.release(12_000)
    assert (moves.pending_idr, moves.available_idr, moves.owed_idr, moves.difference_idr) == (-12_000, 12_000, 0, 0)


def test_counters_add_up_by_name() -> None:
    assert model.add({"pending_idr": 5}, {"pending_idr": -2, "charged_idr": 7})["pending_idr"] == 3
    assert set(model.add({}, {})) == set(model.COUNTERS)
