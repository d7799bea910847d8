"""A local stack keeps its whole state across a restart on the same PEKEN_STATE_DIR.

Tables, queued messages, uploaded objects, the local Stripe's payments and the signing key
live or die together (`infra/local/persistence.py`): stop `make run` (SIGTERM), start it
again on the same directory, and the data, the tokens issued before, the payment and the
event still waiting in a queue are all there; the demo data is not seeded twice.
"""

from __future__ import annotations

import gzip
import json
import signal
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
import requests

from infra.local.prepare import REGION
from infra.local.provision import TEST_CREDENTIALS
from tests.e2e.conftest import RunningStack, start_stack
from tests.e2e.shop import Shop
from tests.e2e.test_uploads import png, post, ticket
from tests.helpers import new_key

PAYMENTS = "peken-local-payments"
STRIPE_KEY = "sk_test_peken_e2e"


def local(stack: RunningStack, method: str, path: str) -> dict[str, Any]:
    response = requests.request(method, f"{stack.url}{path}", timeout=60)
    assert response.status_code == 200, response.text
    return dict(response.json())


def stripe_intent(stack: RunningStack, intent_id: str) -> requests.Response:
    base = local(stack, "GET", "/_local/stripe")["url"]
    return requests.get(
        f"{base}/v1/payment_intents/{intent_id}", headers={"Authorization": f"Bearer {STRIPE_KEY}"}, timeout=10
    )


def stored_object(bucket_url: str, key: str) -> bytes:
    """Read an object of the private bucket as the app does: a signed GET with the emulator's credentials."""
    parts = urlsplit(bucket_url)
    bucket = parts.path.strip("/").split("/")[0] or parts.hostname.split(".")[0]  # type: ignore[union-attr]
    s3: Any = boto3.client(
        "s3",
        endpoint_url=f"{parts.scheme}://127.0.0.1:{parts.port}",
        region_name=REGION,
        aws_access_key_id=TEST_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=TEST_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=TEST_CREDENTIALS["AWS_SESSION_TOKEN"],
    )
    return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def bought(shop: Shop, buyer: dict[str, str], product: str, quantity: int) -> dict[str, Any]:
    shop.call("DELETE", "/v1/cart", buyer)
    assert shop.put(buyer, product, quantity).status_code == 200
    made = shop.checkout(buyer)
    assert made.status_code == 201, made.text
    assert shop.pay(buyer, made.json()["checkout_id"]).json()["payment_intent_status"] == "succeeded"
    return dict(made.json())


def test_a_restarted_stack_has_everything_it_had(tmp_path_factory: pytest.TempPathFactory) -> None:
    state: Path = tmp_path_factory.mktemp("kept")
    first = start_stack(state)
    try:
        shop = Shop(first)
        seller, buyer_id = shop.user("seller"), f"buyer-{uuid.uuid4().hex[:8]}"
        buyer = first.headers(buyer_id, ["buyer"])  # issued before the restart
        store = shop.store(seller)
        product = shop.product(seller, store, stock=10)
        paid = bought(shop, buyer, product, 2)
        paid_order = paid["orders"][0]["order_id"]
        shop.wait_status(buyer, paid_order, "paid")
        # A second payment whose event waits in our queue when the stack stops.
        local(first, "POST", f"/_local/pump/{PAYMENTS}/pause")
        waiting = bought(shop, buyer, product, 1)
        shop.wait(lambda: local(first, "GET", "/_local/queues")["queues"][PAYMENTS]["visible"] == 1)
        photo = png()
        upload = ticket(shop, buyer, "image/png", len(photo))
        assert post(upload, photo).status_code in (201, 204)
        stores_before = len(shop.every("/v1/stores", buyer))
    finally:
        first.stop(signal.SIGTERM, timeout=60)
    assert first.process.returncode == 0
    with gzip.open(state / "state.json.gz", "rt") as fh:
        saved = json.load(fh)
    assert saved["version"] == 1 and saved["signing_key"] and saved["stripe"]

    again = start_stack(state)
    try:
        shop = Shop(again)
        # The token signed before the restart still works: the signing key was kept.
        assert requests.get(f"{again.url}/v1/me", headers=buyer, timeout=10).status_code == 200
        # The tables: the order, the store, the stock it took; the seed is not written twice.
        assert shop.order(buyer, paid_order)["status"] == "paid"
        assert shop.stock(product, seller) == 10 - 2 - 1
        assert len(shop.every("/v1/stores", buyer)) == stores_before
        # Stripe's payments are still there, beside their orders.
        for made in (paid, waiting):
            intent = stripe_intent(again, made["payment"]["payment_intent_id"])
            assert intent.status_code == 200, intent.text
            assert intent.json()["status"] == "succeeded"
        # The queued event survived too: this stack's pump delivers it and the order is paid.
        shop.wait_status(buyer, waiting["orders"][0]["order_id"], "paid")
        # The uploaded photo is still in the bucket (served by this stack's emulator, on its new port).
        assert stored_object(ticket(shop, buyer, "image/png", len(photo))["url"], upload["fields"]["key"]) == photo
    finally:
        again.stop(signal.SIGTERM, timeout=60)


def test_without_a_snapshot_a_stack_starts_empty_stripe_and_key_included(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Leftovers of a stack that never saved (killed at once) die with the emulator's state they belong to."""
    state: Path = tmp_path_factory.mktemp("fresh")
    (state / "stripe.pickle").write_bytes(b"not a store of this stack")  # localstripe would fail to read it
    leftover = new_key(state, "signing-key.pem").read_bytes()
    stack = start_stack(state)
    try:
        key = (state / "signing-key.pem").read_bytes()
        assert b"PRIVATE KEY" in key and key != leftover
        assert requests.get(f"{stack.url}/v1/me", headers=stack.headers("buyer-x", ["buyer"]), timeout=10).ok
    finally:
        stack.stop(signal.SIGTERM, timeout=60)
