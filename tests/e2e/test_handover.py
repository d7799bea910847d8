"""Handover codes over HTTP: the buyer's proof of delivery or pickup.

- once an order is ready its buyer's view shows a six-digit `handover_code`; no other view
  (the store's, an admin's, any list) and no notice in the store's inbox carries it;
- the store completes a delivery or a pickup order only with that code: none is 422
  `validation_error` naming `handover_code`, a wrong one 422 `invalid_handover_code`;
- five wrong codes lock the handover for 15 minutes (429 `too_many_attempts`, even for the
  right code), counted in DynamoDB, so parallel guesses get no more than five answers;
  after the 15 minutes the right code completes it, and wrong codes are counted afresh;
- the buyer completes without a code; the schedule completes a ready order after
  `auto_complete_days`, and the order then shows `completed_without_confirmation: true`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.e2e.shop import Shop
from tests.helpers import error_of

Headers = dict[str, str]


def ready_order(shop: Shop, method: str = "pickup") -> tuple[Headers, Headers, str]:
    """A buyer's paid order at a new store, accepted and marked ready: (buyer, seller, order_id)."""
    seller, buyer = shop.user("seller"), shop.user("buyer")
    product = shop.product(seller, shop.store(seller), stock=5)
    assert shop.put(buyer, product, 1).status_code == 200
    made = shop.checkout(buyer, method=method)
    assert made.status_code == 201, made.text
    order_id = str(made.json()["orders"][0]["order_id"])
    assert shop.pay(buyer, made.json()["checkout_id"]).status_code == 200
    shop.wait_status(buyer, order_id, "paid")
    for step in ("accept", "ready"):
        moved = shop.call("POST", f"/v1/orders/{order_id}/{step}", seller)
        assert moved.status_code == 200, moved.text
        assert "handover_code" not in moved.json()  # the store's answers never carry it
    return buyer, seller, order_id


def code_of(shop: Shop, buyer: Headers, order_id: str) -> str:
    code = shop.order(buyer, order_id)["handover_code"]
    assert re.fullmatch(r"[0-9]{6}", code), code
    return str(code)


def other_than(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def complete(shop: Shop, who: Headers, order_id: str, code: str | None = None) -> requests.Response:
    return shop.call("POST", f"/v1/orders/{order_id}/complete", who, None if code is None else {"handover_code": code})


def test_the_code_is_shown_to_the_buyer_only_once_the_order_is_ready(shop: Shop) -> None:
    seller, buyer = shop.user("seller"), shop.user("buyer")
    store = shop.store(seller)
    product = shop.product(seller, store, stock=5)
    shop.put(buyer, product, 1)
    made = shop.checkout(buyer).json()
    order_id = made["orders"][0]["order_id"]
    shop.pay(buyer, made["checkout_id"])
    shop.wait_status(buyer, order_id, "paid")
    assert shop.call("POST", f"/v1/orders/{order_id}/accept", seller).status_code == 200
    assert "handover_code" not in shop.order(buyer, order_id)  # not before ready
    assert shop.call("POST", f"/v1/orders/{order_id}/ready", seller).status_code == 200

    code = code_of(shop, buyer, order_id)
    assert code_of(shop, buyer, order_id) == code  # made once, never changes
    assert "handover_code" not in shop.order(seller, order_id)
    assert "handover_code" not in shop.order(shop.admin, order_id)
    lists = [
        shop.every("/v1/orders", buyer),
        shop.every(f"/v1/stores/{store}/orders", seller),
        shop.every(f"/v1/stores/{store}/orders", shop.admin),
        shop.call("GET", f"/v1/admin/orders?buyer_id={made_by(shop, buyer, order_id)}", shop.admin).json()["items"],
    ]
    for listed in lists:
        assert [o for o in listed if o["order_id"] == order_id], "the order is listed"
        assert all("handover_code" not in o for o in listed)
    checkout = shop.call("GET", f"/v1/checkouts/{made['checkout_id']}", buyer).json()
    assert code not in json.dumps(checkout)
    shop.stack.drain()
    seller_inbox = shop.every("/v1/me/notifications", seller)
    assert any(n.get("order_id") == order_id for n in seller_inbox), "the store heard of the order"
    assert code not in json.dumps(seller_inbox)
    admin_inbox = shop.call("GET", "/v1/admin/notifications?limit=100", shop.admin).json()
    assert code not in json.dumps(admin_inbox)


def made_by(shop: Shop, buyer: Headers, order_id: str) -> str:
    return str(shop.order(buyer, order_id)["buyer_id"])


def test_the_store_completes_a_delivery_order_with_the_buyers_code(shop: Shop) -> None:
    buyer, seller, order_id = ready_order(shop, method="delivery")
    code = code_of(shop, buyer, order_id)

    missing = complete(shop, seller, order_id)
    assert missing.status_code == 422, missing.text
    error = error_of(missing.json())
    assert error["code"] == "validation_error" and error["details"]["field"] == "handover_code"

    wrong = complete(shop, seller, order_id, other_than(code))
    assert wrong.status_code == 422, wrong.text
    error = error_of(wrong.json())
    assert error["code"] == "invalid_handover_code" and error["details"]["attempts_left"] == 4
    assert shop.order(buyer, order_id)["status"] == "ready"

    done = complete(shop, seller, order_id, code)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed" and done.json()["completed_without_confirmation"] is False
    assert "handover_code" not in done.json()
    again = complete(shop, seller, order_id, code)
    assert again.status_code == 409 and error_of(again.json())["code"] == "invalid_transition"


def test_a_pickup_order_needs_the_code_too_and_a_code_is_no_use_before_ready(shop: Shop) -> None:
    seller, buyer = shop.user("seller"), shop.user("buyer")
    product = shop.product(seller, shop.store(seller), stock=5)
    shop.put(buyer, product, 1)
    made = shop.checkout(buyer, method="pickup").json()
    order_id = made["orders"][0]["order_id"]
    shop.pay(buyer, made["checkout_id"])
    shop.wait_status(buyer, order_id, "paid")
    shop.call("POST", f"/v1/orders/{order_id}/accept", seller)
    early = complete(shop, seller, order_id, "123456")
    assert early.status_code == 409 and error_of(early.json())["code"] == "invalid_transition"
    shop.call("POST", f"/v1/orders/{order_id}/ready", seller)
    missing = complete(shop, seller, order_id)
    assert missing.status_code == 422 and error_of(missing.json())["details"]["field"] == "handover_code"
    assert complete(shop, seller, order_id, code_of(shop, buyer, order_id)).json()["status"] == "completed"


def test_five_wrong_codes_lock_the_handover_for_fifteen_minutes(shop: Shop) -> None:
    logged = len(shop.stack.output)
    buyer, seller, order_id = ready_order(shop)
    code = code_of(shop, buyer, order_id)
    for left in (4, 3, 2, 1, 0):
        wrong = complete(shop, seller, order_id, other_than(code))
        assert wrong.status_code == 422, wrong.text
        assert error_of(wrong.json())["code"] == "invalid_handover_code"
        assert error_of(wrong.json())["details"]["attempts_left"] == left

    try:
        for offset in (0, 14 * 60):
            shop.clock(offset)
            locked = complete(shop, seller, order_id, code)  # even the right code
            assert locked.status_code == 429, locked.text
            error = error_of(locked.json())
            assert error["code"] == "too_many_attempts" and 0 < error["details"]["retry_after_seconds"] <= 15 * 60
        assert shop.order(buyer, order_id)["status"] == "ready"
        shop.clock(15 * 60 + 5)
        done = complete(shop, seller, order_id, code)
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "completed"
    finally:
        shop.clock(0)
    lines = shop.stack.output[logged:]
    assert any("order_ready" in line for line in lines), "the stack's log lines are read"
    assert not [line for line in lines if "handover_code" in line or f'"{code}"' in line or f"'{code}'" in line]


def test_wrong_codes_after_a_lockout_are_counted_afresh(shop: Shop) -> None:
    buyer, seller, order_id = ready_order(shop)
    code = code_of(shop, buyer, order_id)
    for _ in range(5):
        assert complete(shop, seller, order_id, other_than(code)).status_code == 422
    try:
        shop.clock(16 * 60)
        wrong = complete(shop, seller, order_id, other_than(code))
        assert wrong.status_code == 422 and error_of(wrong.json())["details"]["attempts_left"] == 4
    finally:
        shop.clock(0)


def test_the_buyer_completes_without_a_code_even_while_the_store_is_locked_out(shop: Shop) -> None:
    buyer, seller, order_id = ready_order(shop, method="delivery")
    code = code_of(shop, buyer, order_id)
    for _ in range(5):
        complete(shop, seller, order_id, other_than(code))
    assert complete(shop, seller, order_id, code).status_code == 429
    done = complete(shop, buyer, order_id)  # no body at all
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed" and done.json()["completed_without_confirmation"] is False
    assert shop.order(seller, order_id)["completed_without_confirmation"] is False


def test_an_admin_may_not_complete_an_order_with_or_without_the_code(shop: Shop) -> None:
    buyer, _, order_id = ready_order(shop)
    for body in (None, {"handover_code": code_of(shop, buyer, order_id)}):
        refused = shop.call("POST", f"/v1/orders/{order_id}/complete", shop.admin, body)
        assert refused.status_code == 403 and error_of(refused.json())["code"] == "forbidden"


def test_auto_complete_marks_the_order_completed_without_confirmation(shop: Shop) -> None:
    buyer, seller, order_id = ready_order(shop, method="delivery")
    assert shop.order(buyer, order_id)["completed_without_confirmation"] is False
    days = int(shop.call("GET", "/v1/admin/settings", shop.admin).json()["auto_complete_days"])
    try:
        shop.clock(days * 86400 + 60)
        assert shop.run_schedule("auto_complete")["completed"] >= 1
    finally:
        shop.clock(0)
    for who in (buyer, seller, shop.admin):
        shown = shop.order(who, order_id)
        assert shown["status"] == "completed" and shown["completed_without_confirmation"] is True
    listed = [o for o in shop.every("/v1/orders", buyer) if o["order_id"] == order_id]
    assert listed and listed[0]["completed_without_confirmation"] is True


def test_parallel_wrong_codes_cannot_pass_the_fifth(shop: Shop) -> None:
    buyer, seller, order_id = ready_order(shop)
    code = code_of(shop, buyer, order_id)
    guesses = [f"{(int(code) + n) % 1_000_000:06d}" for n in range(1, 13)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda guess: complete(shop, seller, order_id, guess), guesses))
    codes = Counter(error_of(a.json())["code"] for a in answers)
    assert codes == {"invalid_handover_code": 5, "too_many_attempts": 7}, codes
    assert complete(shop, seller, order_id, code).status_code == 429
    assert shop.order(buyer, order_id)["status"] == "ready"
