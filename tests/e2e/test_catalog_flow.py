"""The catalog over real HTTP: seed data, a seller's first day, curation and browsing."""

from __future__ import annotations

import uuid

import requests

from tests.e2e.conftest import RunningStack
from tests.helpers import error_of

TIMEOUT = 10


def test_seeded_marketplace_is_alive(stack: RunningStack) -> None:
    prices = requests.get(f"{stack.url}/v1/reference-prices", timeout=TIMEOUT).json()["items"]
    assert {"beras_medium_jawa", "minyakita", "gula_pasir"} <= {p["sku"] for p in prices}
    stores = requests.get(f"{stack.url}/v1/stores", timeout=TIMEOUT).json()["items"]
    assert len({s["kecamatan"] for s in stores}) >= 4
    staples = requests.get(f"{stack.url}/v1/products?category=sembako&limit=100", timeout=TIMEOUT).json()["items"]
    assert any(p["name"].startswith("Beras") for p in staples)
    bag = next(p for p in staples if p["unit"] == "5 kg" and p["reference_sku"] == "beras_medium_jawa")
    assert bag["reference_quantity"] == 5 and bag["price_idr"] <= 5 * 13_500
    words = {p["sku"]: p["words"] for p in prices}
    assert "beras" in words["beras_medium_jawa"] and "minyakita" in words["minyakita"]


def test_seller_applies_city_approves_buyer_finds(stack: RunningStack) -> None:
    tag = "x" + uuid.uuid4().hex[:8]
    seller = stack.headers("seller-" + tag, ["seller"])
    admin = stack.headers("admin-" + tag, ["admin"])
    applied = requests.post(
        f"{stack.url}/v1/stores",
        headers=seller,
        timeout=TIMEOUT,
        json={
            "name": f"Toko {tag}",
            "kind": "toko_kelontong",
            "kecamatan": "Rungkut",
            "kelurahan": "Wonorejo",
            "address": "Jl. Wonorejo 3",
            "phone_number": "081298765432",
        },
    )
    assert applied.status_code == 201 and applied.json()["status"] == "pending"
    store_id = applied.json()["store_id"]
    product = {"name": f"Tempe Mendoan {tag}", "category": "kuliner", "unit": "bungkus", "price_idr": 8000, "stock": 20}
    early = requests.post(f"{stack.url}/v1/stores/{store_id}/products", json=product, headers=seller, timeout=TIMEOUT)
    assert early.status_code == 409 and error_of(early.json())["code"] == "store_unavailable"
    approved = requests.post(f"{stack.url}/v1/admin/stores/{store_id}/approve", headers=admin, timeout=TIMEOUT)
    assert approved.json()["status"] == "active"
    created = requests.post(f"{stack.url}/v1/stores/{store_id}/products", json=product, headers=seller, timeout=TIMEOUT)
    assert created.status_code == 201
    found = requests.get(f"{stack.url}/v1/products", params={"q": f"mendoan {tag.upper()}"}, timeout=TIMEOUT).json()
    assert [p["product_id"] for p in found["items"]] == [created.json()["product_id"]]
    suspended = requests.post(
        f"{stack.url}/v1/admin/stores/{store_id}/suspend", json={"reason": "test"}, headers=admin, timeout=TIMEOUT
    )
    assert suspended.json()["status"] == "suspended"
    gone = requests.get(f"{stack.url}/v1/products", params={"q": tag}, timeout=TIMEOUT).json()
    assert gone["items"] == []
