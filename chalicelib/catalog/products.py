"""Product use cases: list a product, change it, withdraw it, show it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pynamodb.exceptions import DoesNotExist

from chalicelib.auth import Principal
from chalicelib.catalog import model, stores, visibility
from chalicelib.catalog.tables import ProductRecord, StoreRecord
from chalicelib.errors import Forbidden, NotFound, PriceAboveReference, StoreUnavailable, ValidationFailed
from chalicelib.ids import iso, new_id, utcnow

if TYPE_CHECKING:
    from chalicelib import shapes


def create(principal: Principal, store_id: str, body: model.NewProduct) -> shapes.Product:
    """Add a product to the caller's active store."""
    store = stores.owned(principal, store_id)
    if store.status != "active":
        raise StoreUnavailable(f"the store is {store.status}; products can be added once it is active")
    ref_max = _check_reference(body.reference_sku, body.price_idr)
    product_id = new_id()
    now = iso(utcnow())
    product = ProductRecord(
        product_id,
        store_id=store.store_id,
        owner_id=store.owner_id,
        store_name=store.name,
        kecamatan=store.kecamatan,
        name=body.name,
        category=body.category,
        unit=body.unit,
        price_idr=body.price_idr,
        stock=body.stock,
        active=True,
        reference_sku=body.reference_sku,
        description=body.description,
        image_url=body.image_url,
        created_at=now,
        updated_at=now,
        rank=model.rank(product_id),
        rev=0,
    )
    visibility.apply(product, store, ref_max)
    _write_new(product, store)
    return render(product, private=True)


def _write_new(product: ProductRecord, store: StoreRecord) -> None:
    from pynamodb.exceptions import TransactWriteError

    from chalicelib.errors import Conflict

    try:
        visibility.write(product, store, set(), new=True)
    except TransactWriteError as exc:
        raise Conflict("the store changed meanwhile; try again") from exc


def _check_reference(sku: str | None, price_idr: int) -> int | None:
    if sku is None:
        return None
    ref_max = visibility.reference_max(sku)
    if ref_max is None:
        raise ValidationFailed.field("reference_sku", "unknown reference SKU")
    if price_idr > ref_max:
        raise PriceAboveReference(
            f"price_idr {price_idr} is above the reference price {ref_max} of {sku}",
            {"field": "price_idr", "max_price_idr": ref_max, "reference_sku": sku},
        )
    return ref_max


def load(product_id: str) -> ProductRecord:
    """Read a product or raise 404."""
    try:
        return ProductRecord.get(product_id, consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound("no such product") from exc


def _owned(principal: Principal, product_id: str) -> ProductRecord:
    product = load(product_id)
    if stores.load(product.store_id).owner_id != principal.user_id:
        if not product.active and not principal.has("admin"):
            raise NotFound("no such product")  # as GET answers: a withdrawn product is not revealed
        raise Forbidden("only the store's owner may change its products")
    return product


def change(principal: Principal, product_id: str, body: model.ProductChange) -> shapes.Product:
    """Change any of name, price, stock, active, description, image; re-check the reference price."""
    product = _owned(principal, product_id)
    given = body.model_fields_set
    for field in ("name", "price_idr", "stock", "active"):
        if field in given and getattr(body, field) is None:
            raise ValidationFailed.field(field, "may not be null")
    if "price_idr" in given and body.price_idr is not None:
        _check_reference(product.reference_sku, body.price_idr)

    updated, _ = visibility.sync(product.product_id, {field: getattr(body, field) for field in given})
    return render(updated, private=True)


def withdraw(principal: Principal, product_id: str) -> None:
    """Deactivate a product: it leaves listings; orders keep their snapshot."""
    visibility.sync(_owned(principal, product_id).product_id, {"active": False})


def show(principal: Principal | None, product_id: str) -> shapes.Product:
    """Return a product; `available` tells whether it can be bought now."""
    product = load(product_id)
    private = principal is not None and (principal.has("admin") or _is_owner(principal, product))
    if not visibility.is_listed(product) and not private and not product.active:
        raise NotFound("no such product")
    return render(product, private)


def _is_owner(principal: Principal, product: ProductRecord) -> bool:
    return stores.load(product.store_id).owner_id == principal.user_id


def render(product: ProductRecord, private: bool = False) -> shapes.Product:
    """Shape a product for the API."""
    out: shapes.Product = {
        "product_id": product.product_id,
        "store_id": product.store_id,
        "store_name": product.store_name,
        "name": product.name,
        "category": product.category,
        "unit": product.unit,
        "price_idr": int(product.price_idr),
        "stock": int(product.stock),
        "kecamatan": product.kecamatan,
        "reference_sku": product.reference_sku,
        "description": product.description,
        "image_url": product.image_url,
        "active": bool(product.active),
        "available": visibility.is_listed(product) and int(product.stock) > 0,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
    }
    if private:
        with_store: model.HiddenReason | None = None if visibility.is_listed(product) else "not_listed"
        out["hidden_reason"] = product.hidden_reason or with_store
    return out
