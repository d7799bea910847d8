"""The arithmetic of partial refunds: what is left, what each view shows, what a refund may ask (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.errors import ValidationFailed
from chalicelib.orders import refunds
from chalicelib.orders.tables import OrderRecord
from chalicelib.payments import partial, refund_state
from chalicelib.payments.partial import RefundLine

AT = "2026-05-04T03:02:01.000Z"


def order(status: str = "paid", refunded: int | None = None, whole: Any = None, **entries: Any) -> OrderRecord:
    record = OrderRecord(
        "o1",
        checkout_id="c1",
        buyer_id="b",
        store_id="s",
        store_name="Toko",
        status=status,
        lines=[{"product_id": "p1", "quantity": 3, "unit_price_idr": 10_000, "name": "Telur"}],
        total_idr=30_000,
        payment_intent_id="pi_1",
        created_at=AT,
        updated_at=AT,
        expires_at=AT,
        paid_at=AT,
        history=[{"status": "paid", "at": AT}, {"status": status, "at": "2026-05-05T00:00:00.000Z"}],
    )
    record.refunded_idr = refunded
    record.refund = whole
    record.refunds = entries or None
    return record


def entry(refund_id: str, amount: int, status: str = "pending", **lines: int) -> dict[str, Any]:
    return {
        "refund_id": refund_id,
        "amount_idr": amount,
        "reason": "pecah",
        "status": status,
        "lines": [{"product_id": p, "quantity": q} for p, q in lines.items()],
        "created_at": f"2026-05-0{len(refund_id)}T00:00:00.000Z",
    }


def test_what_is_left_is_the_total_less_every_refund_pending_or_done() -> None:
    assert refunds.left_of(order()) == 30_000
    two = order(refunded=20_000, r1=entry("r1", 8_000, "succeeded", p1=1), r22=entry("r22", 12_000, "failed"))
    assert refunds.left_of(two) == 10_000 and refunds.quantities_of(two) == {"p1": 1}


def test_a_whole_order_refund_not_yet_claimed_takes_the_rest_and_once_claimed_its_amount() -> None:
    unclaimed = order("cancelled", refunded=7_500, whole={"status": "pending", "amount_idr": 30_000})
    assert refunds.refunded_of(unclaimed) == 30_000 and refunds.left_of_claim(unclaimed) == 22_500
    assert [r["amount_idr"] for r in refunds.views(unclaimed)] == [22_500]
    claimed = order("cancelled", refunded=30_000, whole={"status": "succeeded", "amount_idr": 22_500, "claimed": True})
    claimed.refunds = {"r1": entry("r1", 7_500, "succeeded")}
    shown = refunds.views(claimed)
    assert [(r["amount_idr"], r["status"]) for r in shown] == [(7_500, "succeeded"), (22_500, "succeeded")]
    assert refunds.refunded_of(claimed) == 30_000 == sum(r["amount_idr"] for r in shown)


def test_the_whole_order_refund_keeps_one_id_in_every_view() -> None:
    whole = {"status": "pending", "amount_idr": 30_000}
    assert (
        refunds.views(order("cancelled", whole=whole))[0]["refund_id"]
        == refunds.views(order("cancelled", whole=dict(whole)))[0]["refund_id"]
    )


@pytest.mark.parametrize(
    ("record", "amount", "lines", "field"),
    [
        (order("awaiting_payment"), 1_000, (), "refund_idr"),
        (order("cancelled"), 1_000, (), "refund_idr"),
        (order(), 0, (), "refund_idr"),
        (order(), 30_001, (), "refund_idr"),
        (order(refunded=20_000), 10_001, (), "refund_idr"),
        (order(), 1_000, (RefundLine("p9", 1),), "lines.0.product_id"),
        (order(), 1_000, (RefundLine("p1", 4),), "lines.0.quantity"),
        (order(refunded=1, r1=entry("r1", 1, p1=2)), 1_000, (RefundLine("p1", 2),), "lines.0.quantity"),
        (order(), 1_000, (RefundLine("p1", 2), RefundLine("p1", 2)), "lines.1.quantity"),
    ],
)
def test_a_refund_above_what_is_left_or_of_an_unpaid_order_names_the_field(
    record: OrderRecord, amount: int, lines: tuple[RefundLine, ...], field: str
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        partial.check(record, amount, lines, "refund_idr")
    assert raised.value.details["field"] == field


def test_what_is_left_may_be_refunded_to_the_rupiah() -> None:
    partial.check(order(refunded=20_000), 10_000, (RefundLine("p1", 3),), "amount_idr")
    partial.check(order("completed"), 30_000, (), "amount_idr")


def test_each_attempt_has_its_own_key_and_failures_end_after_the_last_attempt() -> None:
    assert partial.idempotency_key("o1", "r1", 0) == "refund-o1-r1"
    assert partial.idempotency_key("o1", "r1", 2) == "refund-o1-r1-2"
    seen = {**entry("r1", 5_000), "stripe_refund_id": "re_1"}
    again = refund_state.after_failure(refund_state.Slot("r1"), seen, "re_1")
    assert again["status"] == "pending" and again["attempt"] == 1 and "stripe_refund_id" not in again
    last = refund_state.after_failure(
        refund_state.Slot("r1"), {**again, "attempt": 2, "stripe_refund_id": "re_3"}, "re_3"
    )
    assert last["status"] == "failed" and last["failed_refund_ids"] == ["re_1", "re_3"]


def test_the_whole_order_refund_keeps_stripes_id_under_its_old_name_and_what_it_claimed() -> None:
    whole = refund_state.Slot()
    seen = {"status": "pending", "amount_idr": 9_000, "claimed": True, "refund_id": "re_9"}
    again = refund_state.after_failure(whole, seen, "re_9")
    assert again == {
        "status": "pending",
        "amount_idr": 9_000,
        "claimed": True,
        "attempt": 1,
        "failed_refund_ids": ["re_9"],
    }
