"""Every page of the app passes axe-core with no serious or critical violation (phone size).

Each role's pages are visited signed in as that role's demo identity (infra/local/seed.py), with
seeded data behind them; a buyer's cart and a paid order are arranged through the API first.
Cost: one page load and one axe run per page (about a second each).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page

from infra.local.seed import DEMO_ASN_NIP
from tests.web.conftest import Api
from tests.web.pages import settled, sign_in_demo

ADMIN_SECTIONS = [
    "stores",
    "compliance",
    "sales",
    "fairness",
    "prices",
    "roster",
    "policy",
    "settings",
    "jobs",
    "disputes",
    "risk",
    "audit",
    "exports",
]


def check(page: Page, axe: Callable[[Page], list[dict[str, Any]]], path: str) -> list[str]:
    page.goto(path)
    settled(page)
    return [f"{path}: {v['id']} ({v['impact']}) {v['help']} at {v['nodes'][:2]}" for v in axe(page)]


@pytest.fixture(scope="module")
def arranged(api: Api) -> dict[str, str]:
    """A product id, a store of demo-seller, an order and an open checkout of the demo ASN."""
    buyer = api.token("demo-asn", ["buyer"], nip=DEMO_ASN_NIP)
    product = api.call("GET", "/v1/products?q=gula").json()["items"][0]
    api.call("PUT", f"/v1/cart/items/{product['product_id']}", buyer, {"quantity": 1})
    checkout = api.call(
        "POST", "/v1/checkout", buyer, {"fulfillment": {"method": "pickup"}}, headers={"Idempotency-Key": "a11y-1"}
    ).json()
    api.call("PUT", f"/v1/cart/items/{product['product_id']}", buyer, {"quantity": 1})  # a cart to show
    store = api.call("GET", "/v1/me/stores", api.token("demo-seller", ["seller"])).json()["items"][0]
    return {
        "product": product["product_id"],
        "store": store["store_id"],
        "order": checkout["orders"][0]["order_id"],
        "checkout": checkout["checkout_id"],
    }


def test_signed_out_pages(phone: Page, axe: Callable[[Page], list[dict[str, Any]]], arranged: dict[str, str]) -> None:
    problems: list[str] = []
    for path in ("/", "/signin", "/products", f"/products/{arranged['product']}", "/no-such-page"):
        problems += check(phone, axe, path)
    assert problems == []


def test_buyer_pages(phone: Page, axe: Callable[[Page], list[dict[str, Any]]], arranged: dict[str, str]) -> None:
    sign_in_demo(phone, "asn")
    paths = (
        "/",
        "/products?q=beras",
        f"/products/{arranged['product']}",
        "/cart",
        "/checkout",
        f"/pay/{arranged['checkout']}",
        "/orders",
        f"/orders/{arranged['order']}",
        "/notifications",
    )
    problems: list[str] = []
    for path in paths:
        problems += check(phone, axe, path)
    phone.get_by_role("button", name="Switch to English").click()  # English too: lang follows
    assert phone.evaluate("document.documentElement.lang") == "en"
    problems += check(phone, axe, "/")
    phone.get_by_role("button", name="Ganti ke Bahasa Indonesia").click()
    assert problems == []


def test_seller_pages(phone: Page, axe: Callable[[Page], list[dict[str, Any]]], arranged: dict[str, str]) -> None:
    sign_in_demo(phone, "seller")
    store = arranged["store"]
    paths = ["/seller", "/seller/apply", f"/seller/stores/{store}"]
    paths += [f"/seller/stores/{store}/{tab}" for tab in ("products", "orders", "money", "disputes")]
    problems: list[str] = []
    for path in paths:
        problems += check(phone, axe, path)
    assert problems == []


def test_admin_pages(phone: Page, axe: Callable[[Page], list[dict[str, Any]]]) -> None:
    sign_in_demo(phone, "admin")
    problems: list[str] = check(phone, axe, "/admin")
    for section in ADMIN_SECTIONS:
        problems += check(phone, axe, f"/admin/{section}")
    assert problems == []


def test_finance_pages(phone: Page, axe: Callable[[Page], list[dict[str, Any]]]) -> None:
    sign_in_demo(phone, "finance")
    problems: list[str] = []
    for path in ("/finance", "/finance/money"):
        problems += check(phone, axe, path)
    assert problems == []
