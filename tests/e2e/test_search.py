"""Search people can type into, a price ceiling and cheapest-first order, over real HTTP.

Each test opens its own store and asks with `store_id` (or its own tag word), so other
tests' products never get in the way; the Queries are the same as without it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.shop import Shop
from tests.helpers import error_of


def add(shop: Shop, seller: dict[str, str], store_id: str, name: str, price: int, **fields: Any) -> str:
    body = {"name": name, "category": "kuliner", "unit": "bungkus", "price_idr": price, "stock": 5, **fields}
    made = shop.call("POST", f"/v1/stores/{store_id}/products", seller, body)
    assert made.status_code == 201, made.text
    return str(made.json()["product_id"])


def names(shop: Shop, query: str) -> list[str]:
    """Every product name a listing gives, following its cursors."""
    return [p["name"] for p in pages(shop, query)]


def pages(shop: Shop, query: str, limit: int = 100) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = ""
    for _ in range(200):
        response = shop.call("GET", f"/v1/products?{query}&limit={limit}{cursor}")
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        found += page["items"]
        if not page["next_cursor"]:
            return found
        cursor = f"&cursor={page['next_cursor']}"
    raise AssertionError("the listing never ended")


def test_a_word_is_found_while_it_is_typed(shop: Shop) -> None:
    seller = shop.user("seller")
    store = shop.store(seller)
    add(shop, seller, store, "Beras Kencur Botol", 8000)
    add(shop, seller, store, "Nasi Bebek Goreng", 25000)
    mine = f"store_id={store}"
    assert names(shop, f"{mine}&q=ber") == ["Beras Kencur Botol"]
    assert names(shop, f"{mine}&q=bera") == ["Beras Kencur Botol"]
    assert names(shop, f"{mine}&q=BERAS") == ["Beras Kencur Botol"]
    assert names(shop, f"{mine}&q=be") == []  # one word of two letters is a whole word, not a prefix
    assert names(shop, f"{mine}&q=go") == []
    assert names(shop, f"{mine}&q=gor") == ["Nasi Bebek Goreng"]
    assert names(shop, f"{mine}&q=kencur%20bot") == ["Beras Kencur Botol"]
    assert names(shop, f"{mine}&q=ken%20botol") == []  # only the last word is a prefix


def test_typing_a_second_word_narrows_the_first(shop: Shop) -> None:
    seller = shop.user("seller")
    store = shop.store(seller)
    for name in ("Beras Medium 5 kg", "Beras Premium 5 kg", "Beras Merah Organik"):
        add(shop, seller, store, name, 14000)
    mine = f"store_id={store}"
    assert sorted(names(shop, f"{mine}&q=beras")) == ["Beras Medium 5 kg", "Beras Merah Organik", "Beras Premium 5 kg"]
    assert sorted(names(shop, f"{mine}&q=beras%20m")) == ["Beras Medium 5 kg", "Beras Merah Organik"]
    assert names(shop, f"{mine}&q=beras%20med") == ["Beras Medium 5 kg"]
    assert names(shop, f"{mine}&q=beras%20medium") == ["Beras Medium 5 kg"]
    assert names(shop, f"{mine}&q=rice%20prem") == ["Beras Premium 5 kg"]
    assert names(shop, f"{mine}&q=beras%20medx") == []


def test_spelling_variants_and_english_words_find_the_same_products(shop: Shop) -> None:
    seller = shop.user("seller")
    store = shop.store(seller)
    add(shop, seller, store, "Telur Gulung Pedas", 3000)
    add(shop, seller, store, "Telor Asin Brebes", 4500)
    add(shop, seller, store, "Sambal Cabe Ijo", 15000)
    add(shop, seller, store, "Nasi Goreng Kampung", 18000)
    mine = f"store_id={store}"
    both = ["Telor Asin Brebes", "Telur Gulung Pedas"]
    assert sorted(names(shop, f"{mine}&q=telor")) == both
    assert sorted(names(shop, f"{mine}&q=telur")) == both
    assert sorted(names(shop, f"{mine}&q=eggs")) == both
    assert names(shop, f"{mine}&q=telor%20gulung") == ["Telur Gulung Pedas"]
    assert names(shop, f"{mine}&q=asin%20telur") == ["Telor Asin Brebes"]
    assert names(shop, f"{mine}&q=cabai") == ["Sambal Cabe Ijo"]
    assert names(shop, f"{mine}&q=sambal%20chili") == ["Sambal Cabe Ijo"]
    assert names(shop, f"{mine}&q=rice") == []  # nasi is cooked rice, not beras


def test_rice_finds_beras_and_minyak_finds_minyakita(shop: Shop) -> None:
    seller = shop.user("seller")
    store = shop.store(seller)
    add(shop, seller, store, "Beras Medium", 13000, category="sembako", unit="kg", reference_sku="beras_medium_jawa")
    add(shop, seller, store, "MinyaKita 1 Liter", 15000, category="sembako", unit="liter", reference_sku="minyakita")
    mine = f"store_id={store}"
    assert names(shop, f"{mine}&q=rice") == ["Beras Medium"]
    assert names(shop, f"{mine}&q=minyak") == ["MinyaKita 1 Liter"]
    assert names(shop, f"{mine}&q=oil") == ["MinyaKita 1 Liter"]
    assert names(shop, f"{mine}&q=minyakita") == ["MinyaKita 1 Liter"]
    everywhere = names(shop, "q=rice")  # the seeded stores' rice too, through the same partition
    assert "Beras Medium" in everywhere and all("beras" in n.lower() for n in everywhere)


def test_max_price_keeps_only_what_the_buyer_can_pay(shop: Shop) -> None:
    seller = shop.user("seller")
    store = shop.store(seller)
    word = "w" + shop.tag
    for price in (5000, 9999, 10000, 10001, 30000):
        add(shop, seller, store, f"Kerupuk {word} {price}", price)
    for query in (f"store_id={store}", f"q={word}", f"q=kerupuk%20{word}"):
        for sort in ("", "&sort=fair", "&sort=price"):
            got = pages(shop, f"{query}&max_price_idr=10000{sort}", limit=2)
            assert sorted(p["price_idr"] for p in got) == [5000, 9999, 10000], (query, sort)
    assert pages(shop, f"store_id={store}&max_price_idr=0") == []
    assert len(pages(shop, f"store_id={store}&max_price_idr=99999999999999999999")) == 5


def test_cheapest_first_pages_exactly_and_follows_repricing(shop: Shop) -> None:
    seller = shop.user("seller")
    store = shop.store(seller)
    word = "w" + shop.tag
    prices = [12000, 3000, 7500, 3000, 50000, 7500, 1000, 22000, 3000]
    made = {add(shop, seller, store, f"Jajan {word} {i}", price): price for i, price in enumerate(prices)}
    for query in (f"store_id={store}", f"q={word}", f"q=jajan%20{word[:4]}", f"store_id={store}&category=kuliner"):
        for limit in (1, 2, 4, 100):
            got = pages(shop, f"{query}&sort=price", limit=limit)
            assert [p["price_idr"] for p in got] == sorted(prices), (query, limit)
            assert sorted(p["product_id"] for p in got) == sorted(made), (query, limit)
    priciest = max(made, key=lambda product_id: made[product_id])
    repriced = shop.call("PATCH", f"/v1/products/{priciest}", seller, {"price_idr": 500})
    assert repriced.status_code == 200, repriced.text
    assert pages(shop, f"store_id={store}&sort=price")[0]["product_id"] == priciest
    assert pages(shop, f"q={word}&sort=price", limit=3)[0]["product_id"] == priciest
    hidden = shop.call("DELETE", f"/v1/products/{priciest}", seller)
    assert hidden.status_code == 204
    assert priciest not in {p["product_id"] for p in pages(shop, f"store_id={store}&sort=price")}


def test_the_whole_marketplace_sorts_by_price(shop: Shop) -> None:
    seller = shop.user("seller")
    store = shop.store(seller, kecamatan="Bulak", kelurahan="Kenjeran")
    add(shop, seller, store, f"Kopi Tubruk {shop.tag}", 1)
    for query in ("sort=price", "sort=price&category=kuliner", "sort=price&kecamatan=Bulak&category=kuliner"):
        got = pages(shop, query)
        assert [p["price_idr"] for p in got] == sorted(p["price_idr"] for p in got), query
        assert len({p["product_id"] for p in got}) == len(got), query
        assert got[0]["price_idr"] == 1, query
    assert all(p["kecamatan"] == "Bulak" for p in pages(shop, "sort=price&kecamatan=Bulak"))


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("max_price_idr=-1", "max_price_idr"),
        ("max_price_idr=abc", "max_price_idr"),
        ("max_price_idr=1.5", "max_price_idr"),
        ("max_price_idr=1e6", "max_price_idr"),
        ("sort=cheapest", "sort"),
        ("sort=price&q=%21%21", "q"),
    ],
)
def test_bad_price_filters_and_orders_name_the_field(shop: Shop, query: str, field: str) -> None:
    response = shop.call("GET", f"/v1/products?{query}")
    assert response.status_code == 422, response.text
    error = error_of(response.json())
    assert error["code"] == "validation_error" and error["details"]["field"] == field


def test_a_cursor_of_one_order_does_not_resume_the_other(shop: Shop) -> None:
    fair = shop.call("GET", "/v1/products?limit=1").json()["next_cursor"]
    by_price = shop.call("GET", "/v1/products?limit=1&sort=price").json()["next_cursor"]
    assert fair and by_price
    for wrong in (f"sort=price&cursor={fair}", f"cursor={by_price}", f"q=beras&sort=price&cursor={fair}"):
        response = shop.call("GET", f"/v1/products?limit=1&{wrong}")
        assert response.status_code == 422, (wrong, response.text)
        assert error_of(response.json())["details"]["field"] == "cursor"


def test_search_and_sort_are_in_the_openapi_document(shop: Shop) -> None:
    document = shop.call("GET", "/v1/openapi.json").json()
    params = {p["name"] for p in document["paths"]["/v1/products"]["get"]["parameters"]}
    assert {"q", "max_price_idr", "sort", "category", "kecamatan", "store_id"} <= params
