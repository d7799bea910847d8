"""A shop owner's first day: applying once, finding their stores, hearing what the city decided.

Also the API's manners a newcomer meets first: an unknown query parameter is refused as an
unknown body field is, and a refused curation says why in plain words.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.shop import Shop


def application(name: str, **changes: str) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "umkm",
        "kecamatan": "Tegalsari",
        "kelurahan": "Kedungdoro",
        "address": "Jl. Kedungdoro 9",
        "phone_number": "081234567890",
        **changes,
    }


def my_stores(shop: Shop, seller: dict[str, str]) -> list[dict[str, Any]]:
    return shop.every("/v1/me/stores", seller)


def notices(shop: Shop, user: dict[str, str], kind: str) -> list[dict[str, Any]]:
    shop.stack.drain()
    return [n for n in shop.every("/v1/me/notifications", user) if n["kind"] == kind]


def test_my_stores_lists_every_status_newest_first_and_only_mine(shop: Shop) -> None:
    seller, other = shop.user("seller"), shop.user("seller")
    first = shop.call("POST", "/v1/stores", seller, application(f"Toko Satu {shop.tag}")).json()
    second = shop.call("POST", "/v1/stores", seller, application(f"Toko Dua {shop.tag}")).json()
    shop.call("POST", "/v1/stores", other, application(f"Toko Lain {shop.tag}"))
    reason = {"reason": "alamat tidak ditemukan"}
    assert shop.call("POST", f"/v1/admin/stores/{first['store_id']}/reject", shop.admin, reason).status_code == 200

    listed = my_stores(shop, seller)
    assert [(s["store_id"], s["status"]) for s in listed] == [
        (second["store_id"], "pending"),
        (first["store_id"], "rejected"),
    ]
    assert listed[1]["reason"] == "alamat tidak ditemukan"
    page = shop.call("GET", "/v1/me/stores?limit=1", seller).json()
    assert len(page["items"]) == 1 and page["next_cursor"]


def test_the_same_application_twice_makes_one_store(shop: Shop) -> None:
    seller = shop.user("seller")
    body = application(f"Warung Bu Tin {shop.tag}")
    once = shop.call("POST", "/v1/stores", seller, body)
    twice = shop.call("POST", "/v1/stores", seller, body)
    assert once.status_code == twice.status_code == 201
    assert once.json()["store_id"] == twice.json()["store_id"]
    assert len(my_stores(shop, seller)) == 1

    # the same name with other details is a second store under one name: refused, naming the first
    other = shop.call("POST", "/v1/stores", seller, application(f"warung bu tin {shop.tag}", address="Jl. Lain 2"))
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "conflict"
    assert other.json()["error"]["details"] == {"store_id": once.json()["store_id"], "status": "pending"}

    # once rejected, the seller may apply again under that name
    shop.call("POST", f"/v1/admin/stores/{once.json()['store_id']}/reject", shop.admin, {"reason": "NIB salah"})
    again = shop.call("POST", "/v1/stores", seller, body)
    assert again.status_code == 201 and again.json()["store_id"] != once.json()["store_id"]


def test_the_seller_is_told_what_the_city_decided(shop: Shop) -> None:
    seller = shop.user("seller")
    rejected = shop.call("POST", "/v1/stores", seller, application(f"Toko Ditolak {shop.tag}")).json()
    approved = shop.call("POST", "/v1/stores", seller, application(f"Toko Jaya {shop.tag}")).json()
    shop.call("POST", f"/v1/admin/stores/{rejected['store_id']}/reject", shop.admin, {"reason": "NIB tidak cocok"})
    shop.call("POST", f"/v1/admin/stores/{approved['store_id']}/approve", shop.admin)
    shop.call("POST", f"/v1/admin/stores/{approved['store_id']}/suspend", shop.admin, {"reason": "keluhan pembeli"})
    shop.call("POST", f"/v1/admin/stores/{approved['store_id']}/approve", shop.admin)

    (rejection,) = notices(shop, seller, "store_rejected")
    assert f"Toko Ditolak {shop.tag}" in rejection["body"] and "NIB tidak cocok" in rejection["body"]
    (approval,) = notices(shop, seller, "store_approved")
    assert f"Toko Jaya {shop.tag}" in approval["body"]
    (suspension,) = notices(shop, seller, "store_suspended")
    assert "keluhan pembeli" in suspension["body"]
    (reinstatement,) = notices(shop, seller, "store_reinstated")  # not a second "approved"
    assert f"Toko Jaya {shop.tag}" in reinstatement["body"]


def test_a_refused_curation_says_why(shop: Shop) -> None:
    store_id = shop.store(shop.user("seller"))
    again = shop.call("POST", f"/v1/admin/stores/{store_id}/approve", shop.admin)
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "invalid_transition"
    assert error["message"] == "cannot approve this store: it is active, and only a pending or suspended store can be"
    assert error["details"] == {"status": "active", "allowed_from": ["pending", "suspended"]}


@pytest.mark.parametrize(
    "path", ["/v1/products?colour=merah", "/v1/stores?kecamatan=Gubeng&sort_by=name", "/v1/health?x=1"]
)
def test_an_unknown_query_parameter_is_refused_by_name(shop: Shop, path: str) -> None:
    answer = shop.call("GET", path)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"]["field"] == path.rsplit("&", 1)[-1].split("?")[-1].split("=")[0]
