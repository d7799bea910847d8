"""Sellers apply, the city curates, anyone browses active stores."""

from __future__ import annotations

from typing import Any

import pytest
from chalice.test import Client

from tests.helpers import error_of
from tests.integration.catalog_helpers import Catalog
from tests.integration.conftest import bearer


@pytest.fixture()
def cat(client: Client, aws: dict[str, Any]) -> Catalog:
    return Catalog(client, aws["key_path"])


def test_application_waits_pending_and_is_private(cat: Catalog) -> None:
    seller = cat.seller()
    store = cat.store(
        seller,
        approve=False,
        phone_number="0812 1111 2222",
        kecamatan="pabean cantikan",
        kelurahan="perak utara",
        nib="1234567890123",
    )
    assert store["status"] == "pending" and store["open"] is True
    assert (store["kecamatan"], store["kelurahan"]) == ("Pabean Cantian", "Tanjung Perak")
    assert store["phone_number"] == "+6281211112222"
    assert cat.call("GET", f"/v1/stores/{store['store_id']}").status_code == 404
    assert cat.call("GET", f"/v1/stores/{store['store_id']}", seller).json_body["status"] == "pending"
    assert cat.call("GET", f"/v1/stores/{store['store_id']}", cat.admin).status_code == 200
    pending = cat.call("GET", "/v1/admin/stores?status=pending&limit=100", cat.admin).json_body["items"]
    assert store["store_id"] in [s["store_id"] for s in pending]


def test_only_sellers_apply(cat: Catalog, aws: dict[str, Any]) -> None:
    buyer = bearer(aws["key_path"], "just-a-buyer", ["buyer"])
    response = cat.call(
        "POST",
        "/v1/stores",
        buyer,
        {
            "name": "X",
            "kind": "umkm",
            "kecamatan": "Gubeng",
            "kelurahan": "Airlangga",
            "address": "a",
            "phone_number": "0812345678",
        },
    )
    assert response.status_code == 403 and error_of(response.json_body)["code"] == "forbidden"


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"kecamatan": "Menteng"}, "kecamatan"),
        ({"kelurahan": "Ketabang"}, "kelurahan"),
        ({"kind": "minimarket"}, "kind"),
        ({"phone_number": "555-1234"}, "phone_number"),
        ({"nib": "12"}, "nib"),
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"owner_id": "someone-else"}, "owner_id"),
    ],
)
def test_bad_applications_name_the_field(cat: Catalog, fields: dict[str, Any], field: str) -> None:
    body = {
        "name": "Toko",
        "kind": "umkm",
        "kecamatan": "Gubeng",
        "kelurahan": "Airlangga",
        "address": "Jl. 1",
        "phone_number": "081234567890",
        **fields,
    }
    response = cat.call("POST", "/v1/stores", cat.seller(), body)
    assert response.status_code == 422
    assert error_of(response.json_body)["details"]["field"] == field


def test_curation_moves_and_refuses_illegal_moves(cat: Catalog) -> None:
    seller = cat.seller()
    store = cat.store(seller, approve=False)
    sid = store["store_id"]
    assert cat.call("POST", f"/v1/admin/stores/{sid}/approve", seller).status_code == 403
    assert cat.call("POST", f"/v1/admin/stores/{sid}/suspend", cat.admin, {"reason": "x"}).status_code == 409
    assert cat.call("POST", f"/v1/admin/stores/{sid}/approve", cat.admin).json_body["status"] == "active"
    again = cat.call("POST", f"/v1/admin/stores/{sid}/approve", cat.admin)
    assert again.status_code == 409 and error_of(again.json_body)["code"] == "invalid_transition"
    assert cat.call("POST", f"/v1/admin/stores/{sid}/suspend", cat.admin, {}).status_code == 422
    suspended = cat.call("POST", f"/v1/admin/stores/{sid}/suspend", cat.admin, {"reason": "listed gold bars"})
    assert suspended.json_body["status"] == "suspended" and suspended.json_body["reason"] == "listed gold bars"
    assert cat.call("GET", f"/v1/stores/{sid}").status_code == 404
    other = cat.store(cat.seller(), approve=False)
    rejected = cat.call("POST", f"/v1/admin/stores/{other['store_id']}/reject", cat.admin, {"reason": "no NIB"})
    assert rejected.json_body["status"] == "rejected"
    assert cat.call("POST", "/v1/admin/stores/nope/approve", cat.admin).status_code == 404


def test_public_store_list_shows_active_open_stores_only(cat: Catalog) -> None:
    seller = cat.seller()
    shown = cat.store(seller, kecamatan="Pakal", kelurahan="Benowo", kind="swk")
    closed = cat.store(seller, kecamatan="Pakal", kelurahan="Benowo", kind="swk")
    cat.call("PATCH", f"/v1/stores/{closed['store_id']}", seller, {"open": False})
    cat.store(seller, approve=False, kecamatan="Pakal", kelurahan="Benowo", kind="swk")
    listed = cat.call("GET", "/v1/stores?kecamatan=pakal&kind=swk&limit=100").json_body["items"]
    ids = [s["store_id"] for s in listed]
    assert shown["store_id"] in ids and closed["store_id"] not in ids
    assert all(s["status"] == "active" and "phone_number" not in s and "owner_id" not in s for s in listed)
    public = cat.call("GET", f"/v1/stores/{shown['store_id']}").json_body
    assert "owner_id" not in public and "phone_number" not in public  # who owns a shop is not public
    assert cat.call("GET", f"/v1/stores/{shown['store_id']}", seller).json_body["owner_id"] == shown["owner_id"]
    assert cat.call("GET", "/v1/stores?kind=mall").status_code == 422
    assert cat.call("GET", "/v1/stores?kecamatan=Bandung").status_code == 422


def test_owner_changes_store_others_cannot(cat: Catalog) -> None:
    seller = cat.seller()
    store = cat.store(seller)
    changed = cat.call(
        "PATCH", f"/v1/stores/{store['store_id']}", seller, {"name": "Toko Baru", "phone_number": "+62 811 2222 3333"}
    )
    assert changed.status_code == 200
    assert (changed.json_body["name"], changed.json_body["phone_number"]) == ("Toko Baru", "+6281122223333")
    intruder = cat.call("PATCH", f"/v1/stores/{store['store_id']}", cat.seller(), {"name": "Mine now"})
    assert intruder.status_code == 403
    assert cat.call("PATCH", f"/v1/stores/{store['store_id']}", seller, {"status": "active"}).status_code == 422
    assert cat.call("PATCH", f"/v1/stores/{store['store_id']}", seller, {"open": None}).status_code == 422
