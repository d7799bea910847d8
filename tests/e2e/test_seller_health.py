"""Seller health over HTTP: the admin's list of active stores nobody buys from or that show nothing."""

from __future__ import annotations

from typing import Any

from tests.e2e.shop import Shop

DAY = 86_400


def health(shop: Shop) -> dict[str, dict[str, Any]]:
    return {item["store_id"]: item for item in shop.every("/v1/admin/stores/health", shop.admin)}


def test_stores_without_orders_or_anything_on_show_are_listed_with_why(shop: Shop) -> None:
    sellers = {name: shop.user("seller") for name in ("sold_out", "empty", "quiet", "busy", "pricey")}
    stores = {name: shop.store(seller) for name, seller in sellers.items()}
    sold_out = shop.product(sellers["sold_out"], stores["sold_out"], stock=1)
    shop.product(sellers["quiet"], stores["quiet"], stock=5)
    busy = shop.product(sellers["busy"], stores["busy"], stock=5)
    shop.product(sellers["pricey"], stores["pricey"], stock=5)
    patched = shop.call("PATCH", f"/v1/stores/{stores['pricey']}", sellers["pricey"], {"open": False})
    assert patched.status_code == 200, patched.text
    buyer = shop.user("buyer")
    shop.put(buyer, sold_out, 1)  # the last one: sold out once paid
    made = shop.checkout(buyer).json()
    shop.pay(buyer, made["checkout_id"])
    shop.wait_status(buyer, made["orders"][0]["order_id"], "paid")

    now = health(shop)
    assert stores["busy"] not in now and stores["quiet"] not in now  # new stores with something on show
    assert now[stores["empty"]]["reasons"] == ["no_products"]
    assert now[stores["sold_out"]]["reasons"] == ["all_hidden"]
    assert now[stores["sold_out"]]["hidden_reasons"] == ["out_of_stock"]
    assert now[stores["sold_out"]]["last_order_at"] is not None
    assert now[stores["pricey"]]["reasons"] == ["all_hidden"]  # closed: its listings are hidden

    shop.clock(31 * DAY)  # a month on: only a store with a recent order is fine
    shop.put(buyer, busy, 1)
    again = shop.checkout(buyer).json()
    shop.pay(buyer, again["checkout_id"])
    shop.wait_status(buyer, again["orders"][0]["order_id"], "paid")
    later = health(shop)
    assert stores["busy"] not in later
    assert later[stores["quiet"]]["reasons"] == ["no_orders"] and later[stores["quiet"]]["last_order_at"] is None
    assert later[stores["sold_out"]]["reasons"] == ["no_orders", "all_hidden"]
    assert later[stores["empty"]]["reasons"] == ["no_orders", "no_products"]


def test_the_list_is_paged_and_for_admins_only(shop: Shop) -> None:
    page = shop.call("GET", "/v1/admin/stores/health?limit=1", shop.admin)
    assert page.status_code == 200 and len(page.json()["items"]) <= 1
    assert page.json()["next_cursor"]  # the seed's stores and more follow
    bad = shop.call("GET", "/v1/admin/stores/health?cursor=nonsense", shop.admin)
    assert bad.status_code == 422
    assert shop.call("GET", "/v1/admin/stores/health", shop.user("finance")).status_code == 403
    assert shop.call("GET", "/v1/admin/stores/health", shop.user("seller")).status_code == 403
