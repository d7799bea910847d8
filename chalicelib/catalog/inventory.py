"""What other domains may do with products: read live snapshots, reserve and return stock.

Reservations join the caller's transaction, so stock moves together with the order
that takes or gives it back, or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.catalog.tables import ProductRecord


@dataclass(frozen=True)
class Snapshot:
    """A product as a buyer may order it now."""

    product_id: str
    store_id: str
    store_name: str
    name: str
    unit: str
    price_idr: int
    stock: int
    listed: bool
    category: str = ""
    owner_id: str = ""


@dataclass(frozen=True)
class Line:
    """A quantity of a product at the price the buyer agreed to."""

    product_id: str
    quantity: int
    price_idr: int


def _snapshot(record: ProductRecord) -> Snapshot:
    return Snapshot(
        record.product_id,
        record.store_id,
        record.store_name,
        record.name,
        record.unit,
        int(record.price_idr),
        int(record.stock),
        record.l_all is not None,
        record.category,
        record.owner_id or "",
    )


def one(product_id: str) -> Snapshot | None:
    """Read one product (one GetItem)."""
    try:
        return _snapshot(ProductRecord.get(product_id))
    except DoesNotExist:
        return None


def many(product_ids: Iterable[str]) -> dict[str, Snapshot]:
    """Read products with BatchGetItem (one request per 100)."""
    ids = list(dict.fromkeys(product_ids))
    return {r.product_id: _snapshot(r) for r in ProductRecord.batch_get(ids)} if ids else {}


def reserve(tx: Any, lines: Iterable[Line], buyer_id: str) -> None:
    """Take stock for each line inside a transaction: if still listed, in stock, at that price, not the buyer's own."""
    for line in lines:
        condition = (
            (ProductRecord.stock >= line.quantity)
            & ProductRecord.l_all.exists()
            & (ProductRecord.price_idr == line.price_idr)
            & (ProductRecord.owner_id.does_not_exist() | (ProductRecord.owner_id != buyer_id))
        )
        tx.update(
            ProductRecord(line.product_id), actions=[ProductRecord.stock.add(-line.quantity)], condition=condition
        )


def give_back(tx: Any, lines: Iterable[Line]) -> None:
    """Return stock for each line inside a transaction."""
    for line in lines:
        tx.update(
            ProductRecord(line.product_id),
            actions=[ProductRecord.stock.add(line.quantity)],
            condition=ProductRecord.product_id.exists(),
        )
