"""Which active stores need the city's attention, and why, a page of stores at a time, without a Scan.

A store appears with one or more `reasons`:
- `no_orders`: nobody ordered from it (a paid, or at least not abandoned, order) for
  NO_ORDERS_DAYS days (counted from its creation if it never had one);
- `all_hidden`: it has products but none is listed (each one capped, above its reference price,
  out of stock, withdrawn or taken down: `hidden_reasons` names which, from its products);
- `no_products`: it has nothing to sell at all.

Walks the active stores by the stores' `by_status` index (oldest first) and, for each store of
the page, reads what the writers already keep: its newest order by the orders' `by_store`
index (keys only, then the orders read: abandoned ones skipped), whether any product is listed by the
products' sparse `listed_store` index (an entry exists only while a product may be shown)
with stock (out-of-stock products stay in that index: a filter on `stock`), and, only when
none is, its products' reasons (`catalog.products.hidden_reason`) by `by_store`. Healthy stores are
skipped, so a page may hold fewer items than `limit`; follow `next_cursor` to the end.

Cost per page of n stores: one Query (the index holds keys only) and one BatchGetItem, then two
or three Queries per store (each Limit 1 but the reasons' read, at most 100 products), so about
3n reads; no table is walked whole.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Literal, get_args

from chalicelib.catalog import products
from chalicelib.catalog.tables import ProductRecord, StoreRecord
from chalicelib.dynamo import fetch, page_of, page_of_items
from chalicelib.ids import iso, utcnow
from chalicelib.orders.tables import OrderRecord
from chalicelib.paging import PageRequest, encode_cursor

if TYPE_CHECKING:
    from chalicelib import shapes

Reason = Literal["no_orders", "all_hidden", "no_products"]
REASONS: tuple[Reason, ...] = get_args(Reason)
NO_ORDERS_DAYS = 30
CURSOR_FIELDS = ("store_id", "created_at")  # the stores' by_status key, less its hash key
# Orders that count as a customer (awaiting_payment and expired ones were never paid).
PLACED = ("paid", "accepted", "ready", "completed", "cancelled")
REASON_PRODUCTS = 100  # products read for `hidden_reasons`
LISTED_PAGE = 100  # listed products read per Query while looking for one in stock


def page(request: PageRequest) -> shapes.StoreHealthPage:
    """A page of the active stores that need attention, oldest store first."""
    stores, last = page_of(StoreRecord.by_status, "status", "active", request.after, request.limit)
    stores = fetch(StoreRecord, [s.store_id for s in stores])  # the index holds keys only
    since = iso(utcnow() - timedelta(days=NO_ORDERS_DAYS))
    items: list[shapes.StoreHealth] = []
    for store in stores:
        item = check(store, since)
        if item is not None:
            items.append(item)
    return {"items": items, "next_cursor": encode_cursor(last) if last else None}


def check(store: StoreRecord, since: str) -> shapes.StoreHealth | None:
    """The store's reasons, or None when it is healthy."""
    reasons: list[Reason] = []
    last_order = last_order_at(store.store_id)
    if (last_order or store.created_at) < since:
        reasons.append("no_orders")
    hidden: list[str] = []
    if not _shows_anything(store.store_id):
        found = list(ProductRecord.by_store.query(store.store_id, limit=REASON_PRODUCTS))
        if not found:
            reasons.append("no_products")
        else:
            reasons.append("all_hidden")
            hidden = sorted({products.hidden_reason(p, store) or "not_listed" for p in found})
    if not reasons:
        return None
    return {
        "store_id": store.store_id,
        "name": store.name,
        "kecamatan": store.kecamatan,
        "reasons": reasons,
        "last_order_at": last_order,
        "hidden_reasons": hidden,
        "created_at": store.created_at,
    }


def _shows_anything(store_id: str) -> bool:
    """Whether a product of the store is listed with stock (listed out-of-stock products stay in the index)."""
    listed = ProductRecord.listed_store.query(
        store_id, filter_condition=ProductRecord.stock > 0, limit=1, page_size=LISTED_PAGE
    )
    return bool(list(listed))


def last_order_at(store_id: str) -> str | None:
    """When the store's newest not-abandoned order was placed (None: never)."""
    found, _ = page_of_items(
        OrderRecord.by_store,
        OrderRecord,
        ("order_id", "created_at"),
        "store_id",
        store_id,
        None,
        1,
        lambda order: order.status in PLACED,
        max_queries=5,
        newest_first=True,
    )
    return str(found[0].created_at) if found else None
