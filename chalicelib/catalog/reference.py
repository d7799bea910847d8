"""Reference (maximum) prices for staples, the words that name them, and what changing one does to listings.

A reference price is a maximum per unit (`units.reference_unit`: mass and volume units
convert, so pack sizes do; any other word is a count that converts only to itself); a
product that names it may cost at most floor(reference_quantity x max_price_idr). Its
`words` are the phrases a `sembako` product's name is matched against: such a product must
name one of the references it matches (see `products`).

All rows share one partition of the config table: listing them is one Query, cached for
CACHE_SECONDS per container for the name matching of product writes (a PUT refreshes the
cache of its own container). A product's named reference is read fresh (one GetItem).
Cost of a PUT: GetItem (the stored row), PutItem (with its audit entry: one transaction),
and a Query of the products naming the SKU, each re-synced (`visibility.sync`) only if its listing changes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.audit import service as audit
from chalicelib.auth import Principal
from chalicelib.catalog import model, visibility
from chalicelib.catalog.model import SKU_PATTERN
from chalicelib.catalog.tables import REFERENCE_KIND, ProductRecord, ReferencePriceRecord
from chalicelib.errors import ValidationFailed
from chalicelib.ids import iso, utcnow

if TYPE_CHECKING:
    from chalicelib import shapes
    from chalicelib.catalog import bodies

__all__ = ["SKU_PATTERN", "Reference", "get", "list_all", "matching", "put", "render"]
CACHE_SECONDS = 10.0
_cache: dict[str, Any] = {"at": -CACHE_SECONDS, "rows": {}}


@dataclass(frozen=True)
class Reference:
    """What product rules need of a reference price."""

    sku: str
    unit: str
    max_price_idr: int
    words: tuple[str, ...]


def put(principal: Principal, sku: str, body: bodies.ReferencePriceInput) -> shapes.ReferencePriceSet:
    """Create or change a reference price; products above their new cap are hidden until repriced."""
    import re

    if not re.fullmatch(SKU_PATTERN, sku):
        raise ValidationFailed.field("sku", "must be lowercase letters, digits and _ (at most 64)")
    try:
        old: ReferencePriceRecord | None = ReferencePriceRecord.get(REFERENCE_KIND, sku, consistent_read=True)
    except DoesNotExist:
        old = None
    if body.words is not None:
        words = model.fold_words(body.words)
    else:
        stored = old.words if old is not None else None
        words = [str(w) for w in stored] if stored is not None else model.default_words(body.name)
    record = ReferencePriceRecord(
        REFERENCE_KIND,
        sku,
        name=body.name,
        unit=body.unit,
        max_price_idr=body.max_price_idr,
        words=words,
        updated_at=iso(utcnow()),
    )
    before = {k: v for k, v in render(old).items() if k != "updated_at"} if old is not None else None
    after = {k: v for k, v in render(record).items() if k != "updated_at"}
    audit.save(record, None, "reference_price.put", "reference_price", sku, before, after)
    rows = dict(_cache["rows"])
    rows[sku] = _reference(record)
    _cache["rows"] = rows
    changed = sum(visibility.sync(p.product_id)[1] for p in ProductRecord.by_reference.query(sku))
    return {**render(record), "listings_changed": changed}


def list_all() -> shapes.ReferencePriceList:
    """Return every reference price with one Query (they share a partition)."""
    rows = [render(r) for r in ReferencePriceRecord.query(REFERENCE_KIND)]
    return {"items": rows, "next_cursor": None}


def get(sku: str) -> Reference | None:
    """Read one reference price fresh (one GetItem); None if there is no such SKU."""
    try:
        return _reference(ReferencePriceRecord.get(REFERENCE_KIND, sku, consistent_read=True))
    except DoesNotExist:
        return None


def matching(name: str) -> list[str]:
    """The SKUs whose words a product name contains (cached rows; one Query when the cache is old)."""
    now = time.monotonic()
    if now - _cache["at"] > CACHE_SECONDS:
        _cache["rows"] = {r.sku: _reference(r) for r in ReferencePriceRecord.query(REFERENCE_KIND)}
        _cache["at"] = now
    rows: dict[str, Reference] = _cache["rows"]
    return sorted(sku for sku, ref in rows.items() if model.matches(name, list(ref.words)))


def _reference(record: ReferencePriceRecord) -> Reference:
    words = [str(w) for w in record.words] if record.words is not None else model.default_words(record.name)
    return Reference(record.sku, record.unit, int(record.max_price_idr), tuple(words))


def render(record: ReferencePriceRecord) -> shapes.ReferencePrice:
    """Shape a reference price for the API."""
    return {
        "sku": record.sku,
        "name": record.name,
        "unit": record.unit,
        "max_price_idr": int(record.max_price_idr),
        "words": list(_reference(record).words),
        "updated_at": record.updated_at,
    }
