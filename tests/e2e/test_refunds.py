"""Refunds as Stripe makes them: the events it sends, refunds that fail, and what the buyer may not pay.

The local Stripe stand-in sends `refund.created` and `charge.refunded` (which carries the
Charge, not the Refund) for every refund, and fails the refunds of Stripe's test card
4000000000005126 a moment after answering `pending`, as Stripe's test mode does.
"""

from __future__ import annotations

import uuid
from typing import Any

from chalicelib import metrics
from tests.e2e.shop import Shop
from tests.e2e.test_faults import depths, stripe
from tests.e2e.test_observability import published
from tests.helpers import error_of

PAYMENTS_DLQ = "peken-local-payments-dlq"


def _paid_order(shop: Shop, outcome: str = "succeeded", price: int = 20_000) -> tuple[dict[str, str], str, str]:
    """Buy one product and pay for it; return the buyer, the order id and the seller's store."""
    seller = shop.user("seller")
    store = shop.store(seller)
    product = shop.product(seller, store, stock=5, price=price)
    buyer = shop.user("buyer")
    assert shop.put(buyer, product, 1).status_code == 200
    made = shop.checkout(buyer)
    assert made.status_code == 201, made.text
    paid = shop.pay(buyer, made.json()["checkout_id"], outcome)
    assert paid.json()["payment_intent_status"] == "succeeded", paid.text
    order_id = made.json()["orders"][0]["order_id"]
    shop.wait_status(buyer, order_id, "paid")
    return buyer, order_id, store


def _dead_payments(shop: Shop) -> int:
    return int(depths(shop)[PAYMENTS_DLQ]["visible"])


def test_a_refund_follows_the_events_stripe_sends_and_leaves_no_dead_letter(shop: Shop) -> None:
    dead_before = _dead_payments(shop)
    buyer, order_id, _ = _paid_order(shop)
    assert shop.call("POST", f"/v1/orders/{order_id}/cancel", buyer, {"reason": "salah pesan"}).status_code == 200
    shop.wait(lambda: (shop.order(buyer, order_id)["refund"] or {}).get("status") == "succeeded")
    intent = shop.order(buyer, order_id)
    charge = stripe(shop, f"/v1/refunds?payment_intent={_intent_of(shop, buyer, intent)}")["data"][0]["charge"]
    assert charge.startswith("ch_")
    shop.stack.drain()  # charge.refunded (a Charge) and refund.created (a Refund) were handled
    assert _dead_payments(shop) == dead_before


def _intent_of(shop: Shop, buyer: dict[str, str], order: dict[str, Any]) -> str:
    return str(shop.call("GET", f"/v1/checkouts/{order['checkout_id']}", buyer).json()["payment"]["payment_intent_id"])


def test_an_event_about_an_object_stripe_does_not_know_goes_to_the_dead_letter_queue_at_once(shop: Shop) -> None:
    dead_before = _dead_payments(shop)
    payload, signature = shop.signed_event(f"evt_{uuid.uuid4().hex[:16]}", "charge.refunded", "ch_unknown", "charge")
    assert shop.post_webhook(payload, signature).status_code == 200
    shop.wait(lambda: _dead_payments(shop) == dead_before + 1, timeout=20)
    shop.stack.drain()
    assert depths(shop)["peken-local-payments"]["visible"] == 0


def test_a_refund_stripe_fails_is_made_again_then_left_to_an_admin(shop: Shop) -> None:
    failed_before = published(shop.stack)[metrics.REFUNDS_FAILED]
    buyer, order_id, store = _paid_order(shop, outcome="succeeded_refund_fails", price=30_000)
    assert shop.call("POST", f"/v1/orders/{order_id}/cancel", buyer, {"reason": "tidak jadi"}).status_code == 200
    shop.wait(lambda: (shop.order(buyer, order_id)["refund"] or {}).get("status") == "failed", timeout=60)
    shop.stack.drain()
    order = shop.order(buyer, order_id)
    assert order["status"] == "cancelled" and order["refund"]["status"] == "failed"
    # Three attempts, each a new refund at Stripe (a new idempotency key), each failed.
    refunds = stripe(shop, f"/v1/refunds?payment_intent={_intent_of(shop, buyer, order)}")["data"]
    assert len(refunds) == 3 and {r["status"] for r in refunds} == {"failed"}
    assert published(shop.stack)[metrics.REFUNDS_FAILED] - failed_before == 3
    # The admins heard of every failure, and the last one asks for a hand.
    notices = [
        n
        for n in shop.every("/v1/admin/notifications", shop.admin)
        if order_id in n["body"] and n["kind"].startswith("refund_failed")
    ]
    assert sorted(n["kind"] for n in notices) == ["refund_failed", "refund_failed", "refund_failed_final"]
    assert shop.call("GET", "/v1/admin/notifications", buyer).status_code == 403
    # No money went back, so nothing was taken off the store's turnover.
    seller_view = shop.call("GET", f"/v1/stores/{store}", shop.admin).json()
    assert seller_view["turnover_month_idr"] == 30_000


def test_checkout_totals_stripe_would_refuse_are_refused_before_anything_is_reserved(shop: Shop) -> None:
    seller = shop.user("seller")
    store = shop.store(seller)
    cheap = shop.product(seller, store, stock=10, price=1)
    dear = shop.product(seller, store, stock=1000, price=1_000_000_000)
    buyer = shop.user("buyer")
    for product, quantity, code in ((cheap, 1, "amount_too_small"), (dear, 999, "amount_too_large")):
        shop.call("DELETE", "/v1/cart", buyer)
        assert shop.put(buyer, product, quantity).status_code == 200
        refused = shop.checkout(buyer)
        assert refused.status_code == 422, refused.text
        err = error_of(refused.json())
        assert err["code"] == code and err["details"]["min_idr"] <= err["details"]["max_idr"]
        assert [i["product_id"] for i in shop.call("GET", "/v1/cart", buyer).json()["items"]] == [product]
    assert shop.stock(cheap, seller) == 10 and shop.stock(dear, seller) == 1000


def test_a_seller_cannot_buy_from_their_own_store(shop: Shop) -> None:
    both = shop.stack.headers(f"warung-{shop.tag}", ["buyer", "seller"])
    own = shop.product(both, shop.store(both), stock=5, price=20_000)
    refused = shop.put(both, own, 1)
    assert refused.status_code == 422
    err = error_of(refused.json())
    assert err["code"] == "own_store" and err["details"]["items"] == [{"product_id": own}]
    other_seller = shop.user("seller")
    theirs = shop.product(other_seller, shop.store(other_seller), stock=5, price=20_000)
    assert shop.put(both, theirs, 1).status_code == 200  # buying from someone else's store is fine
    assert shop.checkout(both).status_code == 201
