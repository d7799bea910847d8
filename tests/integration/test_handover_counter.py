"""Handover codes against the emulator: where the code lives, and the wrong-code counter's writes.

- the move to `ready` writes the code in its own update, and an `OrderRecord` read of the
  item never carries it (only `HandoverRecord` maps it);
- a ready order from before handover codes gets one, once, on its buyer's first view;
- a wrong code written on a stale read loses (conditional), so no count is lost or doubled;
- the fifth wrong code locks; while locked even the right code is refused.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.errors import InvalidHandoverCode, TooManyAttempts
from chalicelib.ids import iso
from chalicelib.orders import handover, render, tables, transitions
from chalicelib.orders.handover import Attempts
from chalicelib.orders.tables import HandoverRecord, OrderRecord

NOW = datetime.now(UTC)


@pytest.fixture()
def order_in(aws: dict[str, Any]) -> Any:
    def make(status: str) -> str:
        order_id = f"handover-{uuid.uuid4().hex[:12]}"
        at = iso(NOW)
        OrderRecord(
            order_id,
            checkout_id="c-1",
            buyer_id="buyer-1",
            store_id="store-1",
            store_name="Toko Uji",
            status=status,
            lines=[{"product_id": "p-1", "name": "Beras", "unit": "kg", "unit_price_idr": 10_000, "quantity": 1}],
            total_idr=10_000,
            fulfillment={"method": "pickup"},
            payment_intent_id="pi_1",
            history=[{"status": status, "at": at, "by": "seller"}],
            created_at=at,
            updated_at=at,
            expires_at=at,
        ).save()
        return order_id

    return make


def test_the_move_to_ready_writes_a_code_no_order_read_can_show(order_in: Any) -> None:
    order_id = order_in("accepted")
    moved = transitions.attempt(tables.order(order_id), "ready", {"seller"})
    assert moved is not None and moved.status == "ready"
    code, attempts = handover.read(order_id)
    assert len(code) == 6 and code.isdigit() and attempts == Attempts()
    record = tables.order(order_id)
    assert "handover_code" not in record.attribute_values
    assert code not in str(render.order(record))
    shown = handover.for_buyer(record, render.order(record))
    assert shown["handover_code"] == code


def test_a_ready_order_without_a_code_gets_one_once(order_in: Any) -> None:
    order_id = order_in("ready")
    record = tables.order(order_id)
    first = handover.for_buyer(record, render.order(record))["handover_code"]
    assert handover.for_buyer(record, render.order(record))["handover_code"] == first
    assert "handover_code" not in handover.for_buyer(tables.order(order_in("accepted")), render.order(record))


def test_a_count_on_a_stale_read_loses_and_the_fifth_locks(order_in: Any) -> None:
    order_id = order_in("accepted")
    transitions.attempt(tables.order(order_id), "ready", {"seller"})
    code, _ = handover.read(order_id)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(InvalidHandoverCode):
        handover.check(order_id, wrong, NOW)
    assert handover._count_failure(order_id, Attempts(), NOW) is None  # read before the first count
    assert handover.read(order_id)[1].failures == 1
    for left in (3, 2, 1, 0):
        with pytest.raises(InvalidHandoverCode) as refused:
            handover.check(order_id, wrong, NOW + timedelta(seconds=1))
        assert refused.value.details["attempts_left"] == left
    _, attempts = handover.read(order_id)
    assert attempts.failures == 5 and attempts.locked_until
    with pytest.raises(TooManyAttempts):
        handover.check(order_id, code, NOW + timedelta(minutes=14))
    guard = handover.check(order_id, code, NOW + timedelta(minutes=16))
    assert guard is not None
    assert HandoverRecord.get(order_id).handover_failures == 5  # the right code counts nothing
