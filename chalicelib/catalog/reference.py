"""Reference (maximum) prices for staples, and what lowering one does to existing listings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.auth import Principal
from chalicelib.catalog import model, visibility
from chalicelib.catalog.tables import REFERENCE_KIND, ProductRecord, ReferencePriceRecord
from chalicelib.errors import ValidationFailed
from chalicelib.ids import iso, utcnow

if TYPE_CHECKING:
    from chalicelib import shapes

SKU_PATTERN = r"^[a-z0-9_]{1,64}$"


def put(principal: Principal, sku: str, body: model.ReferencePriceInput) -> shapes.ReferencePriceSet:
    """Create or change a reference price; products above it are hidden until repriced."""
    import re

    if not re.fullmatch(SKU_PATTERN, sku):
        raise ValidationFailed.field("sku", "must be lowercase letters, digits and _ (at most 64)")
    record = ReferencePriceRecord(
        REFERENCE_KIND, sku, name=body.name, unit=body.unit, max_price_idr=body.max_price_idr, updated_at=iso(utcnow())
    )
    record.save()
    changed = sum(visibility.sync(p.product_id)[1] for p in ProductRecord.by_reference.query(sku))
    return {**render(record), "listings_changed": changed}


def list_all() -> shapes.ReferencePriceList:
    """Return every reference price with one Query (they share a partition)."""
    rows = [render(r) for r in ReferencePriceRecord.query(REFERENCE_KIND)]
    return {"items": rows, "next_cursor": None}


def render(record: ReferencePriceRecord) -> shapes.ReferencePrice:
    """Shape a reference price for the API."""
    return {
        "sku": record.sku,
        "name": record.name,
        "unit": record.unit,
        "max_price_idr": int(record.max_price_idr),
        "updated_at": record.updated_at,
    }
