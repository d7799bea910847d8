"""Day one for real people, orders and notifications: who is told what, and what an order shows whom.

- a delivery order keeps a contact (name, phone) that only its buyer, its store's owner and
  admins see; no notification, checkout answer or log line carries it;
- a store owner completes a delivery order with the buyer's handover code (none: told which field);
- the buyer hears "payment received", the store owner of a buyer's cancel, the buyer of the
  store's; every order notice names its `order_id`, and entries can be marked read;
- a paid checkout forgets the declined attempt's error;
- a lower live price is taken at checkout (and said), a higher one still needs consent;
- admins search all orders by status, store, buyer and Jakarta days, newest first.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.e2e.shop import Shop
from tests.helpers import error_of

PHONE = "081298765432"  # as typed; orders keep it as +6281298765432
E164 = "+6281298765432"


def person(shop: Shop, role: str, **claims: str) -> dict[str, str]:
    return shop.stack.headers(f"{role}-{uuid.uuid4().hex[:8]}-{shop.tag}", [role], **claims)


def paid_order(shop: Shop, buyer: dict[str, str], seller: dict[str, str], store_id: str, method: str = "pickup") -> str:
    product = shop.product(seller, store_id, stock=10)
    assert shop.put(buyer, product, 1).status_code == 200
    made = shop.checkout(buyer, method=method)
    assert made.status_code == 201, made.text
    order_id = str(made.json()["orders"][0]["order_id"])
    assert shop.pay(buyer, made.json()["checkout_id"]).status_code == 200
    shop.wait_status(buyer, order_id, "paid")
    return order_id


def inbox(shop: Shop, who: dict[str, str]) -> list[dict[str, Any]]:
    return shop.every("/v1/me/notifications", who)


def notices(shop: Shop, who: dict[str, str], order_id: str) -> dict[str, dict[str, Any]]:
    """The entries of someone's inbox about one order, by kind."""
    return {n["kind"]: n for n in inbox(shop, who) if n.get("order_id") == order_id}


def test_a_delivery_order_shows_its_contact_to_the_buyer_the_store_and_admins_only(shop: Shop) -> None:
    seller, stranger = shop.user("seller"), shop.user("seller")
    store = shop.store(seller)
    shop.store(stranger)
    buyer = person(shop, "buyer", name="Siti Rahayu", phone_number=PHONE)
    order_id = paid_order(shop, buyer, seller, store, method="delivery")
    # Taken from the buyer's token, since the checkout named no contact.
    contact = {"name": "Siti Rahayu", "phone_number": E164}
    for who in (buyer, seller, shop.admin):
        assert shop.order(who, order_id)["fulfillment"]["contact"] == contact
    assert shop.call("GET", f"/v1/orders/{order_id}", stranger).status_code == 404
    listed = shop.call("GET", f"/v1/stores/{store}/orders", seller).json()["items"]
    assert [o["fulfillment"]["contact"] for o in listed if o["order_id"] == order_id] == [contact]
    # Nothing else carries it: not the notices (either side), not the checkout, not a log line.
    shop.stack.drain()
    for who in (buyer, seller):
        entries = inbox(shop, who)
        assert entries and not any("Siti" in str(n) or "98765432" in str(n) for n in entries)
    assert not any("98765432" in line or "Siti Rahayu" in line for line in shop.stack.output)


def test_a_contact_given_at_checkout_wins_and_a_bad_phone_is_named(shop: Shop) -> None:
    seller = shop.user("seller")
    product = shop.product(seller, shop.store(seller), stock=10)
    buyer = person(shop, "buyer", name="Siti Rahayu", phone_number=PHONE)
    assert shop.put(buyer, product, 1).status_code == 200
    body: dict[str, Any] = {"fulfillment": {"method": "delivery", "address": "Jl. Pemuda 1", "contact": {}}}
    body["fulfillment"]["contact"] = {"name": "Budi", "phone_number": "12"}
    bad = shop.call("POST", "/v1/checkout", buyer, body, Idempotency_Key=uuid.uuid4().hex)
    assert bad.status_code == 422 and error_of(bad.json())["details"]["field"] == "fulfillment.contact.phone_number"
    body["fulfillment"]["contact"] = {"name": "Budi", "phone_number": "0812-1111-2222"}
    made = shop.call("POST", "/v1/checkout", buyer, body, Idempotency_Key=uuid.uuid4().hex)
    assert made.status_code == 201, made.text
    assert "contact" not in str(made.json())
    order = shop.order(buyer, made.json()["orders"][0]["order_id"])
    assert order["fulfillment"]["contact"] == {"name": "Budi", "phone_number": "+6281211112222"}


def test_a_delivery_from_a_buyer_with_no_phone_is_still_taken(shop: Shop) -> None:
    """API.md's checkout body names no contact: a buyer whose token and profile have no phone still checks out."""
    seller = shop.user("seller")
    product = shop.product(seller, shop.store(seller), stock=10)
    buyer = shop.user("buyer")
    assert shop.put(buyer, product, 1).status_code == 200
    made = shop.checkout(buyer, method="delivery")
    assert made.status_code == 201, made.text
    assert shop.order(buyer, made.json()["orders"][0]["order_id"])["fulfillment"].get("contact") is None
    # A phone saved in the profile is used.
    assert shop.call("PUT", "/v1/me", buyer, {"phone_number": PHONE}).status_code == 200
    assert shop.put(buyer, product, 1).status_code == 200
    again = shop.checkout(buyer, method="delivery")
    contact = shop.order(buyer, again.json()["orders"][0]["order_id"])["fulfillment"]["contact"]
    assert contact == {"name": None, "phone_number": E164}


def test_the_store_completes_a_delivery_order_with_the_buyers_handover_code(shop: Shop) -> None:
    seller = shop.user("seller")
    store = shop.store(seller)
    buyer = shop.user("buyer")
    order_id = paid_order(shop, buyer, seller, store, method="delivery")
    for step in ("accept", "ready"):
        assert shop.call("POST", f"/v1/orders/{order_id}/{step}", seller).status_code == 200
    refused = shop.call("POST", f"/v1/orders/{order_id}/complete", seller)
    assert refused.status_code == 422
    error = error_of(refused.json())
    assert error["code"] == "validation_error" and error["details"]["field"] == "handover_code"
    code = shop.order(buyer, order_id)["handover_code"]
    done = shop.call("POST", f"/v1/orders/{order_id}/complete", seller, {"handover_code": code})
    assert done.status_code == 200 and done.json()["status"] == "completed", done.text


def test_payment_received_and_every_order_notice_names_its_order(shop: Shop) -> None:
    seller = shop.user("seller")
    store = shop.store(seller)
    buyer = shop.user("buyer")
    order_id = paid_order(shop, buyer, seller, store)
    shop.wait(lambda: "payment_received" in notices(shop, buyer, order_id))
    shop.wait(lambda: "order_paid" in notices(shop, seller, order_id))
    received = notices(shop, buyer, order_id)["payment_received"]
    assert received["read"] is False and "10.000" in received["body"]
    assert shop.call("POST", f"/v1/orders/{order_id}/accept", seller).status_code == 200
    shop.wait(lambda: "order_accepted" in notices(shop, buyer, order_id))
    profile_note = shop.call("PUT", "/v1/me", buyer, {"locale": "en"})
    assert profile_note.status_code == 200
    shop.wait(lambda: any(n["kind"] == "profile_updated" for n in inbox(shop, buyer)))
    assert next(n for n in inbox(shop, buyer) if n["kind"] == "profile_updated").get("order_id") is None


def test_notifications_are_marked_read_in_bulk_or_one_by_one(shop: Shop) -> None:
    seller = shop.user("seller")
    store = shop.store(seller)
    buyer = shop.user("buyer")
    order_id = paid_order(shop, buyer, seller, store)
    assert shop.call("POST", f"/v1/orders/{order_id}/accept", seller).status_code == 200
    shop.wait(lambda: {"payment_received", "order_accepted"} <= set(notices(shop, buyer, order_id)))
    shop.wait(lambda: "order_paid" in notices(shop, seller, order_id))
    mine = notices(shop, buyer, order_id)
    first, second = mine["payment_received"]["id"], mine["order_accepted"]["id"]
    theirs = notices(shop, seller, order_id)["order_paid"]["id"]
    # Bulk: someone else's and unknown ids are ignored; marking twice is the same.
    for _ in range(2):
        done = shop.call("POST", "/v1/me/notifications/read", buyer, {"ids": [first, theirs, "01UNKNOWN"]})
        assert done.status_code == 204 and done.text == ""
    read = {n["id"]: n["read"] for n in inbox(shop, buyer)}
    assert read[first] is True and read[second] is False
    assert notices(shop, seller, order_id)["order_paid"]["read"] is False
    # One by one: 404 for an id that is not the caller's.
    assert shop.call("POST", f"/v1/me/notifications/{theirs}/read", buyer).status_code == 404
    assert shop.call("POST", "/v1/me/notifications/01UNKNOWN/read", buyer).status_code == 404
    for _ in range(2):
        assert shop.call("POST", f"/v1/me/notifications/{second}/read", buyer).status_code == 204
    assert all(n["read"] for n in notices(shop, buyer, order_id).values())
    assert notices(shop, seller, order_id)["order_paid"]["read"] is False
    bad_bodies: list[dict[str, Any]] = [{"ids": []}, {"ids": [f"id{i}" for i in range(101)]}, {"ids": [""]}, {}]
    for bad in bad_bodies:
        refused = shop.call("POST", "/v1/me/notifications/read", buyer, bad)
        assert refused.status_code == 422, bad
        assert error_of(refused.json())["details"]["field"].startswith("ids")


def test_a_cancel_is_told_to_the_other_side(shop: Shop) -> None:
    seller = shop.user("seller")
    store = shop.store(seller)
    buyer = shop.user("buyer")
    by_buyer = paid_order(shop, buyer, seller, store)
    by_store = paid_order(shop, buyer, seller, store)
    by_admin = paid_order(shop, buyer, seller, store)
    for order_id, who in ((by_buyer, buyer), (by_store, seller), (by_admin, shop.admin)):
        moved = shop.call("POST", f"/v1/orders/{order_id}/cancel", who, {"reason": "salah pesan"})
        assert moved.status_code == 200, moved.text
    shop.stack.drain()
    shop.wait(lambda: "order_cancelled_by_buyer" in notices(shop, seller, by_buyer))
    shop.wait(lambda: "order_cancelled_by_admin" in notices(shop, seller, by_admin))
    shop.wait(lambda: "order_cancelled" in notices(shop, buyer, by_store))
    shop.wait(lambda: "order_cancelled" in notices(shop, buyer, by_admin))
    shop.stack.drain()
    # The store is not told of its own cancel.
    assert not any(k.startswith("order_cancelled") for k in notices(shop, seller, by_store))
    assert "order_cancelled" in notices(shop, buyer, by_buyer)  # the buyer's own cancel is confirmed, as before


def test_a_paid_checkout_forgets_the_declined_attempt(shop: Shop) -> None:
    seller = shop.user("seller")
    product = shop.product(seller, shop.store(seller), stock=5)
    buyer = shop.user("buyer")
    assert shop.put(buyer, product, 1).status_code == 200
    made = shop.checkout(buyer).json()
    checkout_path = f"/v1/checkouts/{made['checkout_id']}"
    assert shop.pay(buyer, made["checkout_id"], outcome="declined").status_code == 200
    shop.wait(lambda: shop.call("GET", checkout_path, buyer).json()["payment_error"] is not None)
    assert shop.pay(buyer, made["checkout_id"]).status_code == 200
    shop.wait_status(buyer, made["orders"][0]["order_id"], "paid")
    assert shop.call("GET", checkout_path, buyer).json()["payment_error"] is None
    shop.wait(lambda: shop.call("GET", checkout_path, buyer).json()["status"] == "paid")
    assert shop.call("GET", checkout_path, buyer).json()["payment_error"] is None


def test_a_lower_price_is_taken_and_a_higher_one_needs_consent(shop: Shop) -> None:
    seller = shop.user("seller")
    store = shop.store(seller)
    cheaper = shop.product(seller, store, stock=10, price=10_000)
    steady = shop.product(seller, store, stock=10, price=5_000)
    buyer = shop.user("buyer")
    assert shop.put(buyer, cheaper, 2).status_code == 200
    assert shop.put(buyer, steady, 1).status_code == 200
    patched = shop.call("PATCH", f"/v1/products/{cheaper}", seller, {"price_idr": 8_000})
    assert patched.status_code == 200, patched.text
    made = shop.checkout(buyer)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["price_changes"] == [{"product_id": cheaper, "seen_price_idr": 10_000, "price_idr": 8_000}]
    assert body["total_idr"] == body["payment"]["amount_idr"] == 2 * 8_000 + 5_000
    lines = {
        line["product_id"]: line["unit_price_idr"] for line in shop.order(buyer, body["orders"][0]["order_id"])["lines"]
    }
    assert lines == {cheaper: 8_000, steady: 5_000}
    # Higher: 409 with the live price, nothing reserved; viewing the cart is the consent.
    assert shop.put(buyer, steady, 1).status_code == 200
    assert shop.call("PATCH", f"/v1/products/{steady}", seller, {"price_idr": 6_000}).status_code == 200
    refused = shop.checkout(buyer)
    assert refused.status_code == 409
    assert error_of(refused.json())["details"]["items"] == [{"product_id": steady, "unit_price_idr": 6_000}]
    assert shop.stock(steady, seller) == 9
    assert shop.call("GET", "/v1/cart", buyer).json()["total_idr"] == 6_000
    again = shop.checkout(buyer)
    assert again.status_code == 201 and again.json()["price_changes"] == []


def test_admins_search_all_orders(shop: Shop) -> None:
    seller_a, seller_b = shop.user("seller"), shop.user("seller")
    store_a, store_b = shop.store(seller_a), shop.store(seller_b)
    buyer_1, buyer_2 = shop.user("buyer"), shop.user("buyer")
    buyer_1_id = shop.call("GET", "/v1/me", buyer_1).json()["user_id"]
    paid = paid_order(shop, buyer_1, seller_a, store_a)
    orders = [paid]
    for buyer, seller, store in ((buyer_2, seller_a, store_a), (buyer_1, seller_b, store_b)):
        product = shop.product(seller, store, stock=5)
        assert shop.put(buyer, product, 1).status_code == 200
        orders.append(str(shop.checkout(buyer).json()["orders"][0]["order_id"]))
    unpaid_a, newest = orders[1], orders[2]

    def search(query: str) -> list[str]:
        response = shop.call("GET", f"/v1/admin/orders?{query}", shop.admin)
        assert response.status_code == 200, response.text
        return [o["order_id"] for o in response.json()["items"]]

    assert search("limit=1") == [newest]  # no filter: newest first over every store
    assert search(f"store_id={store_a}") == [unpaid_a, paid]
    assert search(f"buyer_id={buyer_1_id}") == [newest, paid]
    assert search(f"store_id={store_a}&buyer_id={buyer_1_id}") == [paid]
    assert search(f"store_id={store_a}&status=paid") == [paid]
    assert search(f"store_id={store_b}&status=paid") == []
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    tomorrow, yesterday = today + timedelta(days=1), today - timedelta(days=1)
    assert search(f"store_id={store_a}&from={today}&to={today}") == [unpaid_a, paid]
    assert search(f"store_id={store_a}&from={tomorrow}") == []
    assert search(f"store_id={store_a}&to={yesterday}") == []
    assert newest in search(f"from={today}&to={today}&limit=100")
    assert search(f"to={yesterday}&buyer_id={buyer_1_id}") == []
    # Paging with the month walk and with an index: every order once, newest first.
    seen: list[str] = []
    cursor = ""
    for _ in range(10):
        page = shop.call("GET", f"/v1/admin/orders?store_id={store_a}&limit=1{cursor}", shop.admin).json()
        seen += [o["order_id"] for o in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert seen == [unpaid_a, paid]
    first = shop.call("GET", "/v1/admin/orders?limit=2", shop.admin).json()
    second = shop.call("GET", f"/v1/admin/orders?limit=2&cursor={first['next_cursor']}", shop.admin).json()
    walked = [o["order_id"] for o in first["items"] + second["items"]]
    assert walked[:3] == [newest, unpaid_a, paid] and len(set(walked)) == len(walked)
    for bad, field in (
        ("from=2026-13-01", "from"),
        (f"from={today}&to={yesterday}", "from"),
        ("status=lost", "status"),
    ):
        refused = shop.call("GET", f"/v1/admin/orders?{bad}", shop.admin)
        assert refused.status_code == 422, bad
        assert error_of(refused.json())["details"]["field"] == field
    assert shop.call("GET", "/v1/admin/orders", buyer_1).status_code == 403
