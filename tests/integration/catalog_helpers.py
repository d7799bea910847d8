"""Build stores and products through the API for catalog tests."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from chalice.test import Client

from tests.integration.conftest import bearer


class Catalog:
    """A test's sellers, admin and the calls to set up a catalog."""

    def __init__(self, client: Client, key_path: Path) -> None:
        self.client = client
        self.key_path = key_path
        self.admin = bearer(key_path, "admin-" + uuid.uuid4().hex[:6], ["admin"])

    def seller(self, name: str | None = None) -> dict[str, str]:
        return bearer(self.key_path, name or "seller-" + uuid.uuid4().hex[:8], ["seller"])

    def owner_of(self, store: dict[str, Any]) -> dict[str, str]:
        return bearer(self.key_path, store["owner_id"], ["seller"])

    def call(self, method: str, path: str, headers: dict[str, str] | None = None, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else b""
        return self.client.http.request(method, path, headers=headers or {}, body=data)

    def store(self, seller: dict[str, str], approve: bool = True, **fields: Any) -> dict[str, Any]:
        body = {
            "name": "Toko " + uuid.uuid4().hex[:6],
            "kind": "toko_kelontong",
            "kecamatan": "Gubeng",
            "kelurahan": "Airlangga",
            "address": "Jl. Airlangga 1",
            "phone_number": "081234567890",
            **fields,
        }
        response = self.call("POST", "/v1/stores", seller, body)
        assert response.status_code == 201, response.json_body
        store = response.json_body
        if approve:
            approved = self.call("POST", f"/v1/admin/stores/{store['store_id']}/approve", self.admin)
            assert approved.status_code == 200, approved.json_body
            store = approved.json_body
        return dict(store)

    def product(self, seller: dict[str, str], store_id: str, **fields: Any) -> dict[str, Any]:
        body = {
            "name": "Kacang Hijau 1 kg",  # a staple no reference price names (else it must name one)
            "category": "sembako",
            "unit": "bungkus",
            "price_idr": 70000,
            "stock": 10,
            **fields,
        }
        response = self.call("POST", f"/v1/stores/{store_id}/products", seller, body)
        assert response.status_code == 201, response.json_body
        return dict(response.json_body)

    def listing(self, query: str = "", headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """Walk every page of GET /v1/products and return all items."""
        items: list[dict[str, Any]] = []
        cursor = None
        for _ in range(200):
            suffix = f"&cursor={cursor}" if cursor else ""
            response = self.call("GET", f"/v1/products?{query}{suffix}", headers)
            assert response.status_code == 200, response.json_body
            items += response.json_body["items"]
            cursor = response.json_body["next_cursor"]
            if not cursor:
                return items
        raise AssertionError("listing did not end")

    def ids(self, query: str = "", headers: dict[str, str] | None = None) -> list[str]:
        return [p["product_id"] for p in self.listing(query, headers)]
