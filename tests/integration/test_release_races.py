"""Settlement writes refused by a condition: a release racing a dispute, a payout racing a refund."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from pynamodb.exceptions import TransactWriteError

from chalicelib.dispute_holds import DisputeHoldRecord, hold_key
from chalicelib.errors import condition_failed
from chalicelib.ids import iso, utcnow
from chalicelib.settlement import service as settlement
from chalicelib.settlement import tables
from tests.integration.interleave import after_reads


def test_a_dispute_opened_between_the_release_jobs_read_and_its_write_keeps_the_money_pending(
    aws: dict[str, Any],
) -> None:
    order_id, store_id = f"order-{uuid.uuid4().hex[:10]}", f"store-{uuid.uuid4().hex[:10]}"
    paid = utcnow() - timedelta(days=5)
    sale = settlement.Sale(order_id, store_id, 25_000, iso(paid))
    assert settlement.record_earning(sale)
    assert settlement.mark_completed(sale, iso(paid + timedelta(hours=1)))

    def open_a_dispute() -> None:  # what opening a dispute writes on the order's hold item
        DisputeHoldRecord(hold_key(order_id), order_id=order_id, open_dispute_id=f"dispute-{order_id}").save()

    with after_reads(DisputeHoldRecord, hold_key(order_id), open_a_dispute, times=1) as race:
        settlement.release_due(utcnow())
    assert race.fired == 1
    state = tables.order_state(order_id)
    assert state is not None and state.released_at is None  # still pending: held by the dispute
    assert tables.balance(store_id)["pending_idr"] == 25_000 and tables.balance(store_id)["available_idr"] == 0

    DisputeHoldRecord(hold_key(order_id)).update(actions=[DisputeHoldRecord.open_dispute_id.remove()])  # decided
    settlement.release_due(utcnow())
    assert tables.balance(store_id)["available_idr"] == 25_000


def test_a_payout_the_balance_no_longer_covers_is_refused_as_a_failed_condition_and_moves_nothing(
    aws: dict[str, Any],
) -> None:
    order_id, store_id = f"order-{uuid.uuid4().hex[:10]}", f"store-{uuid.uuid4().hex[:10]}"
    paid = utcnow() - timedelta(days=5)
    sale = settlement.Sale(order_id, store_id, 10_000, iso(paid))
    settlement.record_earning(sale)
    settlement.mark_completed(sale, iso(paid + timedelta(hours=1)))
    settlement.release_due(utcnow())
    assert tables.balance(store_id)["available_idr"] == 10_000
    with pytest.raises(TransactWriteError) as refused:  # a refund took part of it since the run read the balance
        settlement.hold_payout(store_id, f"payout-{order_id}", 12_000, iso(utcnow()), also=lambda tx: None)
    assert condition_failed(refused.value)
    assert tables.balance(store_id)["available_idr"] == 10_000 and tables.balance(store_id)["in_payout_idr"] == 0
