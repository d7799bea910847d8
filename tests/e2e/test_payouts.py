"""Payout batches over HTTP: available money goes into a batch finance approves; bank payouts go
into the bulk-transfer file and wait for the bank's results, each applied once; Stripe Connect
payouts are one Stripe transfer each, made when finance approves; a failed payout's money returns
to available and the seller is told why; statements and the money report agree.

The run takes every due store on the stack, so each test looks at its own store's payout only.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

import requests

from tests.e2e.shop import Shop
from tests.e2e.test_settlement import DAY, balance, money_difference, paid_order, statement
from tests.helpers import error_of


def paid_more_than_once(shop: Shop, store_id: str, who: dict[str, str]) -> list[str]:
    """The store's payouts not paid exactly once: one `payout` ledger entry, and for Connect one Stripe transfer."""
    transfers = Counter(t["metadata"].get("payout_id") for t in shop.stripe_get("/v1/transfers?limit=100")["data"])
    entries = Counter(e["payout_id"] for e in statement(shop, store_id, who)["entries"] if e["kind"] == "payout")
    wrong = []
    for payout in shop.every(f"/v1/stores/{store_id}/payouts", who):
        paid = 1 if payout["status"] == "paid" else 0
        sent = transfers[payout["payout_id"]] if payout["method"] == "stripe_connect" else paid
        if entries[payout["payout_id"]] != paid or sent != paid:
            wrong.append(f"payout {payout['payout_id']} ({payout['status']}): {entries[payout['payout_id']]} entries")
    return wrong


def refusal(response: Any) -> tuple[int, str]:
    """The status and error code of a refused request (its body checked against API.md's error shape)."""
    return response.status_code, str(error_of(response.json())["code"])


def available_store(shop: Shop, finance: dict[str, str], price: int) -> tuple[dict[str, str], str, str]:
    """A store with a verified bank account and `price` available (paid, completed, hold passed)."""
    seller = shop.user("seller")
    store_id = shop.store(seller)
    number = f"9{shop.tag.encode().hex()[:9]}"
    account = {"method": "bank_transfer", "bank_code": "014", "account_number": number, "account_name": "Sri Rejeki"}
    assert shop.call("PUT", f"/v1/stores/{store_id}/payout-account", seller, account).status_code == 200
    verify = shop.call("POST", f"/v1/admin/stores/{store_id}/payout-account/verify", finance, {})
    assert verify.status_code == 200, verify.text
    make_available(shop, seller, store_id, price)
    return seller, store_id, number


def connect(shop: Shop, seller: dict[str, str], store_id: str) -> str:
    """Give the store a Stripe Connect account, onboarded (the stand-in's link completes it): its account id."""
    path = f"/v1/stores/{store_id}/payout-account"
    assert shop.call("PUT", path, seller, {"method": "stripe_connect"}).status_code == 200
    link = shop.call("POST", f"{path}/onboarding-link", seller)
    assert link.status_code == 200, link.text
    completed = requests.get(link.json()["url"], timeout=10)
    assert completed.status_code == 200, completed.text
    shop.wait(lambda: shop.call("GET", path, seller).json()["status"] == "verified")
    return str(completed.json()["account"])


def make_available(shop: Shop, seller: dict[str, str], store_id: str, price: int) -> str:
    """Sell an order of `price`, complete it and let the hold pass: `price` more is available. The order's id."""
    before = balance(shop, store_id, seller)
    buyer, order_id = paid_order(shop, seller, store_id, price=price)
    for step in ("accept", "ready"):
        assert shop.call("POST", f"/v1/orders/{order_id}/{step}", seller).status_code == 200
    assert shop.call("POST", f"/v1/orders/{order_id}/complete", buyer).status_code == 200
    pending = before["pending_idr"] + price
    shop.wait(lambda: shop.call("GET", f"/v1/stores/{store_id}/balance", seller).json()["pending_idr"] == pending)
    shop.stack.drain()
    shop.clock(2 * DAY + 3600)
    shop.run_schedule("release_earnings")
    shop.clock(0)
    assert balance(shop, store_id, seller)["available_idr"] == before["available_idr"] + price
    return order_id


def stripe_transfers(shop: Shop, destination: str) -> list[dict[str, Any]]:
    """Transfers to one connected account at the local Stripe, newest first."""
    return list(shop.stripe_get(f"/v1/transfers?limit=100&destination={destination}")["data"])


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
    answer = shop.call("POST", f"/v1/admin/payout-batches/{batch_id}/results", finance, failed)
    assert answer.status_code == 200, answer.text
    # The answer shows the batch and the payouts this request named (not the whole batch: a request
    # costs the same whatever the batch's size).
    assert [(p["payout_id"], p["status"]) for p in answer.json()["payouts"]] == [(mine["payout_id"], "failed")]
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


def test_a_connect_payout_is_one_stripe_transfer_made_when_finance_approves(shop: Shop) -> None:
    finance = shop.user("finance")
    seller = shop.user("seller")
    store_id = shop.store(seller)
    account = connect(shop, seller, store_id)
    make_available(shop, seller, store_id, 40_000)
    batch_id, mine = run_batch(shop, finance, store_id)
    assert (mine["amount_idr"], mine["method"], mine["status"]) == (40_000, "stripe_connect", "pending_approval")
    assert not [t for t in stripe_transfers(shop, destination=account)]  # nothing is sent before approval

    approved = shop.call("POST", f"/v1/admin/payout-batches/{batch_id}/approve", finance)
    assert approved.status_code == 200, approved.text
    paid = next(p for p in approved.json()["payouts"] if p["payout_id"] == mine["payout_id"])
    assert paid["status"] == "paid" and paid["reference"].startswith("tr_")
    transfers = stripe_transfers(shop, destination=account)
    assert [(t["id"], t["amount"], t["currency"]) for t in transfers] == [(paid["reference"], 4_000_000, "idr")]
    assert transfers[0]["metadata"] == {"payout_id": mine["payout_id"], "store_id": store_id, "batch_id": batch_id}
    assert transfers[0]["transfer_group"] == f"payout_{mine['payout_id']}"
    assert balance(shop, store_id, seller) == {
        "pending_idr": 0,
        "available_idr": 0,
        "in_payout_idr": 0,
        "paid_out_idr": 40_000,
    }
    again = shop.call("POST", f"/v1/admin/payout-batches/{batch_id}/approve", finance)
    assert refusal(again) == (409, "invalid_transition")
    assert len(stripe_transfers(shop, destination=account)) == 1
    no_file = shop.call("GET", f"/v1/admin/payout-batches/{batch_id}/file", finance)
    assert mine["payout_id"] not in no_file.text  # Connect payouts are not in the bank's file
    by_hand = {"results": [{"payout_id": mine["payout_id"], "status": "failed", "reason": "salah"}]}
    refused = shop.call("POST", f"/v1/admin/payout-batches/{batch_id}/results", finance, by_hand)
    assert refusal(refused) == (422, "validation_error")  # Stripe reports a Connect payout's result
    kinds = [(e["kind"], e["amount_idr"], e.get("payout_id")) for e in statement(shop, store_id, seller)["entries"]]
    assert kinds == [("earning", 40_000, None), ("payout", -40_000, mine["payout_id"])]
    assert money_difference(shop) == 0


def test_a_connect_payout_whose_account_changed_after_the_run_fails_and_its_money_returns(shop: Shop) -> None:
    finance = shop.user("finance")
    seller = shop.user("seller")
    store_id = shop.store(seller)
    account = connect(shop, seller, store_id)
    make_available(shop, seller, store_id, 25_000)
    batch_id, mine = run_batch(shop, finance, store_id)
    switched = {"method": "bank_transfer", "bank_code": "002", "account_number": "5550001111", "account_name": "Budi"}
    assert shop.call("PUT", f"/v1/stores/{store_id}/payout-account", seller, switched).status_code == 200

    approved = shop.call("POST", f"/v1/admin/payout-batches/{batch_id}/approve", finance)
    assert approved.status_code == 200, approved.text
    failed = next(p for p in approved.json()["payouts"] if p["payout_id"] == mine["payout_id"])
    assert failed["status"] == "failed" and "changed" in failed["failure_reason"]
    assert stripe_transfers(shop, destination=account) == []
    back = balance(shop, store_id, seller)
    assert (back["available_idr"], back["in_payout_idr"], back["paid_out_idr"]) == (25_000, 0, 0)
    shop.stack.drain()
    assert [n["kind"] for n in shop.every("/v1/me/notifications", seller)].count("payout_failed") == 1
    assert money_difference(shop) == 0
