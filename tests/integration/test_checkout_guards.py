"""Checkout's transaction itself refuses a seller's own products, whatever the cart holds."""

from __future__ import annotations

from typing import Any

import pytest
from chalice.test import Client
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.catalog import inventory
from chalicelib.dynamo import connection
from chalicelib.orders import checkout
from tests.integration.catalog_helpers import Catalog


def test_the_reservation_refuses_the_buyers_own_products_and_says_why(client: Client, aws: dict[str, Any]) -> None:
    """The cart refuses them already; a cart filled before that rule (or by a race) meets this guard."""
    cat = Catalog(client, aws["key_path"])
    store = cat.store(cat.seller("warung-both"))
    product = cat.product(cat.seller("warung-both"), store["store_id"], price_idr=20_000)
    lines = [inventory.Line(product["product_id"], 1, 20_000)]
    with pytest.raises(TransactWriteError) as refused, TransactWrite(connection=connection()) as tx:
        inventory.reserve(tx, lines, "warung-both")
    why = checkout._why(refused.value, lines, "warung-both")
    assert (why.status, why.code) == (422, "own_store")
    assert why.details["items"] == [{"product_id": product["product_id"]}]
    with TransactWrite(connection=connection()) as tx:
        inventory.reserve(tx, lines, "someone-else")  # anyone else may buy it
    assert cat.call("GET", f"/v1/products/{product['product_id']}").json_body["stock"] == 9
