"""Drive the money path over HTTP: stores, stock, carts, checkouts, payments, waiting."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import requests

from tests.e2e.conftest import RunningStack

TIMEOUT = 30


class Shop:
    """One test's sellers, buyers and admin on a running stack."""

    def __init__(self, stack: RunningStack) -> None:
        self.stack = stack
        self.url = stack.url
        self.tag = uuid.uuid4().hex[:8]
        self.admin = stack.headers(f"admin-{self.tag}", ["admin"])

    def user(self, role: str, name: str | None = None) -> dict[str, str]:
        return self.stack.headers(f"{role}-{name or uuid.uuid4().hex[:8]}-{self.tag}", [role])

    def call(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: Any = None, **extra_headers: str
    ) -> requests.Response:
        merged = {**(headers or {}), **{k.replace("_", "-"): v for k, v in extra_headers.items()}}
        return requests.request(method, f"{self.url}{path}", headers=merged, json=body, timeout=TIMEOUT)

    def store(self, seller: dict[str, str], kecamatan: str = "Gubeng", kelurahan: str = "Airlangga") -> str:
        applied = self.call(
            "POST",
            "/v1/stores",
            seller,
            {
                "name": f"Toko {uuid.uuid4().hex[:6]}",
                "kind": "toko_kelontong",
                "kecamatan": kecamatan,
                "kelurahan": kelurahan,
                "address": "Jl. Uji 1",
                "phone_number": "081234567890",
            },
        )
        assert applied.status_code == 201, applied.text
        store_id = str(applied.json()["store_id"])
        assert self.call("POST", f"/v1/admin/stores/{store_id}/approve", self.admin).status_code == 200
        return store_id

    def product(
        self, seller: dict[str, str], store_id: str, stock: int, price: int = 10_000, name: str = "Barang"
    ) -> str:
        made = self.call(
            "POST",
            f"/v1/stores/{store_id}/products",
            seller,
            {"name": f"{name} {self.tag}", "category": "sembako", "unit": "pcs", "price_idr": price, "stock": stock},
        )
        assert made.status_code == 201, made.text
        return str(made.json()["product_id"])

    def stock(self, product_id: str, seller: dict[str, str]) -> int:
        return int(self.call("GET", f"/v1/products/{product_id}", seller).json()["stock"])

    def put(self, buyer: dict[str, str], product_id: str, quantity: int) -> requests.Response:
        return self.call("PUT", f"/v1/cart/items/{product_id}", buyer, {"quantity": quantity})

    def checkout(self, buyer: dict[str, str], key: str | None = None, method: str = "pickup") -> requests.Response:
        body: dict[str, Any] = {"fulfillment": {"method": method}}
        if method == "delivery":
            body["fulfillment"]["address"] = "Jl. Pemuda 1, Surabaya"
        return self.call("POST", "/v1/checkout", buyer, body, Idempotency_Key=key or uuid.uuid4().hex)

    def pay(self, buyer: dict[str, str], checkout_id: str, outcome: str = "succeeded") -> requests.Response:
        return self.call("POST", f"/v1/dev/checkouts/{checkout_id}/pay", buyer, {"outcome": outcome})

    def order(self, headers: dict[str, str], order_id: str) -> dict[str, Any]:
        response = self.call("GET", f"/v1/orders/{order_id}", headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def wait(self, check: Callable[[], bool], timeout: float = 30) -> None:
        """Poll until check() holds (webhooks arrive about a second after a payment)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.2)
        raise AssertionError("condition not reached in time")

    def wait_status(self, headers: dict[str, str], order_id: str, status: str, timeout: float = 30) -> dict[str, Any]:
        self.wait(lambda: self.order(headers, order_id)["status"] == status, timeout)
        return self.order(headers, order_id)

    def every(self, path: str, headers: dict[str, str]) -> list[dict[str, Any]]:
        """Return every item of a paged list, following its cursors (`path` has no query string)."""
        found: list[dict[str, Any]] = []
        cursor = ""
        while True:
            page = self.call("GET", f"{path}?limit=100{cursor}", headers).json()
            found += page["items"]
            if not page["next_cursor"]:
                return found
            cursor = f"&cursor={page['next_cursor']}"

    def post_webhook(self, payload: bytes, signature: str, timeout: float = 15) -> requests.Response:
        """Deliver a (signed) Stripe event to the webhook, as Stripe would."""
        headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
        return requests.post(f"{self.url}/v1/webhooks/stripe", data=payload, headers=headers, timeout=timeout)

    def signed_event(
        self, event_id: str, event_type: str, object_id: str, object_type: str = "payment_intent"
    ) -> tuple[bytes, str]:
        """Make a Stripe event about one object, signed with the stack's webhook secret, as Stripe would send it."""
        secret = (self.stack.state_dir / "stripe-webhook-secret").read_text()
        now = int(time.time())
        payload = json.dumps(
            {
                "id": event_id,
                "object": "event",
                "type": event_type,
                "created": now,
                "data": {"object": {"id": object_id, "object": object_type}},
            }
        ).encode()
        signature = hmac.new(secret.encode(), f"{now}.".encode() + payload, hashlib.sha256).hexdigest()
        return payload, f"t={now},v1={signature}"

    def stripe_get(self, path: str) -> Any:
        """GET from the local Stripe stand-in's API (which takes any `sk_` key)."""
        base = self.call("GET", "/_local/stripe").json()["url"]
        found = requests.get(f"{base}{path}", headers={"Authorization": "Bearer sk_test_peken_e2e"}, timeout=10)
        assert found.status_code == 200, found.text
        return found.json()

    def clock(self, offset_seconds: float) -> None:
        assert self.call("POST", "/_local/clock", body={"offset_seconds": offset_seconds}).status_code == 200

    def run_schedule(self, name: str) -> Any:
        # A sweep over a busy stack (hundreds of expiring checkouts) may take a while.
        response = requests.post(f"{self.url}/_local/schedules/{name}", timeout=180)
        assert response.status_code == 200, response.text
        return response.json()["result"]
