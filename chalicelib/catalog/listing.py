"""Browse and search listed products: Query-only, constant cost per page, fair order.

Order: every product has a static pseudo-random `rank`; each Jakarta day the listing
starts at a different point of that order and wraps around, so the top of the page
rotates among all stores instead of going to the same few forever. When the buyer's
kecamatan is known (and no kecamatan or store is asked for), its products come first.
A page walks a fixed list of segments (partition x rank range); the cursor remembers the
day, the segment and the last rank, so paging is exact even across midnight.

`q` is one Query on a search-term partition (`catalog.search`: the last word is a prefix,
words fold to their canonical spelling, `catalog.synonyms`), then one BatchGetItem.
`max_price_idr` is a filter of the same Query (a key condition with `sort=price`).
`sort=price` (cheapest first, ties in rank order; `sort=fair`, the default, is the rotation
above) reads one `priced_*` index (the listing's partition, sorted by price then rank; see
`tables`) or, with `q`, the search table's `by_price` index; it does not put the buyer's
kecamatan first, since they asked for price order. Cost per page: at most MAX_QUERIES
Queries (one, unless filters thin it) plus, for `q` or `sort=price`, one BatchGetItem each.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.catalog import model, products, search
from chalicelib.catalog.categories import CATEGORY_IDS
from chalicelib.catalog.tables import ProductRecord, SearchRecord
from chalicelib.errors import ValidationFailed
from chalicelib.ids import jakarta_day, utcnow
from chalicelib.paging import PageRequest, encode_cursor
from chalicelib.validators import check_kecamatan, choice

if TYPE_CHECKING:
    from chalicelib import shapes

CURSOR_FIELDS = ("d", "s", "k")  # day offset, segment index, last rank read (glossary: chalicelib.paging)
START = "-"  # `k` of a segment not yet started
MAX_QUERIES = 8
MAX_Q_CHARS = 100
RANK_KEY = r"[0-9a-f]{8}#[A-Za-z0-9]{1,64}"
PRICE_KEY = f"[0-9]{{{search.PRICE_DIGITS}}}#{RANK_KEY}"

INDEXES: dict[str, tuple[Any, str]] = {
    "all": (ProductRecord.listed_all, "l_all"),
    "cat": (ProductRecord.listed_category, "l_cat"),
    "kec": (ProductRecord.listed_kecamatan, "l_kec"),
    "ck": (ProductRecord.listed_category_kecamatan, "l_ck"),
    "store": (ProductRecord.listed_store, "l_store"),
}
# The same partitions sorted by price (`l_price`), for sort=price: "p_" + an INDEXES key.
PRICED: dict[str, tuple[Any, str]] = {
    "p_all": (ProductRecord.priced_all, "l_all"),
    "p_cat": (ProductRecord.priced_category, "l_cat"),
    "p_kec": (ProductRecord.priced_kecamatan, "l_kec"),
    "p_ck": (ProductRecord.priced_category_kecamatan, "l_ck"),
    "p_store": (ProductRecord.priced_store, "l_store"),
}


@dataclass(frozen=True)
class Filters:
    """What the buyer asked for."""

    category: str | None = None
    kecamatan: str | None = None
    store_id: str | None = None
    search_plan: search.Plan | None = None
    max_price: int | None = None
    sort: search.Sort = "fair"


@dataclass(frozen=True)
class Segment:
    """One Query: a partition, one side of the day's offset, and an optional filter."""

    source: str  # an INDEXES or PRICED key, "search", or "search_price"
    hash_value: str
    from_offset: bool  # rank >= offset (True) or rank < offset (False)
    only_kecamatan: str | None = None
    not_kecamatan: str | None = None


def filters_from(query: Mapping[str, str]) -> Filters:
    """Validate the query string of GET /v1/products."""
    category = query.get("category") or None
    if category is not None and category not in CATEGORY_IDS:
        raise ValidationFailed.field("category", f"must be one of {', '.join(sorted(CATEGORY_IDS))}")
    kecamatan = None
    if query.get("kecamatan"):
        try:
            kecamatan = check_kecamatan(query["kecamatan"])
        except ValueError as exc:
            raise ValidationFailed.field("kecamatan", str(exc)) from exc
    store_id = query.get("store_id") or None
    if store_id is not None and (len(store_id) > 64 or not store_id.isalnum()):
        raise ValidationFailed.field("store_id", "not a store id")
    q = query.get("q")
    plan = None
    if q is not None:
        if len(q) > MAX_Q_CHARS:
            raise ValidationFailed.field("q", f"at most {MAX_Q_CHARS} characters")
        plan = search.plan(q)
        if plan is None:
            raise ValidationFailed.field("q", "needs at least one letter or digit")
    max_price = None
    if query.get("max_price_idr"):
        if not re.fullmatch(r"[0-9]{1,30}", query["max_price_idr"]):
            raise ValidationFailed.field("max_price_idr", "must be a whole number of rupiah, 0 or more")
        max_price = min(int(query["max_price_idr"]), model.MAX_PRICE_IDR)
    sort = choice(query, "sort", search.SORTS) or "fair"
    return Filters(category, kecamatan, store_id, plan, max_price, "price" if sort == "price" else "fair")


def segments(filters: Filters, buyer_kecamatan: str | None) -> list[Segment]:
    """Plan the Queries a full walk of this listing makes, in order."""
    if filters.sort == "price":
        if filters.search_plan:
            return [Segment("search_price", filters.search_plan.partition, True)]
        source, hash_value = _partition(filters.category, filters.kecamatan, filters.store_id)
        return [Segment("p_" + source, hash_value, True)]
    favour = buyer_kecamatan if not filters.kecamatan and not filters.store_id else None
    if filters.search_plan:
        term = filters.search_plan.partition
        if favour:
            phases = [
                Segment("search", term, True, only_kecamatan=favour),
                Segment("search", term, True, not_kecamatan=favour),
            ]
        else:
            phases = [Segment("search", term, True)]
    else:
        base = _partition(filters.category, filters.kecamatan, filters.store_id)
        if favour:
            phases = [
                Segment(*_partition(filters.category, favour, None), True),
                Segment(*base, True, not_kecamatan=favour),
            ]
        else:
            phases = [Segment(*base, True)]
    out = []
    for phase in phases:
        out += [phase, Segment(phase.source, phase.hash_value, False, phase.only_kecamatan, phase.not_kecamatan)]
    return out


def _partition(category: str | None, kecamatan: str | None, store_id: str | None) -> tuple[str, str]:
    if store_id:
        return "store", store_id
    if category and kecamatan:
        return "ck", f"{category}#{kecamatan}"
    if category:
        return "cat", category
    if kecamatan:
        return "kec", kecamatan
    return "all", "all"


def browse(filters: Filters, request: PageRequest, buyer_kecamatan: str | None = None) -> shapes.ProductPage:
    """Return one page of listed products."""
    plan = segments(filters, buyer_kecamatan)
    cursor = request.after or {"d": model.day_offset(jakarta_day(utcnow())), "s": "0", "k": START}
    offset, index, last = _checked(cursor, len(plan))
    _check_key(plan, index, last)
    found: list[ProductRecord] = []
    for _ in range(MAX_QUERIES):
        if index >= len(plan) or len(found) >= request.limit:
            break
        segment = plan[index]
        batch, last_rank = _query(segment, filters, offset, None if last == START else last, request.limit - len(found))
        found += batch
        if last_rank is None:
            index, last = index + 1, START
        else:
            last = last_rank
    more = index < len(plan)
    next_cursor = encode_cursor({"d": offset, "s": str(index), "k": last}) if more else None
    return {"items": [products.render(p) for p in found], "next_cursor": next_cursor}


def _checked(cursor: Mapping[str, str], size: int) -> tuple[str, int, str]:
    """Refuse cursors we did not make: they become key conditions of a Query."""
    offset, segment, last = cursor["d"], cursor["s"], cursor["k"]
    valid = (
        re.fullmatch(r"[0-9a-f]{8}", offset)
        and re.fullmatch(r"[0-9]{1,4}", segment)
        and int(segment) <= size
        and (last == START or re.fullmatch(RANK_KEY, last) or re.fullmatch(PRICE_KEY, last))
    )
    if not valid:
        raise ValidationFailed.field("cursor", "invalid cursor")
    return offset, int(segment), last


def _check_key(plan: list[Segment], index: int, last: str) -> None:
    """Refuse a cursor's key that does not fit its segment: a rank, or a price key on price-ordered ones."""
    if last == START or index >= len(plan):
        return
    priced = plan[index].source in PRICED or plan[index].source == "search_price"
    if not re.fullmatch(PRICE_KEY if priced else RANK_KEY, last):
        raise ValidationFailed.field("cursor", "invalid cursor")


def _query(
    segment: Segment, filters: Filters, offset: str, after: str | None, limit: int
) -> tuple[list[ProductRecord], str | None]:
    """Run one Query of a segment; return the products and the key to resume after (None: done)."""
    if segment.source in ("search", "search_price"):
        return _search(segment, filters, offset, after, limit)
    if segment.source in PRICED:
        return _priced(segment, filters, after, limit)
    index, hash_attr = INDEXES[segment.source]
    rank_range = ProductRecord.rank >= offset if segment.from_offset else ProductRecord.rank < offset
    condition = _store_filters(segment.source, filters)
    if segment.not_kecamatan:
        condition = _and(condition, ProductRecord.kecamatan != segment.not_kecamatan)
    if filters.max_price is not None:
        condition = _and(condition, ProductRecord.price_idr <= filters.max_price)
    start = None
    if after:
        start = {
            "product_id": {"S": after.split("#", 1)[1]},
            hash_attr: {"S": segment.hash_value},
            "rank": {"S": after},
        }
    result = index.query(
        segment.hash_value,
        range_key_condition=rank_range,
        filter_condition=condition,
        limit=limit,
        last_evaluated_key=start,
    )
    records = list(result)
    last = result.last_evaluated_key
    return records, (last["rank"]["S"] if last else None)


def _store_filters(source: str, filters: Filters) -> Any:
    """A store's partition holds all its categories: filter by the ones asked for."""
    condition = None
    if filters.category and source in ("store", "p_store"):
        condition = ProductRecord.category == filters.category
    if filters.kecamatan and source in ("store", "p_store"):
        condition = _and(condition, ProductRecord.kecamatan == filters.kecamatan)
    return condition


def _priced(
    segment: Segment, filters: Filters, after: str | None, limit: int
) -> tuple[list[ProductRecord], str | None]:
    """Read a partition in price order (the index has keys only), then fetch the live products."""
    index, hash_attr = PRICED[segment.source]
    price_range = None if filters.max_price is None else ProductRecord.l_price < search.price_bound(filters.max_price)
    start = None
    if after:
        start = {
            "product_id": {"S": after.split("#", 2)[2]},
            hash_attr: {"S": segment.hash_value},
            "l_price": {"S": after},
        }
    result = index.query(
        segment.hash_value,
        range_key_condition=price_range,
        filter_condition=_store_filters(segment.source, filters),
        limit=limit,
        last_evaluated_key=start,
    )
    keys = [record.product_id for record in result]
    last = result.last_evaluated_key
    return _live(keys, filters), (last["l_price"]["S"] if last else None)


def _search(
    segment: Segment, filters: Filters, offset: str, after: str | None, limit: int
) -> tuple[list[ProductRecord], str | None]:
    """Query one search term, filter by the other words and filters, then fetch live products."""
    plan = filters.search_plan
    condition = None
    for needle in plan.contains if plan else ():
        condition = _and(condition, SearchRecord.name_norm.contains(needle))
    for attribute, value in (
        ("category", filters.category),
        ("kecamatan", filters.kecamatan),
        ("store_id", filters.store_id),
        ("kecamatan", segment.only_kecamatan),
    ):
        if value:
            condition = _and(condition, getattr(SearchRecord, attribute) == value)
    if segment.not_kecamatan:
        condition = _and(condition, SearchRecord.kecamatan != segment.not_kecamatan)
    if segment.source == "search_price":
        key_range = None if filters.max_price is None else SearchRecord.p_rank < search.price_bound(filters.max_price)
        start = None
        if after:
            start = {"term": {"S": segment.hash_value}, "rank": {"S": after.split("#", 1)[1]}, "p_rank": {"S": after}}
        query, key = SearchRecord.by_price.query, "p_rank"
    else:
        key_range = SearchRecord.rank >= offset if segment.from_offset else SearchRecord.rank < offset
        if filters.max_price is not None:
            condition = _and(condition, SearchRecord.price_idr <= filters.max_price)
        start = {"term": {"S": segment.hash_value}, "rank": {"S": after}} if after else None
        query, key = SearchRecord.query, "rank"
    result = query(
        segment.hash_value,
        range_key_condition=key_range,
        filter_condition=condition,
        limit=limit,
        last_evaluated_key=start,
    )
    ids = [entry.product_id for entry in result]
    last = result.last_evaluated_key
    return _live(ids, filters), (last[key]["S"] if last else None)


def _live(product_ids: list[str], filters: Filters) -> list[ProductRecord]:
    """Fetch products in one BatchGetItem, keep the order, drop what stopped being listed or affordable."""
    if not product_ids:
        return []
    found = {p.product_id: p for p in ProductRecord.batch_get(product_ids)}
    ceiling = model.MAX_PRICE_IDR if filters.max_price is None else filters.max_price
    return [found[i] for i in product_ids if i in found and found[i].l_all and int(found[i].price_idr) <= ceiling]


def _and(left: Any, right: Any) -> Any:
    return right if left is None else left & right
