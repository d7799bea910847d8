"""Product use cases: list a product, change it, withdraw it, show it; the city's take-down; a store's list.

The price rule (checked on create, and on every PATCH that touches name, price, unit or
reference): a product naming a reference price costs at most floor(reference_quantity x
max_price_idr), where `reference_quantity` is its pack size in the reference's unit, read
from its `unit` when that converts ("5 kg" -> 5 against a kg price) and given explicitly when
it does not ("10 butir" against kg). A `sembako` product whose name contains a reference's
words must name one of the references it matches (422 `reference_required`), so the cap
cannot be walked around by leaving the SKU out. Cost of the check: GetItem of the named
reference, and the cached Query of all reference prices (`reference.matching`).

A product the city took down (`takedown_reason`) stays hidden whatever its seller edits,
until an admin restores it; its seller is notified of both, with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from pynamodb.exceptions import DoesNotExist

from chalicelib.auth import Principal
from chalicelib.catalog import model, reference, stores, units, visibility
from chalicelib.catalog.tables import ProductRecord, StoreRecord
from chalicelib.dynamo import page_of
from chalicelib.errors import (
    Forbidden,
    InvalidTransition,
    NotFound,
    PriceAboveReference,
    ReferenceRequired,
    StoreUnavailable,
    ValidationFailed,
)
from chalicelib.ids import epoch_ms, iso, jakarta_month, new_id, utcnow
from chalicelib.paging import encode_cursor, page_request

if TYPE_CHECKING:
    from chalicelib import shapes
    from chalicelib.catalog import bodies

PRICING_FIELDS = frozenset({"name", "price_idr", "unit", "reference_sku", "reference_quantity"})
LISTED_CURSOR_FIELDS = ("rank", "product_id")  # a store's listed products, in listing order
ALL_CURSOR_FIELDS = ("product_id",)  # every product of a store (owner, admin)


@dataclass(frozen=True)
class Proposed:
    """A product as it would be after the write: what the price rule looks at."""

    name: str
    category: str
    unit: str
    price_idr: int
    reference_sku: str | None
    explicit_quantity: float | None  # reference_quantity as the seller gives it now
    kept_quantity: float | None  # the stored one, while unit and reference are unchanged


def create(principal: Principal, store_id: str, body: bodies.NewProduct) -> shapes.Product:
    """Add a product to the caller's active store."""
    store = stores.owned(principal, store_id)
    if store.status != "active":
        raise StoreUnavailable(f"the store is {store.status}; products can be added once it is active")
    proposed = Proposed(
        body.name, body.category, body.unit, body.price_idr, body.reference_sku, body.reference_quantity, None
    )
    ref_cap, quantity = check_price(proposed)
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
        reference_quantity=quantity,
        description=body.description,
        image_url=body.image_url,
        created_at=now,
        updated_at=now,
        rank=model.rank(product_id),
        rev=0,
    )
    visibility.apply(product, store, ref_cap)
    _write_new(product, store)
    return render(product, private=True)


def _write_new(product: ProductRecord, store: StoreRecord) -> None:
    from pynamodb.exceptions import TransactWriteError

    from chalicelib.errors import Conflict

    try:
        after = {f: getattr(product, f) for f in ("name", "category", "unit", "price_idr", "stock", "reference_sku")}
        visibility.write(product, store, set(), new=True, audited=("product.create", None, after))
    except TransactWriteError as exc:
        raise Conflict("the store changed meanwhile; try again") from exc


def check_price(p: Proposed) -> tuple[int | None, float | None]:
    """Apply the price rule; return the cap and the reference quantity to store (None, None: no reference)."""
    ref = None
    if p.reference_sku is None:
        if p.explicit_quantity is not None:
            raise ValidationFailed.field("reference_quantity", "applies only to a product that names a reference_sku")
    else:
        ref = reference.get(p.reference_sku)
        if ref is None:
            raise ValidationFailed.field("reference_sku", "unknown reference SKU")
    if p.category == "sembako":
        matched = reference.matching(p.name)
        named_matches = ref is not None and model.matches(p.name, list(ref.words))
        if matched and p.reference_sku not in matched and not named_matches:
            raise ReferenceRequired(
                f"a staple named like {', '.join(matched)} must name its reference price: "
                "give reference_sku (and reference_quantity if the unit is a pack)",
                {"field": "reference_sku", "suggested_skus": matched},
            )
    if ref is None:
        return None, None
    quantity = _quantity(p, ref)
    ref_cap = units.cap(quantity, ref.max_price_idr)
    if p.price_idr > ref_cap:
        raise PriceAboveReference(
            f"price_idr {p.price_idr} is above {ref_cap}, the reference price of {ref.sku} "
            f"({ref.max_price_idr} per {ref.unit}) for {_number(quantity)} {ref.unit}; "
            "if one unit is a pack, say its size in unit (e.g. '5 kg') or reference_quantity",
            {
                "field": "price_idr",
                "max_price_idr": ref_cap,
                "reference_sku": ref.sku,
                "reference_quantity": _number(quantity),
            },
        )
    return ref_cap, quantity


def _quantity(p: Proposed, ref: reference.Reference) -> float:
    converted = units.quantity_in(p.unit, ref.unit)
    if p.explicit_quantity is not None:
        if converted is not None and abs(Decimal(str(p.explicit_quantity)) - converted) >= units.QUANTITY_STEP:
            raise ValidationFailed.field(
                "reference_quantity",
                f"the unit '{p.unit}' is {_number(float(converted))} {ref.unit}, not {_number(p.explicit_quantity)}",
            )
        return p.explicit_quantity
    if converted is not None:
        if not 0 < converted <= units.MAX_REFERENCE_QUANTITY:
            raise ValidationFailed.field(
                "unit", f"'{p.unit}' is {converted} {ref.unit}: a pack must be 0.001 to 1000 {ref.unit}"
            )
        return float(converted)
    if p.kept_quantity is not None:
        return p.kept_quantity
    raise ValidationFailed.field(
        "unit",
        f"'{p.unit}' cannot be converted to {ref.unit}, the unit of the reference price {ref.sku}: "
        f"give reference_quantity, how many {ref.unit} one '{p.unit}' holds",
    )


def _number(quantity: float) -> float:
    """A quantity as JSON shows it best: 5 rather than 5.0."""
    return int(quantity) if float(quantity).is_integer() else float(quantity)


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


def change(principal: Principal, product_id: str, body: bodies.ProductChange) -> shapes.Product:
    """Change the seller's fields; the price rule applies to the product as it would be after."""
    product = _owned(principal, product_id)
    given = body.model_fields_set
    for field in ("name", "price_idr", "stock", "active", "unit"):
        if field in given and getattr(body, field) is None:
            raise ValidationFailed.field(field, "may not be null")
    changes = {field: getattr(body, field) for field in given}
    if given & PRICING_FIELDS:
        sku = changes.get("reference_sku", product.reference_sku)
        unit = changes.get("unit", product.unit)
        same_basis = unit == product.unit and sku == product.reference_sku and "reference_quantity" not in given
        stored = float(product.reference_quantity) if product.reference_quantity is not None else 1.0
        proposed = Proposed(
            changes.get("name", product.name),
            product.category,
            unit,
            int(changes.get("price_idr", product.price_idr)),
            sku,
            body.reference_quantity,
            stored if same_basis else None,
        )
        changes["reference_quantity"] = check_price(proposed)[1]
    updated, _ = visibility.sync(product.product_id, changes, action="product.change")
    return render(updated, private=True)


def withdraw(principal: Principal, product_id: str) -> None:
    """Deactivate a product: it leaves listings; orders keep their snapshot."""
    visibility.sync(_owned(principal, product_id).product_id, {"active": False}, action="product.withdraw")


def take_down(principal: Principal, product_id: str, reason: str) -> shapes.Product:
    """The city hides a listing (e.g. not a grocery at all); its seller is told why. Admins only (app.py)."""
    product = load(product_id)
    if product.takedown_reason is not None:
        raise InvalidTransition("the product is already taken down", {"status": "taken_down"})
    updated, _ = visibility.sync(product.product_id, {"takedown_reason": reason}, action="product.take_down")
    _tell_owner(updated, "product_taken_down", reason)
    return render(updated, private=True)


def restore(principal: Principal, product_id: str) -> shapes.Product:
    """Lift a take-down: the product lists again if nothing else hides it; its seller is told."""
    product = load(product_id)
    if product.takedown_reason is None:
        raise InvalidTransition("the product is not taken down", {"status": "listed"})
    updated, _ = visibility.sync(product.product_id, {"takedown_reason": None}, action="product.restore")
    _tell_owner(updated, "product_restored", None)
    return render(updated, private=True)


def _tell_owner(product: ProductRecord, kind: str, reason: str | None) -> None:
    from chalicelib import queues
    from chalicelib.messages import Notify

    owner_id = product.owner_id or stores.load(product.store_id).owner_id
    params = {"product_id": product.product_id, "product_name": product.name, "reason": reason or ""}
    # The same write (revision) always makes the same inbox id, so a retry adds nothing.
    seed = f"{kind}:{product.product_id}:{int(product.rev or 0)}"
    message_id = new_id(epoch_ms(product.updated_at), seed=seed)
    queues.publish(Notify(user_id=owner_id, kind=kind, params=params, message_id=message_id))


def show(principal: Principal | None, product_id: str) -> shapes.Product:
    """Return a product; `available` tells whether it can be bought now."""
    product = load(product_id)
    private = principal is not None and (principal.has("admin") or _is_owner(principal, product))
    if not private and not visibility.is_listed(product) and (not product.active or product.takedown_reason):
        raise NotFound("no such product")
    return render(product, private)


def of_store(
    principal: Principal | None, store_id: str, query: Mapping[str, str], params: Mapping[str, str] | None
) -> shapes.ProductPage:
    """A store's products: its listed ones to anyone; every one, with why it is hidden, to its owner and admins.

    Cost: GetItem of the store, then one Query (sometimes a few) of `listed_store` or `by_store`.
    """
    flag = query.get("include_hidden", "")
    if flag not in ("", "true", "false"):
        raise ValidationFailed.field("include_hidden", "must be true or false")
    store = stores.load(store_id)
    private = stores.can_see_private(principal, store)
    if store.status != "active" and not private:
        raise NotFound("no such store")
    if flag == "true" and private:
        paging = page_request(params, ALL_CURSOR_FIELDS)
        records, last = page_of(ProductRecord.by_store, "store_id", store_id, paging.after, paging.limit)
    else:
        paging = page_request(params, LISTED_CURSOR_FIELDS)
        records, last = page_of(ProductRecord.listed_store, "l_store", store_id, paging.after, paging.limit)
    items = [render(p, private, store) for p in records]
    return {"items": items, "next_cursor": encode_cursor(last) if last else None}


def _is_owner(principal: Principal, product: ProductRecord) -> bool:
    return stores.load(product.store_id).owner_id == principal.user_id


def hidden_reason(product: ProductRecord, store: StoreRecord | None = None) -> model.HiddenReason | None:
    """Why the product is not (fully) listed, first cause first; None while it is listed with stock."""
    if product.takedown_reason is not None:
        return "taken_down"
    if not product.active:
        return "withdrawn"
    if product.hidden_reason == "price_above_reference":
        return "price_above_reference"
    if not visibility.is_listed(product):
        if store is not None and store.status == "active" and store.open and _capped(store):
            return "store_capped"
        return "not_listed"
    return "out_of_stock" if int(product.stock) <= 0 else None


def _capped(store: StoreRecord) -> bool:
    from chalicelib import marketplace_settings

    cap_idr = marketplace_settings.current()["turnover_cap_idr"]
    return model.capped(visibility.store_view(store), jakarta_month(utcnow()), cap_idr)


def render(product: ProductRecord, private: bool = False, store: StoreRecord | None = None) -> shapes.Product:
    """Shape a product for the API; its owner and admins also see why it is hidden."""
    quantity = product.reference_quantity
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
        "reference_quantity": _number(float(quantity)) if quantity is not None else 1,
        "description": product.description,
        "image_url": product.image_url,
        "active": bool(product.active),
        "available": visibility.is_listed(product) and int(product.stock) > 0,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
    }
    if private:
        out["hidden_reason"] = hidden_reason(product, store)
        out["takedown_reason"] = product.takedown_reason
    return out
