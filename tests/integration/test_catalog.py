"""Products: listing rules, search, reference prices, visibility, the turnover cap, no Scan."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.catalog import stores as store_service
from chalicelib.ids import jakarta_month, utcnow
from tests.helpers import CallCounter, error_of
from tests.integration.catalog_helpers import Catalog


@pytest.fixture()
def cat(client: Client, aws: dict[str, Any]) -> Catalog:
    return Catalog(client, aws["key_path"])


def word() -> str:
    return "w" + uuid.uuid4().hex[:10]


def test_product_lifecycle_and_listing(cat: Catalog) -> None:
    seller = cat.seller()
    store = cat.store(seller)
    tag = word()
    product = cat.product(seller, store["store_id"], name=f"Gula Pasir {tag}", price_idr=17000, stock=5)
    assert product["store_name"] == store["name"] and product["kecamatan"] == "Gubeng"
    assert product["available"] is True
    listed = cat.listing(f"store_id={store['store_id']}")
    assert [p["product_id"] for p in listed] == [product["product_id"]]
    assert {
        "product_id",
        "store_id",
        "store_name",
        "name",
        "category",
        "unit",
        "price_idr",
        "stock",
        "kecamatan",
    } <= set(listed[0])
    patched = cat.call("PATCH", f"/v1/products/{product['product_id']}", seller, {"price_idr": 16000, "stock": 0})
    assert (patched.json_body["price_idr"], patched.json_body["stock"]) == (16000, 0)
    assert cat.call("DELETE", f"/v1/products/{product['product_id']}", seller).status_code == 204
    assert cat.ids(f"store_id={store['store_id']}") == []
    assert cat.ids(f"q={tag}") == []
    assert cat.call("GET", f"/v1/products/{product['product_id']}").status_code == 404
    assert cat.call("GET", f"/v1/products/{product['product_id']}", seller).json_body["active"] is False


def test_only_the_owner_of_an_active_store_adds_and_changes(cat: Catalog) -> None:
    seller = cat.seller()
    pending = cat.store(seller, approve=False)
    body = {"name": "Kopi", "category": "kuliner", "unit": "cup", "price_idr": 5000, "stock": 1}
    refused = cat.call("POST", f"/v1/stores/{pending['store_id']}/products", seller, body)
    assert refused.status_code == 409 and error_of(refused.json_body)["code"] == "store_unavailable"
    store = cat.store(seller)
    assert cat.call("POST", f"/v1/stores/{store['store_id']}/products", cat.seller(), body).status_code == 403
    product = cat.product(seller, store["store_id"])
    stranger = cat.call("PATCH", f"/v1/products/{product['product_id']}", cat.seller(), {"price_idr": 1})
    assert stranger.status_code == 403
    assert cat.call("DELETE", f"/v1/products/{product['product_id']}", cat.seller()).status_code == 403


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"price_idr": 0}, "price_idr"),
        ({"price_idr": -5}, "price_idr"),
        ({"price_idr": 1500.5}, "price_idr"),
        ({"price_idr": "15000"}, "price_idr"),
        ({"stock": -1}, "stock"),
        ({"category": "elektronik"}, "category"),
        ({"image_url": "http://img.example/a.jpg"}, "image_url"),
        ({"name": "x" * 500}, "name"),
        ({"reference_sku": "no_such_sku"}, "reference_sku"),
        ({"featured": True}, "featured"),
    ],
)
def test_bad_products_name_the_field(cat: Catalog, fields: dict[str, Any], field: str) -> None:
    seller = cat.seller()
    store = cat.store(seller)
    body = {"name": "Beras", "category": "sembako", "unit": "kg", "price_idr": 12000, "stock": 3, **fields}
    response = cat.call("POST", f"/v1/stores/{store['store_id']}/products", seller, body)
    assert response.status_code == 422
    assert error_of(response.json_body)["details"]["field"] == field
    assert cat.ids(f"store_id={store['store_id']}") == []


def test_reference_prices_cap_listings(cat: Catalog) -> None:
    sku = "minyak_" + uuid.uuid4().hex[:6]
    put = cat.call(
        "PUT",
        f"/v1/admin/reference-prices/{sku}",
        cat.admin,
        {"name": "Minyak goreng", "unit": "liter", "max_price_idr": 15700},
    )
    assert put.status_code == 200 and put.json_body["max_price_idr"] == 15700
    assert sku in [r["sku"] for r in cat.call("GET", "/v1/reference-prices").json_body["items"]]
    seller = cat.seller()
    store = cat.store(seller)
    above = cat.call(
        "POST",
        f"/v1/stores/{store['store_id']}/products",
        seller,
        {
            "name": "MinyaKita",
            "category": "sembako",
            "unit": "liter",
            "price_idr": 16000,
            "stock": 9,
            "reference_sku": sku,
        },
    )
    assert above.status_code == 422 and error_of(above.json_body)["code"] == "price_above_reference"
    product = cat.product(seller, store["store_id"], name="MinyaKita", unit="liter", price_idr=15500, reference_sku=sku)
    # The city lowers the reference: the listing hides until the seller reprices.
    lowered = cat.call(
        "PUT",
        f"/v1/admin/reference-prices/{sku}",
        cat.admin,
        {"name": "Minyak goreng", "unit": "liter", "max_price_idr": 15000},
    )
    assert lowered.json_body["listings_changed"] == 1
    assert cat.ids(f"store_id={store['store_id']}") == []
    mine = cat.call("GET", f"/v1/products/{product['product_id']}", seller).json_body
    assert mine["hidden_reason"] == "price_above_reference" and mine["available"] is False
    too_high = cat.call("PATCH", f"/v1/products/{product['product_id']}", seller, {"price_idr": 15200})
    assert too_high.status_code == 422
    cat.call("PATCH", f"/v1/products/{product['product_id']}", seller, {"price_idr": 15000})
    assert cat.ids(f"store_id={store['store_id']}") == [product["product_id"]]
    assert cat.call(
        "PUT", "/v1/admin/reference-prices/BAD SKU", cat.admin, {"name": "x", "unit": "kg", "max_price_idr": 1}
    ).status_code in (404, 422)
    assert (
        cat.call(
            "PUT", f"/v1/admin/reference-prices/{sku}", seller, {"name": "x", "unit": "kg", "max_price_idr": 1}
        ).status_code
        == 403
    )


def test_search_matches_words_in_any_order_ignoring_case_and_accents(cat: Catalog) -> None:
    seller = cat.seller()
    store = cat.store(seller)
    tag = word()
    kopi = cat.product(seller, store["store_id"], name=f"Kopi Luwak Café {tag}", category="kuliner")
    teh = cat.product(seller, store["store_id"], name=f"Teh Melati {tag}", category="kuliner")
    assert set(cat.ids(f"q={tag}")) == {kopi["product_id"], teh["product_id"]}
    assert cat.ids(f"q=CAFE%20{tag.upper()}") == [kopi["product_id"]]
    assert cat.ids(f"q={tag}%20luwak%20kopi") == [kopi["product_id"]]
    assert cat.ids(f"q={tag}%20kop") == [kopi["product_id"]]  # the last word is a prefix (typing)
    assert cat.ids(f"q=kop%20{tag}") == []  # the others are whole words
    assert cat.ids(f"q={tag}&category=sembako") == []
    assert cat.call("GET", "/v1/products?q=%20%21").status_code == 422


def test_filters_and_paging_cover_everything_once(cat: Catalog) -> None:
    seller = cat.seller()
    store = cat.store(seller, kecamatan="Bulak", kelurahan="Kenjeran")
    other = cat.store(cat.seller(), kecamatan="Bulak", kelurahan="Sukolilo Baru")
    made = [cat.product(seller, store["store_id"], name=f"Kerupuk {i}", category="kuliner") for i in range(23)]
    cat.product(seller, store["store_id"], name="Batik", category="fashion")
    third = cat.store(cat.seller())
    elsewhere = cat.product(cat.owner_of(third), third["store_id"], category="kuliner")
    cat.product(cat.owner_of(other), other["store_id"], category="kuliner")
    pages = []
    cursor = ""
    while True:
        body = cat.call("GET", f"/v1/products?store_id={store['store_id']}&category=kuliner&limit=10{cursor}").json_body
        pages.append(len(body["items"]))
        if not body["next_cursor"]:
            break
        cursor = f"&cursor={body['next_cursor']}"
    assert sum(pages) == 23 and pages[0] == 10
    got = cat.ids(f"store_id={store['store_id']}&category=kuliner&limit=7")
    assert sorted(got) == sorted(p["product_id"] for p in made)
    in_bulak = cat.ids("kecamatan=bulak&category=kuliner&limit=100")
    assert set(p["product_id"] for p in made) <= set(in_bulak)
    assert elsewhere["product_id"] not in in_bulak
    assert cat.call("GET", "/v1/products?category=elektronik").status_code == 422
    assert cat.call("GET", "/v1/products?limit=1000").status_code == 422
    tampered = cat.call("GET", "/v1/products?cursor=eyJkIjoiMCIsInMiOiI5OSIsImsiOiJ4In0")
    assert tampered.status_code == 422 and error_of(tampered.json_body)["details"]["field"] == "cursor"


def test_buyer_kecamatan_comes_first(cat: Catalog, aws: dict[str, Any]) -> None:
    from tests.integration.conftest import bearer

    near = cat.store(cat.seller(), kecamatan="Sambikerep", kelurahan="Lontar")
    far = cat.store(cat.seller(), kecamatan="Lakarsantri", kelurahan="Bangkingan")
    tag = word()
    near_ids = {
        cat.product(cat.owner_of(near), near["store_id"], name=f"Tempe {tag} {i}")["product_id"] for i in range(3)
    }
    far_ids = {
        cat.product(cat.owner_of(far), far["store_id"], name=f"Tempe {tag} x{i}")["product_id"] for i in range(3)
    }
    buyer = bearer(aws["key_path"], "buyer-" + tag, ["buyer"])
    cat.call("PUT", "/v1/me", buyer, {"kecamatan": "Sambikerep"})
    ordered = cat.ids(f"q={tag}", buyer)
    assert set(ordered[:3]) == near_ids and set(ordered[3:]) == far_ids


def test_suspended_and_closed_stores_vanish_and_return(cat: Catalog) -> None:
    seller = cat.seller()
    store = cat.store(seller)
    sid = store["store_id"]
    tag = word()
    product = cat.product(seller, sid, name=f"Sambal {tag}")
    cat.call("POST", f"/v1/admin/stores/{sid}/suspend", cat.admin, {"reason": "complaints"})
    assert cat.ids(f"q={tag}") == [] and cat.ids(f"store_id={sid}") == []
    assert cat.call("GET", f"/v1/products/{product['product_id']}").json_body["available"] is False
    cat.call("POST", f"/v1/admin/stores/{sid}/approve", cat.admin)
    assert cat.ids(f"q={tag}") == [product["product_id"]]
    cat.call("PATCH", f"/v1/stores/{sid}", seller, {"open": False})
    assert cat.ids(f"store_id={sid}") == []
    cat.call("PATCH", f"/v1/stores/{sid}", seller, {"open": True, "name": "Sambal Bu Rudy"})
    assert [p["store_name"] for p in cat.listing(f"q={tag}")] == ["Sambal Bu Rudy"]


def test_turnover_cap_hides_a_store_until_the_cap_or_month_moves(cat: Catalog) -> None:
    seller = cat.seller()
    store = cat.store(seller)
    sid = store["store_id"]
    tag = word()
    product = cat.product(seller, sid, name=f"Rawon {tag}", category="kuliner")
    settings = cat.call("PUT", "/v1/admin/settings", cat.admin, {"turnover_cap_idr": 100_000_000})
    assert settings.status_code == 200 and settings.json_body["turnover_cap_idr"] == 100_000_000
    month = jakarta_month(utcnow())
    assert store_service.record_turnover(sid, month, 60_000_000, f"t:{tag}:1") == 60_000_000
    assert store_service.record_turnover(sid, month, 60_000_000, f"t:{tag}:1") is None  # counted once
    assert cat.ids(f"q={tag}") == [product["product_id"]]
    store_service.record_turnover(sid, month, 50_000_000, f"t:{tag}:2")  # now past the cap
    assert cat.ids(f"q={tag}") == [] and cat.ids(f"store_id={sid}") == []
    assert sid not in [s["store_id"] for s in cat.call("GET", "/v1/stores?limit=100").json_body["items"]]
    assert cat.call("GET", f"/v1/stores/{sid}", seller).json_body["turnover_month_idr"] == 110_000_000
    cat.call("PUT", "/v1/admin/settings", cat.admin, {"turnover_cap_idr": 200_000_000})
    assert cat.ids(f"q={tag}") == [product["product_id"]]
    cat.call("PUT", "/v1/admin/settings", cat.admin, {"turnover_cap_idr": 100_000_000})
    assert cat.ids(f"q={tag}") == []
    # A new month starts from zero: last month's turnover no longer caps the store.
    last_month = jakarta_month(utcnow() - timedelta(days=40))
    other = cat.store(seller)
    cat.product(seller, other["store_id"], name=f"Soto {tag}")
    store_service.record_turnover(other["store_id"], last_month, 150_000_000, f"t:{tag}:3")
    assert len(cat.ids(f"q={tag}")) == 1
    cat.call("PUT", "/v1/admin/settings", cat.admin, {"turnover_cap_idr": 30_000_000})
    bad = cat.call("PUT", "/v1/admin/settings", cat.admin, {"turnover_cap_idr": -1})
    assert bad.status_code == 422
    assert cat.call("PUT", "/v1/admin/settings", seller, {"auto_complete_days": 2}).status_code == 403


def test_daily_rotation_changes_the_top_of_the_page(cat: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.catalog import listing

    tag = word()
    for i in range(12):
        owner = cat.seller()
        cat.product(owner, cat.store(owner)["store_id"], name=f"Pecel {tag} {i}")
    tops = set()
    for day in range(10):
        moment = datetime(2026, 12, 1, 3, tzinfo=UTC) + timedelta(days=day)
        monkeypatch.setattr(listing, "utcnow", lambda moment=moment: moment)
        first = cat.listing(f"q={tag}&limit=3")
        assert len(first) == 12 and len({p["product_id"] for p in first}) == 12
        tops.add(first[0]["store_id"])
    assert len(tops) >= 4


def test_no_request_path_scans(cat: Catalog) -> None:
    seller = cat.seller()
    store = cat.store(seller)
    with CallCounter() as counter:
        cat.product(seller, store["store_id"], name="Tahu")
        for query in (
            "",
            "category=sembako",
            "kecamatan=gubeng",
            "category=sembako&kecamatan=gubeng",
            f"store_id={store['store_id']}",
            "q=tahu",
            "q=tahu&category=sembako&kecamatan=gubeng",
        ):
            cat.call("GET", f"/v1/products?{query}")
        cat.call("GET", "/v1/stores?kecamatan=gubeng")
        cat.call("GET", "/v1/stores")
        cat.call("GET", "/v1/admin/stores?status=active", cat.admin)
        cat.call("GET", "/v1/reference-prices")
    assert counter.calls and "Scan" not in counter.calls
