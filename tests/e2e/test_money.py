"""The money path over real HTTP: Stripe stand-in, signed webhooks, queues, emulator."""

from __future__ import annotations

import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
import requests

from tests.e2e.shop import Shop
from tests.helpers import error_of


def test_full_flow_two_stores_one_payment(shop: Shop) -> None:
    seller_a, seller_b = shop.user("seller"), shop.user("seller")
    store_a, store_b = shop.store(seller_a), shop.store(seller_b, "Genteng", "Ketabang")
    rice = shop.product(seller_a, store_a, stock=20, price=13_500, name="Kacang")  # no reference price names it
    oil = shop.product(seller_b, store_b, stock=5, price=15_700, name="Minyak")
    buyer = shop.user("buyer")
    assert shop.put(buyer, rice, 3).status_code == 200
    cart = shop.put(buyer, oil, 2).json()
    assert cart["total_idr"] == 3 * 13_500 + 2 * 15_700
    made = shop.checkout(buyer, method="delivery")
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["status"] == "awaiting_payment" and len(body["orders"]) == 2
    assert body["payment"]["amount_idr"] == body["total_idr"] == 71_900
    assert body["payment"]["client_secret"] and body["payment"]["provider"] == "stripe"
    assert shop.call("GET", "/v1/cart", buyer).json()["items"] == []
    assert shop.stock(rice, seller_a) == 17 and shop.stock(oil, seller_b) == 3
    assert shop.pay(buyer, body["checkout_id"]).json()["payment_intent_status"] == "succeeded"
    by_store = {o["store_id"]: o["order_id"] for o in body["orders"]}
    order_a = shop.wait_status(buyer, by_store[store_a], "paid")
    assert [h["status"] for h in order_a["history"]] == ["awaiting_payment", "paid"]
    assert order_a["lines"] == [
        {"product_id": rice, "name": f"Kacang {shop.tag}", "unit": "pcs", "unit_price_idr": 13_500, "quantity": 3}
    ]
    for step in ("accept", "ready"):
        moved = shop.call("POST", f"/v1/orders/{by_store[store_a]}/{step}", seller_a)
        assert moved.status_code == 200, moved.text
    done = shop.call("POST", f"/v1/orders/{by_store[store_a]}/complete", buyer)
    assert done.json()["status"] == "completed"
    assert [h["status"] for h in done.json()["history"]][-3:] == ["accepted", "ready", "completed"]
    # The seller heard of the paid order; the buyer of each order's payment, then accepted and ready.
    shop.stack.drain()
    seller_inbox = shop.call("GET", "/v1/me/notifications", seller_a).json()["items"]
    about_orders = [(n["kind"], n["order_id"]) for n in seller_inbox if n["kind"].startswith("order_")]
    assert about_orders == [("order_paid", by_store[store_a])]
    buyer_kinds = sorted(n["kind"] for n in shop.call("GET", "/v1/me/notifications", buyer).json()["items"])
    assert buyer_kinds == ["order_accepted", "order_ready", "payment_received", "payment_received"]
    store = shop.call("GET", f"/v1/stores/{store_a}", seller_a).json()
    assert store["turnover_month_idr"] == 40_500
    mine = shop.call("GET", "/v1/orders?status=completed", buyer).json()["items"]
    assert [o["order_id"] for o in mine] == [by_store[store_a]]
    store_orders = shop.call("GET", f"/v1/stores/{store_b}/orders", seller_b).json()["items"]
    assert [o["status"] for o in store_orders] == ["paid"]
    assert shop.call("GET", f"/v1/stores/{store_b}/orders", seller_a).status_code == 403
    assert shop.call("GET", f"/v1/orders/{by_store[store_a]}", seller_b).status_code == 404
    checkout = shop.call("GET", f"/v1/checkouts/{body['checkout_id']}", buyer).json()
    assert sorted(o["status"] for o in checkout["orders"]) == ["completed", "paid"]


def test_checkout_idempotency_and_bad_requests(shop: Shop) -> None:
    seller = shop.user("seller")
    product = shop.product(seller, shop.store(seller), stock=10)
    buyer = shop.user("buyer")
    assert shop.checkout(buyer).status_code == 422 and error_of(shop.checkout(buyer).json())["code"] == "cart_empty"
    shop.put(buyer, product, 1)
    missing = shop.call("POST", "/v1/checkout", buyer, {"fulfillment": {"method": "pickup"}})
    assert missing.status_code == 400 and error_of(missing.json())["code"] == "idempotency_key_required"
    assert shop.checkout(buyer, method="teleport").status_code == 422
    no_address = shop.call("POST", "/v1/checkout", buyer, {"fulfillment": {"method": "delivery"}}, Idempotency_Key="x1")
    assert no_address.status_code == 422
    first = shop.checkout(buyer, key="same-key")
    again = shop.checkout(buyer, key="same-key")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    other = shop.checkout(buyer, key="same-key", method="delivery")
    assert other.status_code == 422 and error_of(other.json())["code"] == "idempotency_key_reused"
    # Another buyer's identical key is theirs alone.
    stranger = shop.user("buyer")
    shop.put(stranger, product, 1)
    theirs = shop.checkout(stranger, key="same-key")
    assert theirs.status_code == 201 and theirs.json()["checkout_id"] != first.json()["checkout_id"]
    assert shop.call("GET", f"/v1/checkouts/{first.json()['checkout_id']}", stranger).status_code == 404
    assert shop.stock(product, seller) == 8
    too_many = shop.put(buyer, product, 9)
    assert too_many.status_code == 409 and error_of(too_many.json())["details"]["available"] == 8
    assert shop.put(buyer, product, -1).status_code == 422
    assert shop.put(buyer, product, 1.5).status_code == 422  # type: ignore[arg-type]
    assert shop.put(buyer, "nope", 1).status_code == 404


def test_oversell_fifty_buyers_ten_units(shop: Shop) -> None:
    seller = shop.user("seller")
    product = shop.product(seller, shop.store(seller), stock=10, price=20_000)
    buyers = [shop.user("buyer") for _ in range(50)]
    for buyer in buyers:
        assert shop.put(buyer, product, 1).status_code == 200
    with ThreadPoolExecutor(max_workers=25) as pool:
        results = list(pool.map(lambda b: shop.checkout(b), buyers))
    statuses = sorted(r.status_code for r in results)
    assert statuses.count(201) == 10 and statuses.count(409) == 40, statuses
    for loser in (r for r in results if r.status_code == 409):
        err = error_of(loser.json())
        assert err["code"] == "out_of_stock" and err["details"]["items"][0]["product_id"] == product
    assert shop.stock(product, seller) == 0


def test_webhook_storm_pays_each_order_once(shop: Shop) -> None:
    seller = shop.user("seller")
    store = shop.store(seller)
    product = shop.product(seller, store, stock=50, price=5_000)
    checkouts = []
    for _ in range(4):
        buyer = shop.user("buyer")
        shop.put(buyer, product, 2)
        made = shop.checkout(buyer).json()
        shop.pay(buyer, made["checkout_id"])
        checkouts.append((buyer, made))
    deliveries = []
    for _, made in checkouts:
        event_id = f"evt_{uuid.uuid4().hex[:16]}"
        for _ in range(3):
            deliveries.append(
                shop.signed_event(event_id, "payment_intent.succeeded", made["payment"]["payment_intent_id"])
            )
    random.shuffle(deliveries)

    def deliver(item: tuple[bytes, str]) -> int:
        return shop.post_webhook(*item).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        assert set(pool.map(deliver, deliveries)) == {200}
    for buyer, made in checkouts:
        order = shop.wait_status(buyer, made["orders"][0]["order_id"], "paid")
        assert [h["status"] for h in order["history"]].count("paid") == 1
    shop.stack.drain()
    assert shop.call("GET", f"/v1/stores/{store}", seller).json()["turnover_month_idr"] == 4 * 10_000
    kinds = [n["kind"] for n in shop.call("GET", "/v1/me/notifications?limit=100", seller).json()["items"]]
    assert kinds.count("order_paid") == 4


def test_bad_webhook_signatures_are_refused(shop: Shop) -> None:
    payload, signature = shop.signed_event("evt_forged", "payment_intent.succeeded", "pi_x")
    for headers in ({}, {"Stripe-Signature": "t=1,v1=00"}, {"Stripe-Signature": signature.replace("v1=", "v1=0")}):
        response = requests.post(f"{shop.url}/v1/webhooks/stripe", data=payload, headers=headers, timeout=15)
        assert response.status_code == 400 and error_of(response.json())["code"] == "bad_signature"
    tampered = payload.replace(b"pi_x", b"pi_y")
    response = requests.post(
        f"{shop.url}/v1/webhooks/stripe", data=tampered, headers={"Stripe-Signature": signature}, timeout=15
    )
    assert response.status_code == 400


def test_declined_then_retried_payment(shop: Shop) -> None:
    seller = shop.user("seller")
    product = shop.product(seller, shop.store(seller), stock=5)
    buyer = shop.user("buyer")
    shop.put(buyer, product, 1)
    made = shop.checkout(buyer).json()
    declined = shop.pay(buyer, made["checkout_id"], "declined").json()
    assert declined["payment_intent_status"] == "requires_payment_method"
    shop.wait(
        lambda: shop.call("GET", f"/v1/checkouts/{made['checkout_id']}", buyer).json()["payment_error"] is not None
    )
    assert shop.order(buyer, made["orders"][0]["order_id"])["status"] == "awaiting_payment"
    shop.pay(buyer, made["checkout_id"], "succeeded")
    shop.wait_status(buyer, made["orders"][0]["order_id"], "paid")
    assert shop.call("GET", f"/v1/checkouts/{made['checkout_id']}", buyer).json()["payment_error"] is None


def test_cancel_after_payment_refunds_and_returns_stock(shop: Shop) -> None:
    seller = shop.user("seller")
    product = shop.product(seller, shop.store(seller), stock=5, price=30_000)
    buyer = shop.user("buyer")
    shop.put(buyer, product, 2)
    made = shop.checkout(buyer).json()
    order_id = made["orders"][0]["order_id"]
    shop.pay(buyer, made["checkout_id"])
    shop.wait_status(buyer, order_id, "paid")
    assert shop.call("POST", f"/v1/orders/{order_id}/accept", buyer).status_code == 403
    cancelled = shop.call("POST", f"/v1/orders/{order_id}/cancel", buyer, {"reason": "salah pesan"})
    assert cancelled.status_code == 200
    assert cancelled.json()["refund"] == {"status": "pending", "amount_idr": 60_000}
    assert shop.stock(product, seller) == 5
    shop.wait(lambda: (shop.order(buyer, order_id)["refund"] or {}).get("status") == "succeeded")
    again = shop.call("POST", f"/v1/orders/{order_id}/cancel", buyer, {"reason": "again"})
    assert again.status_code == 409 and error_of(again.json())["code"] == "invalid_transition"
    shop.wait(
        lambda: "order_refunded" in [n["kind"] for n in shop.call("GET", "/v1/me/notifications", buyer).json()["items"]]
    )
    assert shop.stock(product, seller) == 5


def test_late_payment_after_expiry_is_refunded(shop: Shop) -> None:
    seller = shop.user("seller")
    product = shop.product(seller, shop.store(seller), stock=3)
    buyer = shop.user("buyer")
    shop.put(buyer, product, 2)
    made = shop.checkout(buyer).json()
    order_id = made["orders"][0]["order_id"]
    assert shop.stock(product, seller) == 1
    # Stripe takes the money but its webhook waits in our queue (a slow worker)...
    shop.call("POST", "/_local/pump/peken-local-payments/pause")
    try:
        shop.pay(buyer, made["checkout_id"])
        shop.wait(lambda: shop.call("GET", "/_local/queues").json()["queues"]["peken-local-payments"]["visible"] > 0)
        # ...while the payment window closes.
        try:
            shop.clock(31 * 60)
            assert shop.run_schedule("expiry_sweep")["expired"] >= 1
        finally:
            shop.clock(0)
        assert shop.order(buyer, order_id)["status"] == "expired"
    finally:
        shop.call("POST", "/_local/pump/peken-local-payments/resume")
    assert shop.stock(product, seller) == 3
    shop.wait(lambda: (shop.order(buyer, order_id)["refund"] or {}).get("status") == "succeeded")
    assert shop.order(buyer, order_id)["status"] == "expired"
    assert shop.stock(product, seller) == 3


def test_poison_payment_message_lands_in_the_dead_letter_queue(shop: Shop) -> None:
    sent = shop.call("POST", "/_local/queues/peken-local-payments/messages", body={"body": "{oops"})
    assert sent.status_code == 200

    def dead() -> bool:
        depths = shop.call("GET", "/_local/queues").json()["queues"]
        return bool(depths["peken-local-payments-dlq"]["visible"] >= 1)

    shop.wait(dead, timeout=40)
    shop.stack.drain()  # other tests' events may be passing through the same queue meanwhile
    depths = shop.call("GET", "/_local/queues").json()["queues"]
    assert depths["peken-local-payments"]["visible"] == 0  # the poison is not retried forever


def test_stripe_down_means_503_and_nothing_reserved(shop: Shop) -> None:
    seller = shop.user("seller")
    product = shop.product(seller, shop.store(seller), stock=4)
    buyer = shop.user("buyer")
    shop.put(buyer, product, 3)
    assert shop.call("POST", "/_local/stripe/stop").status_code == 200
    try:
        refused = shop.checkout(buyer, key="while-down")
        assert refused.status_code == 503 and error_of(refused.json())["code"] == "payment_unavailable"
        assert shop.stock(product, seller) == 4
        assert [i["quantity"] for i in shop.call("GET", "/v1/cart", buyer).json()["items"]] == [3]
    finally:
        assert shop.call("POST", "/_local/stripe/start").status_code == 200
    retried = shop.checkout(buyer, key="while-down")  # the 503 was not kept: the same key works now
    assert retried.status_code == 201
    assert shop.stock(product, seller) == 1


def test_reconciliation_repairs_a_lost_webhook(shop: Shop) -> None:
    seller = shop.user("seller")
    product = shop.product(seller, shop.store(seller), stock=4)
    buyer = shop.user("buyer")
    shop.put(buyer, product, 1)
    made = shop.checkout(buyer).json()
    shop.call("POST", "/_local/pump/peken-local-payments/pause")
    try:
        shop.pay(buyer, made["checkout_id"])
        shop.wait(lambda: shop.call("GET", "/_local/queues").json()["queues"]["peken-local-payments"]["visible"] > 0)
        shop.call("POST", "/_local/queues/peken-local-payments/purge")  # the event is lost
    finally:
        shop.call("POST", "/_local/pump/peken-local-payments/resume")
    assert shop.order(buyer, made["orders"][0]["order_id"])["status"] == "awaiting_payment"
    assert shop.run_schedule("reconcile_payments")["repaired"] >= 1
    assert shop.order(buyer, made["orders"][0]["order_id"])["status"] == "paid"


def test_ready_orders_complete_themselves_after_the_configured_days(shop: Shop) -> None:
    seller = shop.user("seller")
    product = shop.product(seller, shop.store(seller), stock=4)
    buyer = shop.user("buyer")
    shop.put(buyer, product, 1)
    made = shop.checkout(buyer, method="delivery").json()
    order_id = made["orders"][0]["order_id"]
    shop.pay(buyer, made["checkout_id"])
    shop.wait_status(buyer, order_id, "paid")
    shop.call("POST", f"/v1/orders/{order_id}/accept", seller)
    shop.call("POST", f"/v1/orders/{order_id}/ready", seller)
    assert shop.call("POST", f"/v1/orders/{order_id}/complete", seller).status_code == 422  # no handover code
    shop.run_schedule("auto_complete")
    assert shop.order(buyer, order_id)["status"] == "ready"
    try:
        shop.clock(3 * 86400 + 60)
        assert shop.run_schedule("auto_complete")["completed"] >= 1
    finally:
        shop.clock(0)
    assert shop.order(buyer, order_id)["status"] == "completed"


def test_unpaid_cancel_without_reason_and_a_short_payment_window(shop: Shop) -> None:
    seller = shop.user("seller")
    product = shop.product(seller, shop.store(seller), stock=3)
    buyer = shop.user("buyer")
    assert shop.call("PUT", "/v1/admin/settings", shop.admin, {"payment_timeout_minutes": 1}).status_code == 200
    try:
        shop.put(buyer, product, 2)
        made = shop.checkout(buyer).json()
    finally:
        shop.call("PUT", "/v1/admin/settings", shop.admin, {"payment_timeout_minutes": 30})
    created = datetime.fromisoformat(
        shop.order(buyer, made["orders"][0]["order_id"])["created_at"].replace("Z", "+00:00")
    )
    expires = datetime.fromisoformat(made["expires_at"].replace("Z", "+00:00"))
    assert (expires - created).total_seconds() == pytest.approx(60, abs=1)
    cancelled = shop.call("POST", f"/v1/orders/{made['orders'][0]['order_id']}/cancel", buyer)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["refund"] is None
    assert shop.stock(product, seller) == 3


def test_a_created_intent_is_no_decline(shop: Shop) -> None:
    seller = shop.user("seller")
    product = shop.product(seller, shop.store(seller), stock=3, price=8_000)
    buyer = shop.user("buyer")
    shop.put(buyer, product, 1)
    made = shop.checkout(buyer).json()
    payload, signature = shop.signed_event(
        f"evt_{uuid.uuid4().hex[:16]}", "payment_intent.created", made["payment"]["payment_intent_id"]
    )
    answer = shop.post_webhook(payload, signature)
    assert answer.status_code == 200 and answer.json() == {"received": True, "ignored": True}
    shop.stack.drain()
    checkout = shop.call("GET", f"/v1/checkouts/{made['checkout_id']}", buyer).json()
    assert checkout["status"] == "awaiting_payment" and checkout["payment_error"] is None
