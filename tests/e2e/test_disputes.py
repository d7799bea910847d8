"""Disputes over HTTP: a buyer complains about a ready or lately completed order; the seller accepts
(a refund) or contests; an admin decides (a partial refund, or a rejection); an unanswered dispute
escalates by itself; an undecided dispute holds the order's earning from release.

Choices where API.md is silent (also in the README): an order that is not ready or completed, or
completed `dispute_window_days` ago or more, answers 409 `invalid_transition` (`details.reason`
`not_disputable` / `dispute_window_closed`); someone else's order is 404; a decided dispute
answers 409 `conflict` to a second decision.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import requests

from tests.e2e.shop import Shop
from tests.e2e.test_payouts import connect, make_available, run_batch
from tests.e2e.test_settlement import DAY, balance, money_difference, settled, statement
from tests.e2e.test_uploads import png, post, ticket
from tests.helpers import error_of

PRICE = 10_000


def refusal(response: requests.Response) -> tuple[int, str, Any]:
    """Status, error code and `details.field` of a refused request."""
    error = error_of(response.json())
    return response.status_code, str(error["code"]), error["details"].get("field")


def bought(
    shop: Shop, quantity: int = 2, buyer: dict[str, str] | None = None, seller: dict[str, str] | None = None
) -> tuple[dict[str, str], str, dict[str, str], str, str]:
    """A paid order of `quantity` x PRICE of one product: (seller, store_id, buyer, order_id, product_id)."""
    seller = seller or shop.user("seller")
    store_id = shop.store(seller)
    product_id = shop.product(seller, store_id, stock=20, price=PRICE)
    buyer = buyer or shop.user("buyer")
    assert shop.put(buyer, product_id, quantity).status_code == 200
    made = shop.checkout(buyer)
    assert made.status_code == 201, made.text
    assert shop.pay(buyer, made.json()["checkout_id"]).status_code == 200
    order_id = str(made.json()["orders"][0]["order_id"])
    shop.wait_status(buyer, order_id, "paid")
    return seller, store_id, buyer, order_id, product_id


def ready(shop: Shop, quantity: int = 2, buyer: dict[str, str] | None = None) -> tuple[Any, ...]:
    """A ready order (accepted and made ready by its store)."""
    seller, store_id, buyer, order_id, product_id = bought(shop, quantity, buyer)
    for step in ("accept", "ready"):
        assert shop.call("POST", f"/v1/orders/{order_id}/{step}", seller).status_code == 200
    return seller, store_id, buyer, order_id, product_id


def complaint(product_id: str, quantity: int = 1, reason: str = "damaged", evidence: list[str] | None = None) -> Any:
    return {
        "reason": reason,
        "description": "Telur pecah di kantong.",
        "lines": [{"product_id": product_id, "quantity": quantity}],
        "evidence": evidence or [],
    }


def open_dispute(shop: Shop, buyer: dict[str, str], order_id: str, body: Any) -> dict[str, Any]:
    opened = shop.call("POST", f"/v1/orders/{order_id}/disputes", buyer, body)
    assert opened.status_code == 201, opened.text
    return dict(opened.json())


def dispute(shop: Shop, who: dict[str, str], dispute_id: str) -> dict[str, Any]:
    shown = shop.call("GET", f"/v1/disputes/{dispute_id}", who)
    assert shown.status_code == 200, shown.text
    return dict(shown.json())


def photo(shop: Shop, owner: dict[str, str]) -> tuple[str, bytes]:
    content = png(3, 3)
    made = ticket(shop, owner, "image/png", len(content))
    assert post(made, content).status_code in (201, 204)
    return str(made["upload_id"]), content


def kinds_in_inbox(shop: Shop, who: dict[str, str]) -> set[str]:
    return {str(n["kind"]) for n in shop.call("GET", "/v1/me/notifications?limit=100", who).json()["items"]}


def refunded(shop: Shop, buyer: dict[str, str], order_id: str) -> int:
    return int(shop.order(buyer, order_id).get("refunded_idr") or 0)


def test_the_seller_accepts_and_the_refund_lowers_spending_turnover_and_the_balance(shop: Shop) -> None:
    nip = f"{uuid.uuid4().int % 10**18:018d}"
    row = {"nip": nip, "name": "Dewi Uji", "department": "Dinas Uji", "grade": "III/a"}
    assert shop.call("POST", "/v1/admin/asn", shop.admin, {"rows": [row]}).json() == {"upserted": 1}
    asn = shop.stack.headers(f"asn-{shop.tag}", ["buyer"], nip=nip)
    seller, store_id, buyer, order_id, product_id = ready(shop, 2, asn)
    assert shop.call("POST", f"/v1/orders/{order_id}/complete", buyer).status_code == 200
    settled(shop, store_id, seller, pending_idr=2 * PRICE)
    upload_id, content = photo(shop, buyer)

    opened = open_dispute(shop, buyer, order_id, complaint(product_id, 1, evidence=[upload_id]))
    assert (opened["order_id"], opened["status"], opened["requested_refund_idr"]) == (order_id, "open", PRICE)
    assert opened["respond_by"] > opened["created_at"]
    dispute_id = opened["dispute_id"]
    again = shop.call("POST", f"/v1/orders/{order_id}/disputes", buyer, complaint(product_id, 1))
    assert refusal(again)[:2] == (409, "conflict")  # one open dispute per order

    seen = dispute(shop, seller, dispute_id)
    assert [e["upload_id"] for e in seen["evidence"]] == [upload_id]
    assert requests.get(seen["evidence"][0]["url"], timeout=10).content == content  # a short-lived download
    assert shop.call("GET", f"/v1/disputes/{dispute_id}", shop.user("buyer")).status_code == 404
    assert shop.call("GET", f"/v1/disputes/{dispute_id}", shop.admin).status_code == 200
    said = shop.call("POST", f"/v1/disputes/{dispute_id}/messages", seller, {"body": "Maaf, kami cek dulu."})
    assert said.status_code == 201, said.text
    thread = dispute(shop, buyer, dispute_id)["messages"]
    assert [(m["author_role"], m["body"]) for m in thread] == [("seller", "Maaf, kami cek dulu.")]
    assert shop.call("POST", f"/v1/disputes/{dispute_id}/accept", shop.user("seller")).status_code == 404

    accepted = shop.call("POST", f"/v1/disputes/{dispute_id}/accept", seller)
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["status"], accepted.json()["refund_idr"]) == ("seller_accepted", PRICE)
    assert [h["status"] for h in accepted.json()["history"]] == ["open", "seller_accepted"]
    assert refusal(shop.call("POST", f"/v1/disputes/{dispute_id}/accept", seller))[:2] == (409, "conflict")

    shop.wait(lambda: refunded(shop, buyer, order_id) == PRICE)
    settled(shop, store_id, seller, pending_idr=PRICE)  # the seller's balance lost the refund
    shop.wait(lambda: shop.call("GET", "/v1/me/spending", buyer).json()["spent_idr"] == PRICE)  # 2 x PRICE - PRICE
    shop.wait(lambda: shop.call("GET", f"/v1/stores/{store_id}", seller).json()["turnover_month_idr"] == PRICE)
    shop.wait(lambda: {"dispute_opened", "dispute_seller_accepted"} <= kinds_in_inbox(shop, buyer))
    shop.wait(lambda: {"dispute_opened", "dispute_message"} <= kinds_in_inbox(shop, buyer))  # the seller wrote
    shop.wait(lambda: "dispute_opened" in kinds_in_inbox(shop, seller))
    assert money_difference(shop) == 0


def test_a_contested_dispute_is_resolved_by_an_admin_with_a_partial_refund(shop: Shop) -> None:
    seller, store_id, buyer, order_id, product_id = ready(shop, 2)
    dispute_id = open_dispute(shop, buyer, order_id, complaint(product_id, 2, "quality"))["dispute_id"]
    assert shop.call("POST", f"/v1/disputes/{dispute_id}/contest", buyer, {"reason": "x"}).status_code == 403
    contested = shop.call("POST", f"/v1/disputes/{dispute_id}/contest", seller, {"reason": "Barang baik."})
    assert contested.status_code == 200, contested.text
    assert (contested.json()["status"], contested.json()["contest_reason"]) == ("contested", "Barang baik.")
    assert refusal(shop.call("POST", f"/v1/disputes/{dispute_id}/accept", seller))[:2] == (409, "invalid_transition")

    path = f"/v1/admin/disputes/{dispute_id}/resolve"
    too_much = shop.call("POST", path, shop.admin, {"outcome": "refund", "refund_idr": 2 * PRICE + 1, "note": "x"})
    assert refusal(too_much) == (422, "validation_error", "refund_idr")
    resolved = shop.call("POST", path, shop.admin, {"outcome": "refund", "refund_idr": 5_000, "note": "Separuh."})
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert (body["status"], body["refund_idr"], body["note"]) == ("resolved_refund", 5_000, "Separuh.")
    assert [h["status"] for h in body["history"]] == ["open", "contested", "resolved_refund"]
    shop.wait(lambda: refunded(shop, buyer, order_id) == 5_000)
    settled(shop, store_id, seller, pending_idr=2 * PRICE - 5_000)
    assert refusal(shop.call("POST", path, shop.admin, {"outcome": "reject", "note": "x"}))[:2] == (409, "conflict")


def test_an_admin_rejects_a_dispute_and_nothing_is_refunded(shop: Shop) -> None:
    seller, _store_id, buyer, order_id, product_id = ready(shop, 1)
    dispute_id = open_dispute(shop, buyer, order_id, complaint(product_id, 1, "wrong_items"))["dispute_id"]
    path = f"/v1/admin/disputes/{dispute_id}/resolve"
    assert shop.call("POST", path, seller, {"outcome": "reject", "note": "x"}).status_code == 403
    rejected = shop.call("POST", path, shop.admin, {"outcome": "reject", "note": "Foto tidak cocok."})
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["refund_idr"]) == ("resolved_rejected", None)
    shop.stack.drain()
    assert refunded(shop, buyer, order_id) == 0
    shop.wait(lambda: "dispute_resolved_rejected" in kinds_in_inbox(shop, seller))
    # decided: the order may be disputed again (a new case)
    assert shop.call("POST", f"/v1/orders/{order_id}/disputes", buyer, complaint(product_id)).status_code == 201


def _queue(shop: Shop, query: str = "") -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page = shop.call("GET", f"/v1/admin/disputes?limit=100{query}{cursor}", shop.admin)
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        if not page.json()["next_cursor"]:
            return items
        cursor = f"&cursor={page.json()['next_cursor']}"


def test_unanswered_disputes_escalate_by_themselves_and_the_queue_is_oldest_first(shop: Shop) -> None:
    first = ready(shop, 1)
    second = ready(shop, 1)
    ids = [open_dispute(shop, o[2], o[3], complaint(o[4]))["dispute_id"] for o in (first, second)]
    queued = [d for d in _queue(shop) if d["dispute_id"] in ids]
    assert [d["dispute_id"] for d in queued] == ids  # oldest first
    assert all(d["status"] == "open" and d["age_seconds"] >= 0 for d in queued)

    shop.clock(DAY)
    shop.run_schedule("escalate_disputes")
    assert dispute(shop, shop.admin, ids[0])["status"] == "open"  # not yet: dispute_response_days is 2
    shop.clock(2 * DAY + 60)
    assert shop.run_schedule("escalate_disputes")["escalated"] >= 2
    for dispute_id in ids:
        shown = dispute(shop, shop.admin, dispute_id)
        assert shown["status"] == "contested"
        assert shown["history"][-1]["by"] == "system"
        assert shown["age_seconds"] >= 2 * DAY
    contested = [d["dispute_id"] for d in _queue(shop, "&status=contested") if d["dispute_id"] in ids]
    assert contested == ids
    assert not [d for d in _queue(shop, "&status=open") if d["dispute_id"] in ids]
    shop.wait(lambda: "dispute_escalated" in kinds_in_inbox(shop, first[0]))
    assert refusal(shop.call("GET", "/v1/admin/disputes?status=closed", shop.admin))[:2] == (422, "validation_error")


def test_bad_disputes_are_refused_with_a_clear_error(shop: Shop) -> None:
    seller, _store_id, buyer, order_id, product_id = ready(shop, 2)
    path = f"/v1/orders/{order_id}/disputes"
    assert shop.call("POST", path, shop.user("buyer"), complaint(product_id)).status_code == 404  # not theirs
    assert shop.call("POST", path, seller, complaint(product_id)).status_code == 403  # buyers only
    wrong = complaint(product_id)
    wrong["lines"] = [{"product_id": "01JDZQ8V6W3X5Y7Z9A1B2C3D4E", "quantity": 1}]
    assert refusal(shop.call("POST", path, buyer, wrong)) == (422, "validation_error", "lines.0.product_id")
    assert refusal(shop.call("POST", path, buyer, complaint(product_id, 3))) == (
        422,
        "validation_error",
        "lines.0.quantity",
    )
    other = shop.user("buyer")
    foreign, _ = photo(shop, other)
    evidence = complaint(product_id, evidence=[foreign])
    assert refusal(shop.call("POST", path, buyer, evidence)) == (422, "validation_error", "evidence.0")
    never_posted = ticket(shop, buyer)["upload_id"]
    evidence = complaint(product_id, evidence=[never_posted])
    assert refusal(shop.call("POST", path, buyer, evidence)) == (422, "validation_error", "evidence.0")
    bad_reason = {**complaint(product_id), "reason": "changed_my_mind"}
    assert refusal(shop.call("POST", path, buyer, bad_reason))[:2] == (422, "validation_error")

    _, _, payer, paid_id, paid_product = bought(shop, 1)
    unready = shop.call("POST", f"/v1/orders/{paid_id}/disputes", payer, complaint(paid_product))
    assert refusal(unready)[:2] == (409, "invalid_transition")

    assert shop.call("POST", f"/v1/orders/{order_id}/complete", buyer).status_code == 200
    shop.clock(3 * DAY + 60)  # dispute_window_days (3) after completion
    late = shop.call("POST", path, buyer, complaint(product_id))
    assert refusal(late)[:2] == (409, "invalid_transition")
    assert error_of(late.json())["details"]["reason"] == "dispute_window_closed"
    shop.clock(0)
    assert shop.call("POST", path, buyer, complaint(product_id)).status_code == 201  # within the window


def test_two_admins_resolving_at_once_one_wins_and_stripe_refunds_once(shop: Shop) -> None:
    _seller, _store_id, buyer, order_id, product_id = ready(shop, 2)
    dispute_id = open_dispute(shop, buyer, order_id, complaint(product_id, 2))["dispute_id"]
    admins = [shop.stack.headers(f"admin-{n}-{shop.tag}", ["admin"]) for n in ("a", "b")]
    answers: list[requests.Response] = []
    start = threading.Barrier(2)

    def resolve(admin: dict[str, str]) -> None:
        start.wait()
        body = {"outcome": "refund", "refund_idr": 7_000, "note": "Dua admin."}
        answers.append(shop.call("POST", f"/v1/admin/disputes/{dispute_id}/resolve", admin, body))

    threads = [threading.Thread(target=resolve, args=(a,)) for a in admins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    assert refusal(next(a for a in answers if a.status_code == 409))[1] == "conflict"
    shop.wait(lambda: refunded(shop, buyer, order_id) == 7_000)
    shop.stack.drain()
    order = shop.order(buyer, order_id)
    intent = shop.call("GET", f"/v1/checkouts/{order['checkout_id']}", buyer).json()["payment"]["payment_intent_id"]
    at_stripe = shop.stripe_get(f"/v1/refunds?payment_intent={intent}")["data"]
    assert [r["amount"] for r in at_stripe] == [700_000]  # one Stripe refund, in IDR x 100


def test_an_open_dispute_holds_the_earning_from_release_until_decided(shop: Shop) -> None:
    seller, store_id, buyer, order_id, product_id = ready(shop, 1)
    assert shop.call("POST", f"/v1/orders/{order_id}/complete", buyer).status_code == 200
    dispute_id = open_dispute(shop, buyer, order_id, complaint(product_id))["dispute_id"]
    settled(shop, store_id, seller, pending_idr=PRICE)
    shop.clock(2 * DAY + 3600)  # past payout_hold_days
    shop.run_schedule("release_earnings")
    assert balance(shop, store_id, seller)["available_idr"] == 0  # held by the dispute
    decided = shop.call(
        "POST", f"/v1/admin/disputes/{dispute_id}/resolve", shop.admin, {"outcome": "reject", "note": "x"}
    )
    assert decided.status_code == 200, decided.text
    shop.run_schedule("release_earnings")
    assert balance(shop, store_id, seller) == {
        "pending_idr": 0,
        "available_idr": PRICE,
        "in_payout_idr": 0,
        "paid_out_idr": 0,
    }


def test_a_dispute_refund_after_a_connect_payout_reverses_the_transfer(shop: Shop) -> None:
    finance = shop.user("finance")
    seller = shop.user("seller")
    store_id = shop.store(seller)
    connect(shop, seller, store_id)
    order_id = make_available(shop, seller, store_id, 40_000)
    batch_id, mine = run_batch(shop, finance, store_id)
    approved = shop.call("POST", f"/v1/admin/payout-batches/{batch_id}/approve", finance)
    assert approved.status_code == 200, approved.text
    transfer_id = next(p for p in approved.json()["payouts"] if p["payout_id"] == mine["payout_id"])["reference"]
    order = shop.order(shop.admin, order_id)
    buyer = shop.stack.headers(order["buyer_id"], ["buyer"])
    product_id = order["lines"][0]["product_id"]

    dispute_id = open_dispute(shop, buyer, order_id, complaint(product_id, 1, "not_received"))["dispute_id"]
    resolved = shop.call(
        "POST", f"/v1/admin/disputes/{dispute_id}/resolve", shop.admin, {"outcome": "refund", "note": "Tidak sampai."}
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["refund_idr"] == 40_000  # the requested amount by default
    shop.wait(lambda: shop.stripe_get(f"/v1/transfers/{transfer_id}")["amount_reversed"] == 4_000_000)
    shop.stack.drain()
    assert balance(shop, store_id, seller)["available_idr"] == 0
    kinds = [e["kind"] for e in statement(shop, store_id, seller)["entries"]]
    assert "refund" in kinds and "adjustment" in kinds
    assert money_difference(shop) == 0


def test_an_accepted_dispute_refunds_what_is_left_when_another_refund_came_first(shop: Shop) -> None:
    seller, _store_id, buyer, order_id, product_id = ready(shop, 2)
    dispute_id = open_dispute(shop, buyer, order_id, complaint(product_id, 2))["dispute_id"]  # asks 2 x PRICE
    goodwill = {"amount_idr": 1_000, "reason": "ongkos kirim", "lines": [{"product_id": product_id, "quantity": 1}]}
    made = shop.call(
        "POST", f"/v1/admin/orders/{order_id}/refunds", shop.admin, goodwill, Idempotency_Key=f"gw-{shop.tag}"
    )
    assert made.status_code == 202, made.text
    accepted = shop.call("POST", f"/v1/disputes/{dispute_id}/accept", seller)
    assert accepted.status_code == 200, accepted.text  # the decision and its refund, never one without the other
    shop.wait(lambda: refunded(shop, buyer, order_id) == 2 * PRICE)
    refunds = shop.order(buyer, order_id)["refunds"]
    assert sorted(r["amount_idr"] for r in refunds) == [1_000, 2 * PRICE - 1_000]  # only what was left


def test_a_store_lists_its_own_disputes_newest_first_with_a_status_filter(shop: Shop) -> None:
    seller = shop.user("seller")
    store_id = shop.store(seller)
    product_id = shop.product(seller, store_id, stock=20, price=PRICE)
    opened: list[str] = []
    for _ in range(2):
        buyer = shop.user("buyer")
        assert shop.put(buyer, product_id, 1).status_code == 200
        made = shop.checkout(buyer)
        assert shop.pay(buyer, made.json()["checkout_id"]).status_code == 200
        order_id = str(made.json()["orders"][0]["order_id"])
        shop.wait_status(buyer, order_id, "paid")
        for step in ("accept", "ready"):
            assert shop.call("POST", f"/v1/orders/{order_id}/{step}", seller).status_code == 200
        opened.append(open_dispute(shop, buyer, order_id, complaint(product_id))["dispute_id"])
    other_store = ready(shop, 1)  # another store's dispute never shows
    open_dispute(shop, other_store[2], other_store[3], complaint(other_store[4]))

    path = f"/v1/stores/{store_id}/disputes"
    listed = shop.call("GET", path, seller)
    assert listed.status_code == 200, listed.text
    assert [d["dispute_id"] for d in listed.json()["items"]] == opened[::-1]  # newest first
    assert {d["store_id"] for d in listed.json()["items"]} == {store_id}
    first = shop.call("GET", f"{path}?limit=1", seller).json()
    assert [d["dispute_id"] for d in first["items"]] == [opened[1]] and first["next_cursor"]
    rest = shop.call("GET", f"{path}?limit=1&cursor={first['next_cursor']}", seller).json()
    assert [d["dispute_id"] for d in rest["items"]] == [opened[0]]

    contested = shop.call("POST", f"/v1/disputes/{opened[0]}/contest", seller, {"reason": "Barang baik."})
    assert contested.status_code == 200, contested.text
    only = shop.call("GET", f"{path}?status=contested", seller).json()["items"]
    assert [d["dispute_id"] for d in only] == [opened[0]]
    assert [d["dispute_id"] for d in shop.call("GET", f"{path}?status=open", seller).json()["items"]] == [opened[1]]
    for staff in (shop.admin, shop.user("finance")):
        assert shop.call("GET", path, staff).status_code == 200
    assert shop.call("GET", path, shop.user("seller")).status_code == 403  # not the owner
    assert shop.call("GET", path, shop.user("buyer")).status_code == 403
    assert refusal(shop.call("GET", f"{path}?status=closed", seller))[:2] == (422, "validation_error")


def test_an_order_names_its_disputes_to_its_buyer_seller_and_staff_newest_first(shop: Shop) -> None:
    seller, _, buyer, order_id, product_id = ready(shop)
    first = open_dispute(shop, buyer, order_id, complaint(product_id))["dispute_id"]
    rejected = shop.call("POST", f"/v1/admin/disputes/{first}/resolve", shop.admin, {"outcome": "reject", "note": "-"})
    assert rejected.status_code == 200, rejected.text
    second = open_dispute(shop, buyer, order_id, complaint(product_id, reason="wrong_items"))["dispute_id"]
    _, _, _, other_order, other_product = ready(shop, 1, buyer=buyer)  # the buyer's other order: not listed
    open_dispute(shop, buyer, other_order, complaint(other_product))

    path = f"/v1/orders/{order_id}/disputes"
    for who in (buyer, seller, shop.admin, shop.user("finance")):
        listed = shop.call("GET", path, who)
        assert listed.status_code == 200, listed.text
        assert [d["dispute_id"] for d in listed.json()["items"]] == [second, first]  # newest first
        assert [d["status"] for d in listed.json()["items"]] == ["open", "resolved_rejected"]
        assert listed.json()["next_cursor"] is None
    page = shop.call("GET", f"{path}?limit=1", buyer).json()
    assert [d["dispute_id"] for d in page["items"]] == [second] and page["next_cursor"]
    rest = shop.call("GET", f"{path}?limit=1&cursor={page['next_cursor']}", buyer).json()
    assert [d["dispute_id"] for d in rest["items"]] == [first]

    for stranger in (shop.user("buyer"), shop.user("seller")):  # as reading the order: it does not exist for them
        assert refusal(shop.call("GET", path, stranger))[:2] == (404, "not_found")
    assert refusal(shop.call("GET", "/v1/orders/01JDZQ8V6W3X5Y7Z9A1B2C3D4E/disputes", buyer))[:2] == (404, "not_found")

    _, _, _, undisputed, _ = ready(shop, 1, buyer=buyer)
    assert shop.call("GET", f"/v1/orders/{undisputed}/disputes", buyer).json() == {"items": [], "next_cursor": None}
