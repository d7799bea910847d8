"""Delivery and pickup per store, and the delivery fee at checkout (API.md "Fulfilment and handover").

A store's owner sets whether it offers pickup and where it delivers for what fee; checkout
adds each order's fee to its total and to the one PaymentIntent, and refuses a store that
cannot serve the buyer's address before anything is reserved or charged.
"""

from __future__ import annotations

import uuid
from typing import Any

import requests

from tests.e2e.shop import Shop
from tests.e2e.test_faults import stripe
from tests.helpers import error_of


def settle(shop: Shop, seller: dict[str, str], store_id: str, **settings: Any) -> dict[str, Any]:
    """The owner sets the store's pickup and delivery offer; return the store."""
    changed = shop.call("PATCH", f"/v1/stores/{store_id}", seller, settings)
    assert changed.status_code == 200, changed.text
    return dict(changed.json())


def checkout(shop: Shop, buyer: dict[str, str], fulfillment: dict[str, Any]) -> requests.Response:
    body = {"fulfillment": fulfillment}
    return shop.call("POST", "/v1/checkout", buyer, body, Idempotency_Key=uuid.uuid4().hex)


def order_of(shop: Shop, made: requests.Response, store_id: str) -> dict[str, Any]:
    order_id = next(o["order_id"] for o in made.json()["orders"] if o["store_id"] == store_id)
    return shop.order(shop.admin, order_id)


GUBENG = {"street": "Jl. Airlangga 4", "kecamatan": "gubeng", "kelurahan": "airlangga"}


def test_each_orders_delivery_fee_is_in_its_total_and_in_the_one_payment_intent(shop: Shop) -> None:
    seller_a, seller_b = shop.user("seller"), shop.user("seller")
    store_a, store_b = shop.store(seller_a), shop.store(seller_b, "Genteng", "Ketabang")
    settle(shop, seller_a, store_a, delivery={"enabled": True, "fee_idr": 8_000, "kecamatan": ["Gubeng", "Mulyorejo"]})
    settle(shop, seller_b, store_b, delivery={"enabled": True, "fee_idr": 5_000, "kecamatan": ["Genteng", "Gubeng"]})
    rice = shop.product(seller_a, store_a, stock=10, price=20_000, name="Kacang")
    oil = shop.product(seller_b, store_b, stock=10, price=15_000, name="Kecap")
    buyer = shop.user("buyer")
    assert shop.put(buyer, rice, 2).status_code == 200
    assert shop.put(buyer, oil, 1).status_code == 200

    made = checkout(shop, buyer, {"method": "delivery", "address": GUBENG})
    assert made.status_code == 201, made.text
    body = made.json()
    fees = {o["store_id"]: (o["total_idr"], o["delivery_fee_idr"]) for o in body["orders"]}
    assert fees == {store_a: (48_000, 8_000), store_b: (20_000, 5_000)}
    assert body["total_idr"] == body["payment"]["amount_idr"] == 68_000
    intent = stripe(shop, f"/v1/payment_intents/{body['payment']['payment_intent_id']}")
    assert intent["amount"] == 68_000 * 100 and intent["currency"] == "idr"  # IDR minor units at Stripe

    order = order_of(shop, made, store_a)
    assert (order["subtotal_idr"], order["delivery_fee_idr"], order["total_idr"]) == (40_000, 8_000, 48_000)
    assert order["fulfillment"]["address"] == "Jl. Airlangga 4"
    assert (order["fulfillment"]["kecamatan"], order["fulfillment"]["kelurahan"]) == ("Gubeng", "Airlangga")

    # Paid, the fee counts as part of the order's amount: in the store's turnover and the seller's earning.
    assert shop.pay(buyer, body["checkout_id"]).status_code == 200
    shop.wait_status(buyer, order["order_id"], "paid")

    def turnover() -> int:
        return int(shop.call("GET", f"/v1/stores/{store_a}", seller_a).json()["turnover_month_idr"])

    def pending() -> int:
        return int(shop.call("GET", f"/v1/stores/{store_a}/balance", seller_a).json()["pending_idr"])

    bps = int(shop.call("GET", "/v1/admin/settings", shop.admin).json()["platform_fee_bps"])
    shop.wait(lambda: turnover() == 48_000)
    shop.wait(lambda: pending() == 48_000 - 48_000 * bps // 10_000)  # less the platform's share, if any


def test_the_fee_is_waived_from_the_threshold_and_pickup_costs_nothing(shop: Shop) -> None:
    seller = shop.user("seller")
    store = shop.store(seller)
    settle(shop, seller, store, delivery={"enabled": True, "fee_idr": 8_000, "free_from_idr": 50_000, "kecamatan": []})
    product = shop.product(seller, store, stock=50, price=10_000)
    cases: list[tuple[int, dict[str, Any], int]] = [
        # (quantity, fulfillment, expected fee): the address names its kecamatan as a part of the text here
        (4, {"method": "delivery", "address": "Jl. Airlangga 4, Kec. Gubeng, Surabaya"}, 8_000),
        (5, {"method": "delivery", "address": "Jl. Airlangga 4", "kecamatan": "Gubeng"}, 0),
        (9, {"method": "delivery", "address": GUBENG}, 0),
        (1, {"method": "pickup"}, 0),
    ]
    for quantity, fulfillment, fee in cases:
        buyer = shop.user("buyer")
        assert shop.put(buyer, product, quantity).status_code == 200
        made = checkout(shop, buyer, fulfillment)
        assert made.status_code == 201, made.text
        order = order_of(shop, made, store)
        assert order["delivery_fee_idr"] == fee, (quantity, fulfillment)
        assert order["total_idr"] == made.json()["payment"]["amount_idr"] == quantity * 10_000 + fee


def test_a_store_that_cannot_serve_the_address_is_refused_before_anything_is_reserved(shop: Shop) -> None:
    seller, other = shop.user("seller"), shop.user("seller")
    store, serving = shop.store(seller), shop.store(other)
    settle(shop, seller, store, pickup=False, delivery={"enabled": True, "fee_idr": 5_000, "kecamatan": []})
    settle(shop, other, serving, delivery={"enabled": True, "fee_idr": 5_000, "kecamatan": ["Rungkut"]})
    product, fine = shop.product(seller, store, stock=7), shop.product(other, serving, stock=7)
    buyer = shop.user("buyer")
    assert shop.put(buyer, product, 2).status_code == 200
    assert shop.put(buyer, fine, 1).status_code == 200
    intents = len(stripe(shop, "/v1/payment_intents?limit=10000")["data"])

    far = checkout(
        shop, buyer, {"method": "delivery", "address": {**GUBENG, "kecamatan": "Rungkut", "kelurahan": None}}
    )
    assert far.status_code == 422, far.text
    error = error_of(far.json())
    assert error["code"] == "delivery_unavailable" and error["details"]["store_id"] == store
    assert [s["store_id"] for s in error["details"]["stores"]] == [store]  # the store serving Rungkut is fine
    no_pickup = checkout(shop, buyer, {"method": "pickup"})
    assert no_pickup.status_code == 422 and error_of(no_pickup.json())["details"]["store_id"] == store
    # The one that delivers to Rungkut only cannot serve Gubeng either: both are named.
    near = checkout(shop, buyer, {"method": "delivery", "address": GUBENG})
    assert near.status_code == 422
    assert {s["store_id"] for s in error_of(near.json())["details"]["stores"]} == {serving}
    # A chosen area needs to know where the delivery goes.
    nowhere = checkout(shop, buyer, {"method": "delivery", "address": "Jl. Pemuda 1, Surabaya"})
    assert nowhere.status_code == 422
    assert error_of(nowhere.json())["details"]["field"] == "fulfillment.kecamatan"

    # Nothing was reserved, charged or emptied.
    assert shop.stock(product, seller) == 7 and shop.stock(fine, other) == 7
    assert len(stripe(shop, "/v1/payment_intents?limit=10000")["data"]) == intents
    assert len(shop.call("GET", "/v1/cart", buyer).json()["items"]) == 2

    # Once the store delivers there (and stops delivering at all), checkout follows at once.
    settle(shop, other, serving, delivery={"kecamatan": ["Rungkut", "Gubeng"]})
    assert checkout(shop, buyer, {"method": "delivery", "address": GUBENG}).status_code == 201
    settle(shop, seller, store, delivery={"enabled": False})
    assert shop.put(buyer, product, 1).status_code == 200
    off = checkout(shop, buyer, {"method": "delivery", "address": GUBENG})
    assert off.status_code == 422 and error_of(off.json())["code"] == "delivery_unavailable"


def test_the_owner_sets_the_offer_field_by_field_and_bad_settings_are_refused_naming_the_field(shop: Shop) -> None:
    seller, stranger = shop.user("seller"), shop.user("seller")
    store = shop.store(seller)
    fresh = shop.call("GET", f"/v1/stores/{store}").json()
    # Never set: pickup, and delivery city-wide for free, as before the setting existed.
    assert fresh["pickup"] is True and fresh["delivery"]["enabled"] is True and fresh["delivery"]["fee_idr"] == 0
    assert len(fresh["delivery"]["areas"]) == 31

    shown = settle(
        shop, seller, store, delivery={"enabled": True, "fee_idr": 7_500, "free_from_idr": 90_000, "kecamatan": []}
    )
    assert shown["delivery"] == {
        "enabled": True,
        "fee_idr": 7_500,
        "free_from_idr": 90_000,
        "kecamatan": [],
        "areas": ["Gubeng"],
    }
    shown = settle(shop, seller, store, delivery={"kecamatan": ["tambak sari", "Gubeng", "gubeng"]})
    assert shown["delivery"]["kecamatan"] == ["Tambaksari", "Gubeng"] and shown["delivery"]["fee_idr"] == 7_500
    shown = settle(shop, seller, store, pickup=False, delivery={"free_from_idr": None})
    assert shown["pickup"] is False and shown["delivery"]["free_from_idr"] is None
    public = shop.call("GET", f"/v1/stores/{store}").json()  # buyers see the offer
    assert public["pickup"] is False and public["delivery"]["areas"] == ["Tambaksari", "Gubeng"]

    bad = [
        ({"delivery": {"fee_idr": -1}}, "delivery.fee_idr"),
        ({"delivery": {"fee_idr": 2_500.5}}, "delivery.fee_idr"),
        ({"delivery": {"fee_idr": 50_000_000}}, "delivery.fee_idr"),
        ({"delivery": {"free_from_idr": -10}}, "delivery.free_from_idr"),
        ({"delivery": {"kecamatan": ["Gubeng", "Atlantis"]}}, "delivery.kecamatan.1"),
        ({"delivery": None}, "delivery"),
        ({"pickup": None}, "pickup"),
    ]
    for body, field in bad:
        refused = shop.call("PATCH", f"/v1/stores/{store}", seller, body)
        assert refused.status_code == 422, (body, refused.text)
        assert error_of(refused.json())["details"]["field"] == field, body
    assert shop.call("PATCH", f"/v1/stores/{store}", stranger, {"pickup": True}).status_code == 403
    after = shop.call("GET", f"/v1/stores/{store}").json()
    assert after["pickup"] is False and after["delivery"] == shown["delivery"]


def test_stores_that_never_chose_still_deliver_anywhere_for_free(shop: Shop) -> None:
    seller = shop.user("seller")
    product = shop.product(seller, shop.store(seller, "Benowo", "Sememi"), stock=5, price=12_000)
    buyer = shop.user("buyer")
    assert shop.put(buyer, product, 1).status_code == 200
    made = checkout(shop, buyer, {"method": "delivery", "address": "Jl. Pemuda 1, Surabaya"})
    assert made.status_code == 201, made.text
    assert made.json()["orders"][0]["delivery_fee_idr"] == 0 and made.json()["total_idr"] == 12_000
