"""The city's price rule cannot be walked around; the city takes listings down; sellers see all their products.

Against the seeded reference prices: beras_medium_jawa (Rp13.500 per kg, words "beras"),
telur_ayam_ras (Rp30.000 per kg, words "telur"), gula_pasir (Rp17.500 per kg, "gula").
"""

from __future__ import annotations

from typing import Any

from tests.e2e.shop import Shop
from tests.helpers import error_of


def _seller_store(shop: Shop) -> tuple[dict[str, str], str]:
    seller = shop.user("seller")
    return seller, shop.store(seller)


def _create(shop: Shop, seller: dict[str, str], store_id: str, **fields: Any) -> Any:
    body = {"category": "sembako", "unit": "kg", "stock": 10, **fields}
    return shop.call("POST", f"/v1/stores/{store_id}/products", seller, body)


def _error(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    return dict(error_of(response.json()))


def test_a_staple_named_like_a_reference_must_name_it(shop: Shop) -> None:
    seller, store_id = _seller_store(shop)
    curah = {"name": f"Beras Medium Curah {shop.tag}", "price_idr": 20_000}
    unnamed = _error(_create(shop, seller, store_id, **curah))
    assert unnamed["code"] == "reference_required"
    assert "beras_medium_jawa" in unnamed["details"]["suggested_skus"]
    # Naming some other, dearer reference does not walk around it either.
    other = _error(_create(shop, seller, store_id, **curah, reference_sku="gula_pasir"))
    assert other["code"] == "reference_required"
    named = _error(_create(shop, seller, store_id, **curah, reference_sku="beras_medium_jawa"))
    assert named["code"] == "price_above_reference" and named["details"]["max_price_idr"] == 13_500
    fair = _create(shop, seller, store_id, **{**curah, "price_idr": 13_000}, reference_sku="beras_medium_jawa")
    assert fair.status_code == 201 and fair.json()["reference_quantity"] == 1
    # Only staples: a dish with egg in its name is not priced per kg of eggs.
    dish = {"name": f"Nasi Goreng Telur {shop.tag}", "category": "kuliner", "unit": "porsi", "price_idr": 20_000}
    assert _create(shop, seller, store_id, **dish).status_code == 201


def test_pack_sizes_are_converted_to_the_reference_unit_and_capped(shop: Shop) -> None:
    seller, store_id = _seller_store(shop)
    rice = {"name": f"Beras Medium 5 kg {shop.tag}", "reference_sku": "beras_medium_jawa"}
    bag = _create(shop, seller, store_id, **rice, unit="5 kg", price_idr=66_000)  # Rp13.200 per kg
    assert bag.status_code == 201, bag.text
    assert bag.json()["reference_quantity"] == 5 and bag.json()["available"] is True
    dear = _error(_create(shop, seller, store_id, **rice, unit="5 kg", price_idr=67_501))
    assert dear["code"] == "price_above_reference" and dear["details"]["max_price_idr"] == 67_500
    sack = _error(_create(shop, seller, store_id, **rice, unit="karung", price_idr=66_000))
    assert sack["details"]["field"] == "unit" and "reference_quantity" in sack["message"] and "kg" in sack["message"]
    given = _create(shop, seller, store_id, **rice, unit="karung", price_idr=66_000, reference_quantity=5)
    assert given.status_code == 201 and given.json()["reference_quantity"] == 5
    wrong = _error(_create(shop, seller, store_id, **rice, unit="5 kg", price_idr=60_000, reference_quantity=4))
    assert wrong["details"]["field"] == "reference_quantity"
    half = _create(shop, seller, store_id, **rice, unit="500 gram", price_idr=6_750)
    assert half.status_code == 201 and half.json()["reference_quantity"] == 0.5


def test_eggs_by_count_need_their_weight_against_a_price_per_kg(shop: Shop) -> None:
    seller, store_id = _seller_store(shop)
    eggs = {"name": f"Telur Ayam 10 butir {shop.tag}", "unit": "10 butir", "reference_sku": "telur_ayam_ras"}
    uncompared = _error(_create(shop, seller, store_id, **eggs, price_idr=2_500))
    assert uncompared["details"]["field"] == "unit" and "kg" in uncompared["message"]
    weighed = _create(shop, seller, store_id, **eggs, price_idr=17_500, reference_quantity=0.6)
    assert weighed.status_code == 201 and weighed.json()["reference_quantity"] == 0.6
    over = _error(_create(shop, seller, store_id, **eggs, price_idr=18_001, reference_quantity=0.6))
    assert over["code"] == "price_above_reference" and over["details"]["max_price_idr"] == 18_000


def test_a_change_is_checked_as_the_product_would_be_after_it(shop: Shop) -> None:
    seller, store_id = _seller_store(shop)
    made = _create(
        shop,
        seller,
        store_id,
        name=f"Beras 5 kg {shop.tag}",
        unit="5 kg",
        price_idr=66_000,
        reference_sku="beras_medium_jawa",
    )
    path = f"/v1/products/{made.json()['product_id']}"
    per_kg = _error(shop.call("PATCH", path, seller, {"unit": "kg"}))
    assert per_kg["code"] == "price_above_reference" and per_kg["details"]["max_price_idr"] == 13_500
    repriced = shop.call("PATCH", path, seller, {"unit": "kg", "price_idr": 13_000})
    assert repriced.status_code == 200 and repriced.json()["reference_quantity"] == 1
    assert shop.call("PATCH", path, seller, {"stock": 3}).json()["reference_quantity"] == 1
    unnamed = _error(shop.call("PATCH", path, seller, {"reference_sku": None}))
    assert unnamed["code"] == "reference_required"
    beans = _create(shop, seller, store_id, name=f"Kacang Tanah {shop.tag}", unit="bungkus", price_idr=30_000)
    renamed = shop.call("PATCH", f"/v1/products/{beans.json()['product_id']}", seller, {"name": f"Beras {shop.tag}"})
    assert _error(renamed)["code"] == "reference_required"


def test_a_lowered_reference_hides_packs_above_their_new_cap(shop: Shop) -> None:
    sku = f"kedelai_{shop.tag}"
    path = f"/v1/admin/reference-prices/{sku}"
    bad_unit = shop.call("PUT", path, shop.admin, {"name": "Kedelai", "unit": "5 kg", "max_price_idr": 10_000})
    assert _error(bad_unit)["details"]["field"] == "unit"
    body = {
        "name": f"Kedelai {shop.tag}",
        "unit": "Kilogram",
        "max_price_idr": 10_000,
        "words": [f"kedelai {shop.tag}"],
    }
    put = shop.call("PUT", path, shop.admin, body)
    assert put.status_code == 200 and put.json()["unit"] == "kg" and put.json()["words"] == [f"kedelai {shop.tag}"]
    seller, store_id = _seller_store(shop)
    soy = {"name": f"Kedelai {shop.tag} 2 kg", "unit": "2 kg", "price_idr": 19_000}
    assert _error(_create(shop, seller, store_id, **soy))["details"]["suggested_skus"] == [sku]
    made = _create(shop, seller, store_id, **soy, reference_sku=sku)
    assert made.status_code == 201 and made.json()["available"] is True
    # Without `words` the stored ones stay; the cap of a 2 kg pack drops to Rp18.000.
    lowered = shop.call("PUT", path, shop.admin, {"name": body["name"], "unit": "kg", "max_price_idr": 9_000})
    assert lowered.json()["listings_changed"] == 1 and lowered.json()["words"] == [f"kedelai {shop.tag}"]
    mine = shop.call("GET", f"/v1/products/{made.json()['product_id']}", seller).json()
    assert mine["hidden_reason"] == "price_above_reference" and mine["available"] is False


def test_the_city_takes_a_listing_down_and_the_seller_is_told_why(shop: Shop) -> None:
    seller, store_id = _seller_store(shop)
    gold = _create(shop, seller, store_id, name=f"Emas Batangan {shop.tag}", unit="gram", price_idr=1_500_000)
    path = f"/v1/products/{gold.json()['product_id']}"
    take_down = f"/v1/admin/products/{gold.json()['product_id']}"
    reason = "Emas batangan bukan bahan pangan"
    down = shop.call("POST", f"{take_down}/take-down", shop.admin, {"reason": reason})
    assert down.status_code == 200, down.text
    assert down.json()["hidden_reason"] == "taken_down" and down.json()["available"] is False
    assert shop.call("GET", path).status_code == 404
    assert shop.call("GET", f"/v1/products?store_id={store_id}").json()["items"] == []
    # Whatever the seller edits, it stays down.
    edited = shop.call("PATCH", path, seller, {"active": True, "price_idr": 1_400_000})
    assert edited.status_code == 200 and edited.json()["hidden_reason"] == "taken_down"
    assert shop.call("GET", f"/v1/stores/{store_id}/products").json()["items"] == []
    twice = shop.call("POST", f"{take_down}/take-down", shop.admin, {"reason": reason})
    assert twice.status_code == 409 and error_of(twice.json())["code"] == "invalid_transition"

    def told() -> bool:
        inbox = shop.call("GET", "/v1/me/notifications", seller).json()["items"]
        return any(n["kind"] == "product_taken_down" and reason in n["body"] for n in inbox)

    shop.wait(told)
    restored = shop.call("POST", f"{take_down}/restore", shop.admin)
    assert restored.status_code == 200 and restored.json()["available"] is True
    assert restored.json()["hidden_reason"] is None and restored.json()["price_idr"] == 1_400_000
    again = shop.call("POST", f"{take_down}/restore", shop.admin)
    assert again.status_code == 409


def test_a_seller_lists_every_product_of_the_store_with_why_it_is_hidden(shop: Shop) -> None:
    seller, store_id = _seller_store(shop)
    made = {
        name: _create(shop, seller, store_id, name=f"{name} {shop.tag}", unit="bungkus", price_idr=5_000, stock=stock)
        for name, stock in (("Kacang", 5), ("Kedelai", 0), ("Jagung", 5), ("Tepung", 5))
    }
    ids = {name: response.json()["product_id"] for name, response in made.items()}
    assert shop.call("DELETE", f"/v1/products/{ids['Jagung']}", seller).status_code == 204
    down = {"reason": "uji"}
    assert shop.call("POST", f"/v1/admin/products/{ids['Tepung']}/take-down", shop.admin, down).status_code == 200
    everything = f"/v1/stores/{store_id}/products?include_hidden=true"
    reasons = {p["product_id"]: p["hidden_reason"] for p in shop.call("GET", everything, seller).json()["items"]}
    assert reasons == {
        ids["Kacang"]: None,
        ids["Kedelai"]: "out_of_stock",
        ids["Jagung"]: "withdrawn",
        ids["Tepung"]: "taken_down",
    }
    assert {p["product_id"] for p in shop.call("GET", everything, shop.admin).json()["items"]} == set(ids.values())
    first = shop.call("GET", f"{everything}&limit=3", seller).json()
    rest = shop.call("GET", f"{everything}&limit=3&cursor={first['next_cursor']}", seller).json()
    assert len(first["items"]) == 3 and len(rest["items"]) == 1
    # Anyone else (with or without the flag) gets the store's listed products, without reasons.
    for who in ({}, shop.user("buyer")):
        public = shop.call("GET", everything, who).json()["items"]
        assert {p["product_id"] for p in public} == {ids["Kacang"], ids["Kedelai"]}
        assert all("hidden_reason" not in p for p in public)
    assert shop.call("GET", f"/v1/stores/{store_id}/products?include_hidden=yes", seller).status_code == 422
