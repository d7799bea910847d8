"""Keep a product's listing entries true to its store, its reference price and its own state.

Every write to an existing product goes through `sync`: one TransactWriteItems that updates
only the attributes this write owns (see below), rewrites its search words, and checks that
neither the product's revision nor the store's listing revision moved since they were read
(else it reads again and retries). Cost: GetItem of the product, its store and its
reference price (if any), then one TransactWriteItems.

Who owns which attribute of a product (a write never sets an attribute it does not own):
- `stock`: checkout, cancel and expiry (`inventory.reserve`/`give_back`, an ADD inside their
  transactions), and the seller's PATCH, which sets the count it is given;
- `name`, `price_idr`, `active`, `description`, `image_url`, `unit`, `reference_sku`,
  `reference_quantity`: the seller (PATCH, DELETE), checked by `products` first;
- `takedown_reason`: the admin (take-down, restore);
- `store_name`, `kecamatan`, `hidden_reason` and the listing keys `l_*`: `sync`, derived
  from the product, its store and its reference price (the cap is
  floor(reference_quantity x max_price_idr), `units.cap`);
- `rev` (the optimistic lock over all of the above but stock) and `updated_at`: every `sync`;
- the rest (`store_id`, `owner_id`, `category`, `rank`, `created_at`): set once when the
  product is created.
The search table's entries are written only here, under the same revision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import marketplace_settings
from chalicelib.audit import service as audit
from chalicelib.catalog import model, search
from chalicelib.catalog.tables import REFERENCE_KIND, ProductRecord, ReferencePriceRecord, SearchRecord, StoreRecord
from chalicelib.dynamo import WRITE_ATTEMPTS, connection, set_or_remove
from chalicelib.errors import Conflict, condition_failed
from chalicelib.ids import iso, jakarta_month, utcnow

LISTING_ATTRIBUTES = ("l_all", "l_cat", "l_kec", "l_ck", "l_store", "l_price")
SELLER_FIELDS = (
    "name",
    "price_idr",
    "stock",
    "active",
    "description",
    "image_url",
    "unit",
    "reference_sku",
    "reference_quantity",
)
ADMIN_FIELDS = ("takedown_reason",)
DERIVED_FIELDS = ("store_name", "kecamatan", "hidden_reason", *LISTING_ATTRIBUTES)


def store_view(store: StoreRecord) -> model.StoreView:
    """Read what visibility needs from a store record."""
    return model.StoreView(store.status, bool(store.open), store.turnover_month, int(store.turnover_idr or 0))


def store_is_listed(store: StoreRecord) -> bool:
    """Tell whether a store's products may be listed now."""
    cap_idr = marketplace_settings.current()["turnover_cap_idr"]
    return model.store_listable(store_view(store), jakarta_month(utcnow()), cap_idr)


def reference_max(sku: str | None) -> int | None:
    """Return the reference price of a SKU with one GetItem (None if no SKU)."""
    if sku is None:
        return None
    from pynamodb.exceptions import DoesNotExist

    try:
        return int(ReferencePriceRecord.get(REFERENCE_KIND, sku).max_price_idr)
    except DoesNotExist:
        return None


def reference_cap(product: ProductRecord) -> int | None:
    """The highest price the product's reference allows for its pack size (None if it names none)."""
    from chalicelib.catalog.units import cap

    ref_max = reference_max(product.reference_sku)
    if ref_max is None:
        return None
    quantity = product.reference_quantity if product.reference_quantity is not None else 1
    return cap(quantity, ref_max)


def apply(product: ProductRecord, store: StoreRecord, ref_cap: int | None) -> None:
    """Set the product's denormalised store fields, hidden reason and listing attributes."""
    product.store_name = store.name
    product.kecamatan = store.kecamatan
    over = ref_cap is not None and int(product.price_idr) > ref_cap
    taken_down = product.takedown_reason is not None
    reason: model.HiddenReason | None = "taken_down" if taken_down else "price_above_reference" if over else None
    product.hidden_reason = reason
    listed = bool(product.active) and reason is None and store_is_listed(store)
    values = {
        "l_all": "all",
        "l_cat": product.category,
        "l_kec": product.kecamatan,
        "l_ck": f"{product.category}#{product.kecamatan}",
        "l_store": product.store_id,
        "l_price": search.price_key(int(product.price_idr), product.rank),
    }
    for attribute in LISTING_ATTRIBUTES:
        setattr(product, attribute, values[attribute] if listed else None)


def is_listed(product: ProductRecord) -> bool:
    """Tell whether the product currently shows in listings."""
    return product.l_all is not None


def terms_of(product: ProductRecord) -> set[str]:
    """The search terms (words and heads, `search.terms`) the product should be findable by right now."""
    return search.terms(product.name) if is_listed(product) else set()


def write(
    product: ProductRecord,
    store: StoreRecord,
    old_terms: set[str],
    changed: Iterable[str] = (),
    new: bool = False,
    audited: tuple[str, Any, Any] | None = None,
) -> None:
    """Write a product and its search words in one transaction, guarded by both revisions.

    A new product is put whole; an existing one gets an update of the seller's `changed`
    fields and the derived ones, nothing else (stock stays whatever checkouts made it,
    unless the seller set it). `audited` (action, before, after): its audit entry joins the transaction.
    """
    seen_rev = int(product.rev or 0)
    product.rev = seen_rev + 1
    product.updated_at = iso(utcnow())
    terms = terms_of(product)
    with TransactWrite(connection=connection()) as tx:
        if new:
            tx.save(product, condition=ProductRecord.product_id.does_not_exist())
        else:
            owned = (*changed, *DERIVED_FIELDS, "rev", "updated_at")
            actions = [set_or_remove(ProductRecord, name, getattr(product, name)) for name in owned]
            tx.update(ProductRecord(product.product_id), actions=actions, condition=ProductRecord.rev == seen_rev)
        tx.condition_check(StoreRecord, store.store_id, condition=StoreRecord.vis_rev == int(store.vis_rev or 0))
        for term in old_terms - terms:
            tx.delete(SearchRecord(term, product.rank))
        for term in terms:
            tx.save(_search_entry(product, term))
        if audited:
            audit.record(tx, audited[0], "product", product.product_id, audited[1], audited[2])


def _search_entry(product: ProductRecord, term: str) -> SearchRecord:
    return SearchRecord(
        term,
        product.rank,
        product_id=product.product_id,
        store_id=product.store_id,
        category=product.category,
        kecamatan=product.kecamatan,
        name_norm=search.name_index(product.name),
        price_idr=int(product.price_idr),
        p_rank=product.l_price,
    )


def _shown(product: ProductRecord) -> tuple[Any, ...]:
    return (product.l_all, product.store_name, product.kecamatan, product.hidden_reason)


def sync(
    product_id: str, changes: Mapping[str, Any] | None = None, action: str | None = None
) -> tuple[ProductRecord, bool]:
    """Re-read a product and its store, apply the seller's (or admin's) changes, write if anything moved.

    Return the product and whether its listing changed. When another catalog write got
    there first (a condition failed), read again and retry.
    """
    changes = dict(changes or {})
    unknown = set(changes) - set(SELLER_FIELDS) - set(ADMIN_FIELDS)
    if unknown:
        raise ValueError(f"not the seller's or the admin's fields: {sorted(unknown)}")
    for _ in range(WRITE_ATTEMPTS):
        product = ProductRecord.get(product_id, consistent_read=True)
        store = StoreRecord.get(product.store_id, consistent_read=True)
        old_terms, before = terms_of(product), _shown(product)
        was = {name: getattr(product, name) for name in changes}
        for name, value in changes.items():
            setattr(product, name, value)
        apply(product, store, reference_cap(product))
        if not changes and _shown(product) == before:
            return product, False
        try:
            write(product, store, old_terms, changes, audited=(action, was, changes) if action else None)
            return product, _shown(product) != before
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
    raise Conflict("the product is changing fast; try again")


def refresh_store(store_id: str) -> int:
    """Re-apply a store's state to every product it has; return how many products changed."""
    return sum(sync(product.product_id)[1] for product in ProductRecord.by_store.query(store_id))
