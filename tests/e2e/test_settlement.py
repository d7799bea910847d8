"""Seller settlement over HTTP: a paid order is pending, completed plus the hold it is available,
a cancel is a debit, redelivered events change nothing, statements (JSON and CSV) agree with
the balance, and the money report's difference is 0.

Each test has a store of its own, so its balance starts at zero whatever else ran on the stack.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from chalicelib.ids import jakarta_month
from chalicelib.messages import OrderEvent
from chalicelib.settlement.model import CSV_COLUMNS
from tests.e2e.shop import Shop

DAY = 24 * 3600
ORDER_EVENTS = "peken-local-order-events"


@pytest.fixture()
def shop(shop: Shop) -> Iterator[Shop]:
    """The conftest's shop (its clock put back after the test); the fee and hold put back too."""
    try:
        yield shop
    finally:
        shop.call("PUT", "/v1/admin/settings", shop.admin, {"platform_fee_bps": 0, "payout_hold_days": 2})


def paid_order(shop: Shop, seller: dict[str, str], store_id: str, price: int) -> tuple[dict[str, str], str]:
    buyer = shop.user("buyer")
    product = shop.product(seller, store_id, stock=5, price=price)
    assert shop.put(buyer, product, 1).status_code == 200
    made = shop.checkout(buyer)
    assert made.status_code == 201, made.text
    assert shop.pay(buyer, made.json()["checkout_id"]).status_code == 200
    order_id = str(made.json()["orders"][0]["order_id"])
    shop.wait_status(buyer, order_id, "paid")
    return buyer, order_id


def balance(shop: Shop, store_id: str, who: dict[str, str]) -> dict[str, Any]:
    response = shop.call("GET", f"/v1/stores/{store_id}/balance", who)
    assert response.status_code == 200, response.text
    return dict(response.json())


def settled(shop: Shop, store_id: str, who: dict[str, str], **expected: int) -> dict[str, Any]:
    """Wait until the balance shows the expected figures (the order-events worker is asynchronous)."""
    shop.wait(lambda: {k: balance(shop, store_id, who)[k] for k in expected} == expected)
    shop.stack.drain()
    return balance(shop, store_id, who)


def statement(shop: Shop, store_id: str, who: dict[str, str]) -> dict[str, Any]:
    response = shop.call("GET", f"/v1/stores/{store_id}/statement", who)
    assert response.status_code == 200, response.text
    return dict(response.json())


def owed(figures: dict[str, Any]) -> int:
    return int(figures["pending_idr"] + figures["available_idr"] + figures["in_payout_idr"])


def money_difference(shop: Shop) -> int:
    finance = shop.stack.headers(f"finance-{shop.tag}", ["finance"])
    response = shop.call("GET", "/v1/admin/reports/money", finance)
    assert response.status_code == 200, response.text
    report = response.json()
    held = sum(report[k] for k in ("pending_idr", "available_idr", "in_payout_idr", "paid_out_idr", "platform_fee_idr"))
    assert report["charged_idr"] - report["refunded_idr"] - held == report["difference_idr"]
    return int(report["difference_idr"])


def test_a_paid_order_is_pending_and_becomes_available_after_completion_and_the_hold(shop: Shop) -> None:
    assert (
        shop.call("PUT", "/v1/admin/settings", shop.admin, {"platform_fee_bps": 250}).json()["platform_fee_bps"] == 250
    )
    seller = shop.user("seller")
    store_id = shop.store(seller)
    buyer, order_id = paid_order(shop, seller, store_id, price=10_999)  # fee: floor(274.975) = 274
    empty = {"pending_idr": 0, "available_idr": 0, "in_payout_idr": 0, "paid_out_idr": 0}
    assert settled(shop, store_id, seller, pending_idr=10_725) == {**empty, "pending_idr": 10_725}

    for step in ("accept", "ready"):
        assert shop.call("POST", f"/v1/orders/{order_id}/{step}", seller).status_code == 200
    assert shop.call("POST", f"/v1/orders/{order_id}/complete", buyer).status_code == 200
    shop.stack.drain()
    shop.clock(DAY)  # within the two days' hold: still pending
    shop.run_schedule("release_earnings")
    assert balance(shop, store_id, seller) == {**empty, "pending_idr": 10_725}
    shop.clock(2 * DAY + 3600)
    assert shop.run_schedule("release_earnings")["released"] >= 1
    assert shop.run_schedule("release_earnings")["released"] == 0  # released once
    shop.clock(0)
    assert balance(shop, store_id, seller) == {**empty, "available_idr": 10_725}

    found = statement(shop, store_id, shop.admin)
    assert [(e["kind"], e["order_id"], e["amount_idr"], e["platform_fee_idr"]) for e in found["entries"]] == [
        ("earning", order_id, 10_725, 274)
    ]
    assert found["opening_balance_idr"] == 0
    assert found["closing_balance_idr"] == found["entries"][-1]["balance_idr"] == owed(balance(shop, store_id, seller))
    assert found["platform_fee_idr"] == 274

    as_csv = shop.call("GET", f"/v1/stores/{store_id}/statement?format=csv", seller)
    assert as_csv.status_code == 200 and as_csv.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r[1] for r in rows[1:]] == ["opening_balance", "earning", "closing_balance"]
    assert (rows[2][2], int(rows[2][4]), int(rows[-1][6])) == (order_id, 10_725, found["closing_balance_idr"])
    assert money_difference(shop) == 0


def test_a_cancelled_paid_order_is_debited_once_even_when_its_events_come_again(shop: Shop) -> None:
    seller = shop.user("seller")
    store_id = shop.store(seller)
    buyer, order_id = paid_order(shop, seller, store_id, price=20_000)
    settled(shop, store_id, seller, pending_idr=20_000)
    assert shop.call("POST", f"/v1/orders/{order_id}/cancel", buyer, {"reason": "salah pesan"}).status_code == 200
    shop.wait(lambda: (shop.order(buyer, order_id)["refund"] or {}).get("status") == "succeeded")
    after = settled(shop, store_id, seller, pending_idr=0)
    before = statement(shop, store_id, seller)
    assert [(e["kind"], e["amount_idr"], e["balance_idr"]) for e in before["entries"]] == [
        ("earning", 20_000, 20_000),
        ("refund", -20_000, 0),
    ]

    order = shop.order(buyer, order_id)
    paid_at = next(h["at"] for h in order["history"] if h["status"] == "paid")
    month = jakarta_month(datetime.fromisoformat(paid_at.replace("Z", "+00:00")))
    common = {"order_id": order_id, "store_id": store_id, "buyer_id": order["buyer_id"], "month": month}
    for event in ("paid", "refunded"):
        body = OrderEvent(event=event, amount_idr=20_000, **common).to_json()  # a redelivery, stamped now
        response = shop.call("POST", f"/_local/queues/{ORDER_EVENTS}/messages", body={"body": body})
        assert response.status_code == 200, response.text
    shop.stack.drain()
    assert balance(shop, store_id, seller) == after
    assert statement(shop, store_id, seller)["entries"] == before["entries"]
    assert money_difference(shop) == 0


def test_who_reads_a_balance_and_which_months(shop: Shop) -> None:
    seller, other = shop.user("seller"), shop.user("seller")
    store_id = shop.store(seller)
    finance = shop.stack.headers(f"finance-{shop.tag}", ["finance"])
    assert shop.call("GET", f"/v1/stores/{store_id}/balance", finance).status_code == 200
    assert shop.call("GET", f"/v1/stores/{store_id}/balance", other).status_code == 403
    assert shop.call("GET", f"/v1/stores/{store_id}/balance", shop.user("buyer")).status_code == 403
    assert shop.call("GET", "/v1/admin/reports/money", seller).status_code == 403
    for query in ("month=2020-01", "month=2099-01", "format=pdf"):
        refused = shop.call("GET", f"/v1/stores/{store_id}/statement?{query}", seller)
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["details"]["field"] == query.split("=")[0]
