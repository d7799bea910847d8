"""Payout batches over HTTP: available money goes into a batch finance approves; bank payouts go
into the bulk-transfer file and wait for the bank's results, each applied once; a failed payout's
money returns to available and the seller is told why; statements and the money report agree.

The run takes every due store on the stack, so each test looks at its own store's payout only.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import RunningStack
from tests.e2e.shop import Shop
from tests.e2e.test_settlement import DAY, balance, money_difference, paid_order, statement
from tests.helpers import error_of


def refusal(response: Any) -> tuple[int, str]:
    """The status and error code of a refused request (its body checked against API.md's error shape)."""
    return response.status_code, str(error_of(response.json())["code"])


@pytest.fixture()
def shop(stack: RunningStack) -> Iterator[Shop]:
    shop = Shop(stack)
    try:
        yield shop
    finally:
        shop.clock(0)


def available_store(shop: Shop, finance: dict[str, str], price: int) -> tuple[dict[str, str], str, str]:
    """A store with a verified bank account and `price` available (paid, completed, hold passed)."""
    seller = shop.user("seller")
    store_id = shop.store(seller)
    number = f"9{shop.tag.encode().hex()[:9]}"
    account = {"method": "bank_transfer", "bank_code": "014", "account_number": number, "account_name": "Sri Rejeki"}
    assert shop.call("PUT", f"/v1/stores/{store_id}/payout-account", seller, account).status_code == 200
    verify = shop.call("POST", f"/v1/admin/stores/{store_id}/payout-account/verify", finance, {})
    assert verify.status_code == 200, verify.text
    buyer, order_id = paid_order(shop, seller, store_id, price=price)
    for step in ("accept", "ready"):
        assert shop.call("POST", f"/v1/orders/{order_id}/{step}", seller).status_code == 200
    assert shop.call("POST", f"/v1/orders/{order_id}/complete", buyer).status_code == 200
    shop.wait(lambda: shop.call("GET", f"/v1/stores/{store_id}/balance", seller).json()["pending_idr"] == price)
    shop.stack.drain()
    shop.clock(2 * DAY + 3600)
    shop.run_schedule("release_earnings")
    shop.clock(0)
    assert balance(shop, store_id, seller)["available_idr"] == price
    return seller, store_id, number


def run_batch(shop: Shop, finance: dict[str, str], store_id: str) -> tuple[str, dict[str, Any]]:
    made = shop.call("POST", "/v1/admin/payouts/run", finance)
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "pending_approval"
    batch_id = made.json()["batch_id"]
    batch = shop.call("GET", f"/v1/admin/payout-batches/{batch_id}", finance).json()
    assert (batch["payout_count"], batch["total_idr"]) == (made.json()["payout_count"], made.json()["total_idr"])
    mine = next(p for p in batch["payouts"] if p["store_id"] == store_id)
    return batch_id, mine


def test_a_bank_payout_is_batched_approved_once_filed_and_paid_once_and_the_books_agree(shop: Shop) -> None:
    finance = shop.user("finance")
    seller, store_id, number = available_store(shop, finance, price=50_000)
    assert shop.call("POST", "/v1/admin/payouts/run", shop.admin).status_code == 403  # finance only
    batch_id, mine = run_batch(shop, finance, store_id)
    assert (mine["amount_idr"], mine["method"], mine["status"]) == (50_000, "bank_transfer", "pending_approval")
    assert balance(shop, store_id, seller) == {
        "pending_idr": 0,
        "available_idr": 0,
        "in_payout_idr": 50_000,
        "paid_out_idr": 0,
    }
    nothing = shop.call("POST", "/v1/admin/payouts/run", finance)  # everything due is in the batch
    assert (nothing.status_code, nothing.json()["batch_id"]) == (200, None)
    listed = shop.call("GET", "/v1/admin/payout-batches?status=pending_approval", shop.admin)
    assert batch_id in [b["batch_id"] for b in listed.json()["items"]]

    early = shop.call("GET", f"/v1/admin/payout-batches/{batch_id}/file", finance)
    assert refusal(early) == (409, "invalid_transition")  # approve first
    assert shop.call("POST", f"/v1/admin/payout-batches/{batch_id}/approve", shop.admin).status_code == 403
    approved = shop.call("POST", f"/v1/admin/payout-batches/{batch_id}/approve", finance)
    assert approved.status_code == 200 and approved.json()["status"] == "processing", approved.text
    again = shop.call("POST", f"/v1/admin/payout-batches/{batch_id}/approve", finance)
    assert refusal(again) == (409, "invalid_transition")

    as_file = shop.call("GET", f"/v1/admin/payout-batches/{batch_id}/file", finance)
    assert as_file.status_code == 200 and as_file.headers["Content-Type"].startswith("text/csv")
    rows = {r["payout_id"]: r for r in csv.DictReader(io.StringIO(as_file.text))}
    row = rows[mine["payout_id"]]
    assert (row["bank_code"], row["account_number"], row["amount_idr"]) == ("014", number, "50000")
    assert shop.call("GET", f"/v1/admin/payout-batches/{batch_id}/file", shop.admin).status_code == 403

    results = [{"payout_id": p, "status": "paid", "reference": f"BCA-{p[-6:]}"} for p in rows]
    done = shop.call("POST", f"/v1/admin/payout-batches/{batch_id}/results", finance, {"results": results})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed" and done.json()["open_count"] == 0
    after = balance(shop, store_id, seller)
    assert after == {"pending_idr": 0, "available_idr": 0, "in_payout_idr": 0, "paid_out_idr": 50_000}
    twice = shop.call("POST", f"/v1/admin/payout-batches/{batch_id}/results", finance, {"results": results})
    assert twice.status_code == 200 and balance(shop, store_id, seller) == after  # the same result: nothing

    payouts = shop.call("GET", f"/v1/stores/{store_id}/payouts", seller).json()["items"]
    assert [(p["payout_id"], p["status"], p["reference"]) for p in payouts] == [
        (mine["payout_id"], "paid", f"BCA-{mine['payout_id'][-6:]}")
    ]
    found = statement(shop, store_id, seller)
    assert [(e["kind"], e["amount_idr"], e["balance_idr"]) for e in found["entries"]] == [
        ("earning", 50_000, 50_000),
        ("payout", -50_000, 0),
    ]
    assert found["entries"][-1]["payout_id"] == mine["payout_id"] and found["closing_balance_idr"] == 0
    assert money_difference(shop) == 0


def test_a_failed_bank_payout_returns_its_money_and_tells_the_seller_and_foreign_results_are_refused(
    shop: Shop,
) -> None:
    finance = shop.user("finance")
    seller, store_id, _ = available_store(shop, finance, price=30_000)
    batch_id, mine = run_batch(shop, finance, store_id)
    approved = shop.call("POST", f"/v1/admin/payout-batches/{batch_id}/approve", finance)
    assert approved.status_code == 200, approved.text
    unknown = {"results": [{"payout_id": "01JDZQ8V6W3X5Y7Z9A1B2C3D4E", "status": "paid"}]}
    refused = shop.call("POST", f"/v1/admin/payout-batches/{batch_id}/results", finance, unknown)
    assert refusal(refused) == (422, "validation_error") and "01JDZQ8V6W3X5Y7Z9A1B2C3D4E" in refused.text
    assert balance(shop, store_id, seller)["in_payout_idr"] == 30_000

    failed = {"results": [{"payout_id": mine["payout_id"], "status": "failed", "reason": "rekening ditutup"}]}
    assert shop.call("POST", f"/v1/admin/payout-batches/{batch_id}/results", finance, failed).status_code == 200
    back = balance(shop, store_id, seller)
    assert (back["available_idr"], back["in_payout_idr"], back["paid_out_idr"]) == (30_000, 0, 0)
    paid = {"results": [{"payout_id": mine["payout_id"], "status": "paid"}]}
    changed = shop.call("POST", f"/v1/admin/payout-batches/{batch_id}/results", finance, paid)
    assert refusal(changed) == (409, "conflict")
    assert balance(shop, store_id, seller) == back

    shop.stack.drain()
    notices = [n for n in shop.every("/v1/me/notifications", seller) if n["kind"] == "payout_failed"]
    assert len(notices) == 1 and "rekening ditutup" in notices[0]["body"]
    payout = shop.call("GET", f"/v1/stores/{store_id}/payouts", finance).json()["items"][0]
    assert (payout["status"], payout["failure_reason"]) == ("failed", "rekening ditutup")
    kinds = [(e["kind"], e["amount_idr"]) for e in statement(shop, store_id, seller)["entries"]]
    assert kinds == [("earning", 30_000), ("payout_failed", 0)]
    assert money_difference(shop) == 0

    next_batch, retry = run_batch(shop, finance, store_id)  # the money goes out again in the next batch
    assert retry["amount_idr"] == 30_000 and retry["payout_id"] != mine["payout_id"]
    assert shop.call("POST", f"/v1/admin/payout-batches/{next_batch}/approve", finance).status_code == 200
    body = {
        "results": [
            {"payout_id": retry["payout_id"], "status": "paid"},
            {"payout_id": mine["payout_id"], "status": "paid"},
        ]
    }
    foreign = shop.call("POST", f"/v1/admin/payout-batches/{next_batch}/results", finance, body)
    assert refusal(foreign) == (422, "validation_error") and mine["payout_id"] in foreign.text
    assert balance(shop, store_id, seller)["in_payout_idr"] == 30_000  # nothing of the request was recorded

    first = shop.call("GET", f"/v1/stores/{store_id}/payouts?limit=1", seller).json()
    rest = shop.call("GET", f"/v1/stores/{store_id}/payouts?limit=1&cursor={first['next_cursor']}", seller).json()
    assert [p["payout_id"] for p in first["items"] + rest["items"]] == [retry["payout_id"], mine["payout_id"]]
    page = shop.call("GET", "/v1/admin/payout-batches?limit=1", finance).json()
    more = shop.call("GET", f"/v1/admin/payout-batches?limit=1&cursor={page['next_cursor']}", finance).json()
    assert [b["batch_id"] for b in page["items"] + more["items"]] == [next_batch, batch_id]
