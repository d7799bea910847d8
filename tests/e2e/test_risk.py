"""Risk signals over HTTP: each rule tripped by the pipeline, a normal month tripping none, a flood
raising one flag, and the admin's decision (API.md "Audit, risk and exports", chalicelib.risk)."""

from __future__ import annotations

import calendar
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib import metrics
from chalicelib.messages import OrderEvent
from tests.e2e.shop import Shop
from tests.e2e.test_observability import published
from tests.helpers import error_of

JAKARTA = timedelta(hours=7)
ORDER_EVENTS = "peken-local-order-events"
QUOTA = 100_000


@pytest.fixture()
def shop(shop: Shop) -> Shop:
    """The conftest's shop, with every ASN's quota QUOTA."""
    policy = {"default_quota_idr": QUOTA, "quota_by_grade": {}}
    assert shop.call("PUT", "/v1/admin/spending-policy", shop.admin, policy).status_code == 200
    return shop


def asn(shop: Shop) -> tuple[dict[str, str], str]:
    """A rostered ASN buyer (quota QUOTA) and their NIP."""
    nip = "19" + str(uuid.uuid4().int)[:16]
    row = {"nip": nip, "name": "Asih Risiko", "department": f"Dinas Risiko {shop.tag}", "grade": "III/a"}
    assert shop.call("POST", "/v1/admin/asn", shop.admin, {"rows": [row]}).json() == {"upserted": 1}
    return shop.stack.headers(f"asn-{uuid.uuid4().hex[:8]}-{shop.tag}", ["buyer"], nip=nip), nip


def seller_store(shop: Shop, price: int) -> tuple[dict[str, str], str, str]:
    seller = shop.user("seller")
    store_id = shop.store(seller)
    return seller, store_id, shop.product(seller, store_id, stock=100, price=price)


def buy(shop: Shop, buyer: dict[str, str], product_id: str, quantity: int = 1) -> str:
    assert shop.put(buyer, product_id, quantity).status_code == 200
    made = shop.checkout(buyer)
    assert made.status_code == 201, made.text
    assert shop.pay(buyer, made.json()["checkout_id"]).status_code == 200
    order_id = str(made.json()["orders"][0]["order_id"])
    shop.wait_status(buyer, order_id, "paid")
    return order_id


def flags(shop: Shop, status: str = "open", rule: str = "") -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = ""
    while True:
        query = f"?status={status}&limit=100" + (f"&rule={rule}" if rule else "") + cursor
        page = shop.call("GET", f"/v1/admin/risk-flags{query}", shop.admin)
        assert page.status_code == 200, page.text
        found += page.json()["items"]
        if not page.json()["next_cursor"]:
            return found
        cursor = f"&cursor={page.json()['next_cursor']}"


def about(shop: Shop, **subject: str) -> list[dict[str, Any]]:
    """Every flag, of any status, whose subject has these ids."""
    every = [f for status in ("open", "dismissed", "confirmed") for f in flags(shop, status)]
    return [f for f in every if all(f["subject"].get(k) == v for k, v in subject.items())]


def redeliver(shop: Shop, buyer: dict[str, str], order_id: str, nip: str = "") -> None:
    """Put an order's paid event on the queue again, as SQS may (stamped now)."""
    order = shop.order(buyer, order_id)
    paid_at = next(h["at"] for h in order["history"] if h["status"] == "paid")
    month = (datetime.fromisoformat(paid_at.replace("Z", "+00:00")) + JAKARTA).strftime("%Y-%m")
    event = OrderEvent(
        order_id=order_id,
        event="paid",
        store_id=order["store_id"],
        buyer_id=order["buyer_id"],
        amount_idr=order["total_idr"],
        month=month,
        buyer_nip=nip,
        sent_at=paid_at,
    )
    sent = shop.call("POST", f"/_local/queues/{ORDER_EVENTS}/messages", body={"body": event.to_json()})
    assert sent.status_code == 200, sent.text


def jakarta_offset(day_of: Any) -> float:
    """Seconds to move the clock so it is 10:00 in Surabaya on the day `day_of(today)` names."""
    now = datetime.now(UTC)
    target = day_of((now + JAKARTA).date())
    at = datetime(target.year, target.month, target.day, 3, 0, tzinfo=UTC)  # 10:00 WIB
    return (at - now).total_seconds()


def last_day_of_next_month(today: Any) -> Any:
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def test_a_normal_month_trips_no_rule(shop: Shop) -> None:
    buyer, nip = asn(shop)
    _, _, at_a = seller_store(shop, 30_000)
    _, _, at_b = seller_store(shop, 10_000)
    for product, quantity in ((at_a, 1), (at_b, 3), (at_a, 1), (at_b, 2)):  # 30+30+30+20: two shops, two orders each
        buy(shop, buyer, product, quantity)
    shop.stack.drain()
    assert shop.call("GET", "/v1/me/spending", buyer).json()["spent_idr"] == 110_000
    assert about(shop, nip=nip) == []


def test_concentration_is_flagged_once_however_often_its_events_come(shop: Shop) -> None:
    buyer, nip = asn(shop)
    _, store_a, at_a = seller_store(shop, 30_000)
    _, _, at_b = seller_store(shop, 10_000)
    before = shop.call("GET", "/v1/admin/compliance", shop.admin).json()["risk_flags_open"]
    raised_before = published(shop.stack)[metrics.RISK_FLAGS_RAISED]
    first = buy(shop, buyer, at_b)
    orders = [buy(shop, buyer, at_a) for _ in range(3)]  # 90,000 of 100,000 at one store, in 3 orders
    shop.stack.drain()
    [flag] = about(shop, nip=nip)
    assert flag["rule"] == "concentration" and flag["status"] == "open"
    assert flag["subject"] == {"nip": nip, "store_id": store_a}
    assert flag["evidence"]["store_orders"] == 3 and flag["evidence"]["share_pct"] == 90.0
    assert (flag["evidence"]["store_spent_idr"], flag["evidence"]["month_spent_idr"]) == (90_000, 100_000)
    assert flag["decided_at"] is None and flag["note"] is None
    assert shop.call("GET", "/v1/admin/compliance", shop.admin).json()["risk_flags_open"] == before + 1

    # A flood: the same events again and again, and more of the same pattern.
    for order_id in (*orders, first) * 3:
        redeliver(shop, buyer, order_id, nip)
    buy(shop, buyer, at_a)
    shop.stack.drain()
    assert [f["flag_id"] for f in about(shop, nip=nip)] == [flag["flag_id"]]
    assert shop.call("GET", "/v1/me/spending", buyer).json()["spent_idr"] == 130_000  # counted once each
    assert shop.call("GET", "/v1/admin/compliance", shop.admin).json()["risk_flags_open"] == before + 1
    assert published(shop.stack)[metrics.RISK_FLAGS_RAISED] == raised_before + 1  # one metric per flag raised
    assert [f["flag_id"] for f in flags(shop, rule="concentration") if f["subject"].get("nip") == nip] == [
        flag["flag_id"]
    ]
    assert all(f["rule"] == "self_dealing" for f in flags(shop, rule="self_dealing"))


def test_self_dealing_is_flagged_with_what_matched_and_decided_once(shop: Shop) -> None:
    seller, store_id, product = seller_store(shop, 15_000)
    email = f"pemilik.{shop.tag}@mail.id"
    assert shop.call("PUT", "/v1/me", seller, {"email": email}).status_code == 200
    buyer = shop.user("buyer")
    assert (
        shop.call("PUT", "/v1/me", buyer, {"email": email.upper(), "phone_number": "081299990000"}).status_code == 200
    )
    buyer_id = shop.call("GET", "/v1/me", buyer).json()["user_id"]
    stranger = shop.user("buyer")
    buy(shop, stranger, product)
    buy(shop, buyer, product)
    buy(shop, buyer, product)
    shop.stack.drain()
    assert about(shop, buyer_id=shop.call("GET", "/v1/me", stranger).json()["user_id"]) == []
    [flag] = about(shop, store_id=store_id)
    assert flag["rule"] == "self_dealing" and flag["subject"] == {"store_id": store_id, "buyer_id": buyer_id}
    assert flag["evidence"]["matched"] == ["email"]
    assert email not in json.dumps(flag).casefold() and "0812" not in json.dumps(flag)  # which fields, never values

    confirmed_before = shop.call("GET", "/v1/admin/reports/fairness", shop.admin).json()["risk_flags_confirmed"]
    path = f"/v1/admin/risk-flags/{flag['flag_id']}/decide"
    bad = shop.call("POST", path, shop.admin, {"decision": "ignore", "note": "x"})
    assert bad.status_code == 422 and error_of(bad.json())["details"]["field"] == "decision"
    assert shop.call("POST", path, shop.admin, {"decision": "confirm"}).status_code == 422
    assert (
        shop.call(
            "POST", "/v1/admin/risk-flags/rf_nope/decide", shop.admin, {"decision": "confirm", "note": "x"}
        ).status_code
        == 404
    )
    decided = shop.call("POST", path, shop.admin, {"decision": "confirm", "note": "Akun kedua pemilik toko."})
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "confirmed" and decided.json()["note"] == "Akun kedua pemilik toko."
    assert decided.json()["decided_by"] and decided.json()["decided_at"]
    again = shop.call("POST", path, shop.admin, {"decision": "dismiss", "note": "berubah pikiran"})
    assert again.status_code == 409 and error_of(again.json())["code"] == "conflict"
    assert flag["flag_id"] in [f["flag_id"] for f in flags(shop, "confirmed", "self_dealing")]
    assert flag["flag_id"] not in [f["flag_id"] for f in flags(shop, "open")]
    after = shop.call("GET", "/v1/admin/reports/fairness", shop.admin).json()["risk_flags_confirmed"]
    assert after == confirmed_before + 1
    for query in ("?status=closed", "?rule=fraud"):
        refused = shop.call("GET", f"/v1/admin/risk-flags{query}", shop.admin)
        assert refused.status_code == 422, refused.text


def test_quota_rush_in_the_months_last_days_at_one_store(shop: Shop) -> None:
    buyer, nip = asn(shop)
    _, store_a, at_a = seller_store(shop, 50_000)
    _, _, at_b = seller_store(shop, 5_000)
    other, other_nip = asn(shop)
    shop.clock(jakarta_offset(last_day_of_next_month))
    try:
        buy(shop, buyer, at_a)
        buy(shop, buyer, at_b, 11)  # 50,000 + 55,000: just over the quota, but at two stores: no rush
        buy(shop, other, at_a)
        buy(shop, other, at_a)
        buy(shop, other, at_b)  # 50,000 + 50,000 + 5,000 = 105 %: all at one store until the quota
        shop.stack.drain()
    finally:
        shop.clock(0)
    assert about(shop, nip=nip) == []
    [flag] = about(shop, nip=other_nip)
    assert flag["rule"] == "quota_rush" and flag["subject"] == {"nip": other_nip, "store_id": store_a}
    assert (flag["evidence"]["spent_before_window_idr"], flag["evidence"]["spent_idr"]) == (0, 100_000)
    assert flag["evidence"]["quota_idr"] == QUOTA and flag["evidence"]["window_orders"] == 2


def test_a_refund_next_month_that_undoes_a_compliant_month_is_flagged(shop: Shop) -> None:
    buyer, nip = asn(shop)
    _, store_a, at_a = seller_store(shop, 60_000)
    _, _, at_b = seller_store(shop, 50_000)
    next_month_15th = lambda today: last_day_of_next_month(today).replace(day=15)  # noqa: E731
    shop.clock(jakarta_offset(next_month_15th))
    try:
        refunded = buy(shop, buyer, at_a)
        kept = buy(shop, buyer, at_b)  # 110,000: compliant
        shop.stack.drain()
        same_month = shop.call(
            "POST",
            f"/v1/admin/orders/{kept}/refunds",
            shop.admin,
            {"amount_idr": 5_000, "reason": "kurang timbang"},
            Idempotency_Key=uuid.uuid4().hex,
        )
        assert same_month.status_code == 202, same_month.text  # 105,000: still compliant, same month anyway
        shop.wait(lambda: [r["status"] for r in shop.order(buyer, kept)["refunds"]] == ["succeeded"], timeout=45)
        shop.stack.drain()
        assert about(shop, nip=nip) == []
        shop.clock(jakarta_offset(lambda today: last_day_of_next_month(today) + timedelta(days=3)))
        late = shop.call(
            "POST",
            f"/v1/admin/orders/{refunded}/refunds",
            shop.admin,
            {"amount_idr": 10_000, "reason": "barang rusak"},
            Idempotency_Key=uuid.uuid4().hex,
        )
        assert late.status_code == 202, late.text
        shop.wait(lambda: [r["status"] for r in shop.order(buyer, refunded)["refunds"]] == ["succeeded"], timeout=45)
        shop.stack.drain()
    finally:
        shop.clock(0)
    [flag] = about(shop, nip=nip)
    assert flag["rule"] == "refund_after_close" and flag["subject"] == {"nip": nip, "store_id": store_a}
    evidence = flag["evidence"]
    assert (evidence["spent_before_refund_idr"], evidence["spent_idr"], evidence["refund_idr"]) == (
        105_000,
        95_000,
        10_000,
    )
    assert evidence["refund_month"] > evidence["month"] == flag["month"]
