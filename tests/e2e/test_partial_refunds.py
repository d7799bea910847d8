"""Partial refunds over HTTP: an order may carry several refunds, their sum never exceeds its total.

An officer's goodwill refund (`POST /v1/admin/orders/{order_id}/refunds`) is what disputes use
underneath (`payments.partial.refund_part`). Each partial refund is one Stripe refund of its
amount; once Stripe says it succeeded it lowers the ASN's spending, the store's turnover and the
seller's balance, each once per refund; a later cancel refunds only what is left.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from tests.e2e.shop import Shop
from tests.helpers import error_of


def _asn_buyer(shop: Shop) -> dict[str, str]:
    """A rostered ASN buyer (their spending counts), signed in once so the roster row is linked."""
    nip = "19" + str(uuid.uuid4().int)[:16]
    row = {"nip": nip, "name": "Ani", "department": f"Dinas {shop.tag}", "grade": "III/a"}
    assert shop.call("POST", "/v1/admin/asn", shop.admin, {"rows": [row]}).status_code == 200
    buyer = shop.stack.headers(f"asn-{uuid.uuid4().hex[:8]}-{shop.tag}", ["buyer"], nip=nip)
    assert shop.call("GET", "/v1/me", buyer).status_code == 200
    return buyer


def _paid_order(
    shop: Shop, buyer: dict[str, str] | None = None, price: int = 10_000, quantity: int = 3
) -> tuple[dict[str, str], dict[str, str], str, str, str]:
    """Buy `quantity` of one product and pay: buyer, seller, store, product and order ids."""
    seller = shop.user("seller")
    store = shop.store(seller)
    product = shop.product(seller, store, stock=10, price=price)
    buyer = buyer or shop.user("buyer")
    assert shop.put(buyer, product, quantity).status_code == 200
    made = shop.checkout(buyer)
    assert made.status_code == 201, made.text
    assert shop.pay(buyer, made.json()["checkout_id"]).json()["payment_intent_status"] == "succeeded"
    order_id = str(made.json()["orders"][0]["order_id"])
    shop.wait_status(buyer, order_id, "paid")
    return buyer, seller, store, product, order_id


def _refund(shop: Shop, order_id: str, amount: int, key: str | None = None, **extra: Any) -> Any:
    body = {"amount_idr": amount, "reason": "telur pecah", **extra}
    path = f"/v1/admin/orders/{order_id}/refunds"
    return shop.call("POST", path, shop.admin, body, Idempotency_Key=key or uuid.uuid4().hex)


def _done(shop: Shop, buyer: dict[str, str], order_id: str, count: int) -> dict[str, Any]:
    """Wait until the order shows `count` refunds, all succeeded, and their effects are counted."""
    shop.wait(
        lambda: [r["status"] for r in shop.order(buyer, order_id)["refunds"]] == ["succeeded"] * count, timeout=45
    )
    shop.stack.drain()
    return shop.order(buyer, order_id)


def _stripe_refunds(shop: Shop, buyer: dict[str, str], order: dict[str, Any]) -> list[dict[str, Any]]:
    intent = shop.call("GET", f"/v1/checkouts/{order['checkout_id']}", buyer).json()["payment"]["payment_intent_id"]
    return list(shop.stripe_get(f"/v1/refunds?payment_intent={intent}&limit=100")["data"])


def _turnover(shop: Shop, store: str) -> int:
    return int(shop.call("GET", f"/v1/stores/{store}", shop.admin).json()["turnover_month_idr"])


def test_two_partial_refunds_then_one_above_what_is_left_is_refused_and_each_lowers_the_money(shop: Shop) -> None:
    buyer = _asn_buyer(shop)
    buyer, seller, store, product, order_id = _paid_order(shop, buyer, price=10_000, quantity=3)  # 30.000
    shop.wait(lambda: _turnover(shop, store) == 30_000)

    first = _refund(shop, order_id, 8_000, lines=[{"product_id": product, "quantity": 1}])
    assert first.status_code == 202, first.text
    made = first.json()
    assert (made["order_id"], made["amount_idr"], made["status"], made["reason"]) == (
        order_id,
        8_000,
        "pending",
        "telur pecah",
    )
    assert made["lines"] == [{"product_id": product, "quantity": 1}]
    second = _refund(shop, order_id, 12_000)
    assert second.status_code == 202, second.text

    # 20.000 refunded of 30.000: 10.001 is too much, and nothing of it is recorded.
    above = _refund(shop, order_id, 10_001)
    assert above.status_code == 422, above.text
    err = error_of(above.json())
    assert err["code"] == "validation_error" and err["details"]["field"] == "amount_idr"
    # Quantities: 3 bought, 1 refunded by line: 3 more is above what is left.
    too_many = _refund(shop, order_id, 1_000, lines=[{"product_id": product, "quantity": 3}])
    assert too_many.status_code == 422 and error_of(too_many.json())["details"]["field"] == "lines.0.quantity"
    stranger = _refund(shop, order_id, 1_000, lines=[{"product_id": "01NOTINTHEORDER0000000000", "quantity": 1}])
    assert stranger.status_code == 422 and error_of(stranger.json())["details"]["field"] == "lines.0.product_id"

    order = _done(shop, buyer, order_id, 2)
    assert order["refunded_idr"] == 20_000 and order["status"] == "paid"
    assert [(r["refund_id"], r["amount_idr"]) for r in order["refunds"]] == [
        (made["refund_id"], 8_000),
        (second.json()["refund_id"], 12_000),
    ]
    assert order["refund"] == {"status": "succeeded", "amount_idr": 8_000}  # the first refund
    assert shop.order(seller, order_id)["refunded_idr"] == 20_000  # the seller's view shows them too

    # One Stripe refund per partial refund, of its amount, naming it in the metadata.
    at_stripe = _stripe_refunds(shop, buyer, order)  # (Stripe counts IDR in hundredths)
    assert sorted((r["amount"], r["metadata"].get("refund_id")) for r in at_stripe) == sorted(
        [(800_000, made["refund_id"]), (1_200_000, second.json()["refund_id"])]
    )

    # Each lowered the ASN's spending, the store's turnover and the seller's balance, once.
    assert shop.call("GET", "/v1/me/spending", buyer).json()["spent_idr"] == 10_000
    assert _turnover(shop, store) == 10_000
    assert shop.call("GET", f"/v1/stores/{store}/balance", seller).json()["pending_idr"] == 10_000
    entries = shop.call("GET", f"/v1/stores/{store}/statement", seller).json()["entries"]
    assert sorted((e["kind"], e["amount_idr"]) for e in entries) == [
        ("earning", 30_000),
        ("refund", -12_000),
        ("refund", -8_000),
    ]

    # What is left may still be refunded, to the rupiah.
    last = _refund(shop, order_id, 10_000)
    assert last.status_code == 202, last.text
    order = _done(shop, buyer, order_id, 3)
    assert order["refunded_idr"] == 30_000 and len(_stripe_refunds(shop, buyer, order)) == 3
    assert _refund(shop, order_id, 1).status_code == 422
    assert shop.call("GET", "/v1/me/spending", buyer).json()["spent_idr"] == 0


def test_the_same_idempotency_key_makes_one_refund_and_an_unpaid_order_is_refused(shop: Shop) -> None:
    buyer, _, _, _, order_id = _paid_order(shop, price=5_000, quantity=2)
    key = uuid.uuid4().hex
    once, again = _refund(shop, order_id, 3_000, key=key), _refund(shop, order_id, 3_000, key=key)
    assert once.status_code == again.status_code == 202 and once.json()["refund_id"] == again.json()["refund_id"]
    assert len(_done(shop, buyer, order_id, 1)["refunds"]) == 1
    keyless = shop.call("POST", f"/v1/admin/orders/{order_id}/refunds", shop.admin, {"amount_idr": 1, "reason": "x"})
    assert keyless.status_code == 400 and error_of(keyless.json())["code"] == "idempotency_key_required"

    seller = shop.user("seller")
    product = shop.product(seller, shop.store(seller), stock=5, price=5_000)
    other = shop.user("buyer")
    assert shop.put(other, product, 1).status_code == 200
    unpaid = shop.checkout(other).json()["orders"][0]["order_id"]
    refused = _refund(shop, unpaid, 1_000)
    assert refused.status_code == 422 and error_of(refused.json())["code"] == "validation_error"
    assert shop.order(other, unpaid)["refunds"] == [] and shop.order(other, unpaid)["refunded_idr"] == 0


def test_a_cancel_after_a_partial_refund_refunds_only_the_rest(shop: Shop) -> None:
    buyer, seller, store, _, order_id = _paid_order(shop, price=10_000, quantity=2)  # 20.000
    assert _refund(shop, order_id, 7_500).status_code == 202
    _done(shop, buyer, order_id, 1)
    assert shop.call("POST", f"/v1/orders/{order_id}/cancel", buyer, {"reason": "tidak jadi"}).status_code == 200
    order = _done(shop, buyer, order_id, 2)
    assert order["status"] == "cancelled" and order["refunded_idr"] == 20_000
    assert [r["amount_idr"] for r in order["refunds"]] == [7_500, 12_500]
    assert sorted(r["amount"] for r in _stripe_refunds(shop, buyer, order)) == [750_000, 1_250_000]
    assert _turnover(shop, store) == 0
    assert shop.call("GET", f"/v1/stores/{store}/balance", seller).json()["pending_idr"] == 0
    assert _refund(shop, order_id, 1).status_code == 422  # a cancelled order takes no more refunds


def test_concurrent_partial_refunds_never_exceed_the_total(shop: Shop) -> None:
    buyer, _, _, _, order_id = _paid_order(shop, price=10_000, quantity=1)  # 10.000
    answers: list[int] = []

    def ask() -> None:
        answers.append(_refund(shop, order_id, 3_000).status_code)

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [202, 202, 202, 422, 422, 422]
    order = _done(shop, buyer, order_id, 3)
    assert order["refunded_idr"] == 9_000 == sum(r["amount_idr"] for r in order["refunds"])
    assert len(_stripe_refunds(shop, buyer, order)) == 3
