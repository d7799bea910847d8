"""Search and price order: a page is a fixed few Queries and one BatchGetItem, no Scan; entries stay true."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.catalog import search
from chalicelib.catalog.tables import ProductRecord, SearchRecord
from tests.helpers import CallCounter
from tests.integration.catalog_helpers import Catalog


@pytest.fixture()
def cat(client: Client, aws: dict[str, Any]) -> Catalog:
    return Catalog(client, aws["key_path"])


@pytest.mark.parametrize(
    "query",
    [
        "q={tag}",
        "q={prefix}",
        "q=tahu%20{prefix}&max_price_idr=9000",
        "sort=price",
        "sort=price&max_price_idr=9000",
        "sort=price&category=kuliner&kecamatan=gubeng",
        "sort=price&q={prefix}",
        "sort=price&q={tag}%20gor&category=kuliner&max_price_idr=9000",
    ],
)
def test_a_page_costs_its_segments_and_one_batch_get(cat: Catalog, query: str) -> None:
    seller = cat.seller()
    store = cat.store(seller)
    tag = "z" + uuid.uuid4().hex[:8]
    name = f"Tahu Goreng {tag}"
    cat.product(seller, store["store_id"], name=name, category="kuliner", unit="bungkus", price_idr=8000)
    asked = query.format(tag=tag, prefix=tag[:5])
    with CallCounter() as counter:
        page = cat.call("GET", f"/v1/products?{asked}&store_id={store['store_id']}&limit=5")
    assert page.status_code == 200, page.json_body
    assert [p["name"] for p in page.json_body["items"]] == [name]
    halves = 1 if "sort=price" in query else 2  # the fair order reads the rotation's two halves
    assert counter.calls.count("Query") == halves and "Scan" not in counter.calls
    assert counter.calls.count("BatchGetItem") == 1  # only the half that found something fetches


def test_search_and_price_entries_follow_the_product(cat: Catalog) -> None:
    seller = cat.seller()
    store = cat.store(seller)
    tag = "t" + uuid.uuid4().hex[:8]
    made = cat.product(seller, store["store_id"], name=f"Telor Asin {tag}", category="kuliner", unit="butir")
    product_id = made["product_id"]
    rank = ProductRecord.get(product_id).rank
    expected = {"telur", "asin", tag, "^tel", "^asi", "^" + tag[:3]}
    assert {e.term for e in SearchRecord.query(tag)} == {tag}
    for term in expected:
        entry = SearchRecord.get(term, rank)
        assert (entry.price_idr, entry.p_rank) == (70000, search.price_key(70000, rank))
        assert entry.name_norm == f" telur asin {tag} telor "
    assert ProductRecord.get(product_id).l_price == search.price_key(70000, rank)
    renamed = cat.call("PATCH", f"/v1/products/{product_id}", seller, {"name": f"Kopi {tag}", "price_idr": 9000})
    assert renamed.status_code == 200, renamed.json_body
    for term in expected - {tag, "^" + tag[:3]}:
        assert SearchRecord.count(term, SearchRecord.rank == rank) == 0
    assert SearchRecord.get("^kop", rank).p_rank == search.price_key(9000, rank)
    assert ProductRecord.get(product_id).l_price == search.price_key(9000, rank)
    cat.call("DELETE", f"/v1/products/{product_id}", seller)
    assert ProductRecord.get(product_id).l_price is None
    assert SearchRecord.count(tag, SearchRecord.rank == rank) == 0
