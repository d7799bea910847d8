"""Browse and search listed products: Query-only, constant cost per page, fair order.

Order: every product has a static pseudo-random `rank`; each Jakarta day the listing
starts at a different point of that order and wraps around, so the top of the page
rotates among all stores instead of going to the same few forever. When the buyer's
kecamatan is known (and no kecamatan or store is asked for), its products come first.
A page walks a fixed list of segments (partition x rank range); the cursor remembers the
day, the segment and the last rank, so paging is exact even across midnight.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.catalog import model, products
from chalicelib.catalog.categories import CATEGORY_IDS
from chalicelib.catalog.tables import ProductRecord, SearchRecord
from chalicelib.errors import ValidationFailed
from chalicelib.ids import jakarta_day, utcnow
from chalicelib.paging import PageRequest, encode_cursor
from chalicelib.text import words
from chalicelib.validators import check_kecamatan

if TYPE_CHECKING:
    from chalicelib import shapes

CURSOR_FIELDS = ("d", "s", "k")  # day offset, segment index, last rank read (glossary: chalicelib.paging)
START = "-"  # `k` of a segment not yet started
MAX_QUERIES = 8
MAX_Q_CHARS = 100

INDEXES: dict[str, tuple[Any, str]] = {
    "all": (ProductRecord.listed_all, "l_all"),
    "cat": (ProductRecord.listed_category, "l_cat"),
    "kec": (ProductRecord.listed_kecamatan, "l_kec"),
    "ck": (ProductRecord.listed_category_kecamatan, "l_ck"),
    "store": (ProductRecord.listed_store, "l_store"),
}


@dataclass(frozen=True)
class Filters:
    """What the buyer asked for."""

    category: str | None = None
    kecamatan: str | None = None
    store_id: str | None = None
    terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Segment:
    """One Query: a partition, one side of the day's offset, and an optional filter."""

    source: str  # an INDEXES key, or "search"
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
    terms: tuple[str, ...] = ()
    if q is not None:
        if len(q) > MAX_Q_CHARS:
            raise ValidationFailed.field("q", f"at most {MAX_Q_CHARS} characters")
        terms = tuple(words(q))
        if not terms:
            raise ValidationFailed.field("q", "needs at least one letter or digit")
    return Filters(category, kecamatan, store_id, terms)


def segments(filters: Filters, buyer_kecamatan: str | None) -> list[Segment]:
    """Plan the Queries a full walk of this listing makes, in order."""
    favour = buyer_kecamatan if not filters.kecamatan and not filters.store_id else None
    if filters.terms:
        term = max(filters.terms, key=len)
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
        and (last == START or re.fullmatch(r"[0-9a-f]{8}#[A-Za-z0-9]{1,64}", last))
    )
    if not valid:
        raise ValidationFailed.field("cursor", "invalid cursor")
    return offset, int(segment), last


def _query(
    segment: Segment, filters: Filters, offset: str, after: str | None, limit: int
) -> tuple[list[ProductRecord], str | None]:
    """Run one Query of a segment; return the products and the rank to resume after (None: done)."""
    if segment.source == "search":
        return _search(segment, filters, offset, after, limit)
    index, hash_attr = INDEXES[segment.source]
    rank_range = ProductRecord.rank >= offset if segment.from_offset else ProductRecord.rank < offset
    condition = None
    if filters.category and segment.source == "store":
        condition = ProductRecord.category == filters.category
    if filters.kecamatan and segment.source == "store":
        condition = _and(condition, ProductRecord.kecamatan == filters.kecamatan)
    if segment.not_kecamatan:
        condition = _and(condition, ProductRecord.kecamatan != segment.not_kecamatan)
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


def _search(
    segment: Segment, filters: Filters, offset: str, after: str | None, limit: int
) -> tuple[list[ProductRecord], str | None]:
    """Query one search word, filter by the other words and filters, then fetch live products."""
    rank_range = SearchRecord.rank >= offset if segment.from_offset else SearchRecord.rank < offset
    condition = None
    for term in filters.terms:
        if term != segment.hash_value:
            condition = _and(condition, SearchRecord.name_norm.contains(f" {term} "))
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
    start = {"term": {"S": segment.hash_value}, "rank": {"S": after}} if after else None
    result = SearchRecord.query(
        segment.hash_value,
        range_key_condition=rank_range,
        filter_condition=condition,
        limit=limit,
        last_evaluated_key=start,
    )
    entries = list(result)
    last = result.last_evaluated_key
    found = {p.product_id: p for p in ProductRecord.batch_get([e.product_id for e in entries])} if entries else {}
    ordered = [found[e.product_id] for e in entries if e.product_id in found and found[e.product_id].l_all]
    return ordered, (last["rank"]["S"] if last else None)


def _and(left: Any, right: Any) -> Any:
    return right if left is None else left & right
