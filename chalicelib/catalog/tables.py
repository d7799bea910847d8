"""Catalog tables: stores, products (with sparse listing indexes), search terms, config rows.

The only DynamoDB code of the catalog. Listing attributes (`l_*`) exist on a product only
while it may be shown, so every listing is a Query on a sparse index: no Scan, no filter
over hidden items.

Who owns which attribute of a product is in `visibility.py`, of a store in `stores.py`;
a reference price row is written whole by the admin's PUT, its only writer.

Short attribute names (they are in every item and index entry, so they stay short):
- products `l_all` = "all", `l_cat` = category, `l_kec` = kecamatan, `l_ck` =
  "<category>#<kecamatan>", `l_store` = store id: the listing keys, hash keys of the
  `listed_*` indexes (sort key `rank`), present only while the product is listed; written by
  `visibility.apply`/`sync` (all five together).
- products `rev`: the product's revision, bumped by every product write (`visibility.write`),
  which is conditional on the one read.
- stores `l_all` = "all", `l_kec` = kecamatan: the store's listing keys (indexes
  `listed_all`, `listed_kecamatan`, sort key `store_id`), present only while the store is
  active, open and under the cap; written by `stores._update` when it re-lists.
- stores' index projections (infra/aws/resources.json): `listed_all` and `listed_kecamatan` project
  `STORE_PUBLIC` (what the public card shows; `listed_kecamatan` also `l_all`), `by_status` and
  `by_owner` the keys only (their readers fetch the stores: `stores.fetch`), so a turnover change
  writes only `by_turnover`.
- stores `vis_rev`: visibility revision, bumped with every write of the store's listing keys
  (`stores._update`); product writes check it, so they re-derive after a store change.
- products `takedown_reason`: the admin's reason while the city has taken the listing down
  (`products.take_down` sets it, `products.restore` removes it, both through `sync`); while
  set the product is hidden with `hidden_reason` "taken_down" whatever its seller changes.
- products `reference_quantity`: the pack size in the named reference price's unit (absent
  means 1); the seller's (create, PATCH), checked by `products` against the unit.
- reference prices `words`: folded phrases (`model.fold_words`) a `sembako` product's name
  is matched against; written with the row by the admin's PUT.
- search `name_norm`: the product's name folded (`search.name_index`), spaces at both ends,
  for whole-word and word-prefix matching; written with the search entry by `visibility.write`.
- products `l_price` = "<price, 10 digits>#<rank>" (`search.price_key`): sort key of the
  `priced_*` indexes (same hash keys as `listed_*`), present only while listed, written by
  `visibility.apply`/`sync` with the other `l_*`. Those indexes project only `category` and
  `kecamatan` (filters), so stock and other changes do not write them: a listing or price
  change costs 5 more small index writes; `sort=price` reads the products by BatchGetItem.
- search `price_idr`, `p_rank` (= the product's `l_price`): for `max_price_idr` filters and
  the `by_price` index (`sort=price` with `q`); written with the entry by `visibility.write`.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.dynamo import index, region, table_name


def priced(name: str, hash_key: str) -> Any:
    """Declare a price-ordered listing GSI: a listing key, then `l_price`; projects only the filter fields."""
    from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection

    meta = type("Meta", (), {"index_name": name, "projection": IncludeProjection(["category", "kecamatan"])})
    attrs = {"Meta": meta, hash_key: UnicodeAttribute(hash_key=True), "l_price": UnicodeAttribute(range_key=True)}
    return type(f"{name}_index", (GlobalSecondaryIndex,), attrs)()


# What a store's public card shows (`stores.render(private=False)`, the `kind` filter): all the
# public listing indexes project. Turnover, the owner's contact and `vis_rev` stay out, so a
# paid order's turnover ADD writes no listing entry.
STORE_PUBLIC = (
    "name",
    "kind",
    "kecamatan",
    "kelurahan",
    "address",
    "status",
    "open",
    "created_at",
    "updated_at",
    "pickup",
    "delivery_enabled",
    "delivery_fee_idr",
    "delivery_free_from_idr",
    "delivery_kecamatan",
)


class StoreRecord(Model):
    """A seller's store."""

    class Meta:
        table_name = table_name("stores")
        region = region()

    store_id = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()
    name = UnicodeAttribute()
    kind = UnicodeAttribute()
    kecamatan = UnicodeAttribute()
    kelurahan = UnicodeAttribute()
    address = UnicodeAttribute()
    phone_number = UnicodeAttribute()
    nib = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    open = BooleanAttribute(default=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    turnover_month = UnicodeAttribute(null=True)
    turnover_idr = NumberAttribute(null=True)
    l_all = UnicodeAttribute(null=True)
    l_kec = UnicodeAttribute(null=True)
    vis_rev = NumberAttribute(default=0)  # bumped on every change that affects its products' listing
    # The owner's fulfilment offer (absent: the defaults of `catalog.delivery`).
    pickup = BooleanAttribute(null=True)
    delivery_enabled = BooleanAttribute(null=True)
    delivery_fee_idr = NumberAttribute(null=True)
    delivery_free_from_idr = NumberAttribute(null=True)
    delivery_kecamatan = ListAttribute(of=UnicodeAttribute, null=True)  # official names; empty: its own

    by_status = index("by_status", "status", "created_at", projection=())
    by_owner = index("by_owner", "owner_id", "created_at", projection=())
    listed_all = index("listed_all", "l_all", "store_id", projection=STORE_PUBLIC)
    listed_kecamatan = index("listed_kecamatan", "l_kec", "store_id", projection=(*STORE_PUBLIC, "l_all"))
    by_turnover = index("by_turnover", "turnover_month", "turnover_idr", NumberAttribute)


class ProductRecord(Model):
    """A product; `rank` orders listings, `l_*` exist only while the product is listed."""

    class Meta:
        table_name = table_name("products")
        region = region()

    product_id = UnicodeAttribute(hash_key=True)
    store_id = UnicodeAttribute()
    owner_id = UnicodeAttribute(null=True)  # the store's owner, copied at creation (stores never change hands)
    store_name = UnicodeAttribute()
    kecamatan = UnicodeAttribute()
    name = UnicodeAttribute()
    category = UnicodeAttribute()
    unit = UnicodeAttribute()
    price_idr = NumberAttribute()
    stock = NumberAttribute()
    active = BooleanAttribute(default=True)
    reference_sku = UnicodeAttribute(null=True)
    reference_quantity = NumberAttribute(null=True)  # pack size in the reference's unit; absent: 1
    description = UnicodeAttribute(null=True)
    image_url = UnicodeAttribute(null=True)
    hidden_reason = UnicodeAttribute(null=True)
    takedown_reason = UnicodeAttribute(null=True)  # set while the city has taken the listing down
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    rank = UnicodeAttribute()
    rev = NumberAttribute(default=0)  # bumped on every catalog write, for optimistic locking
    l_all = UnicodeAttribute(null=True)
    l_cat = UnicodeAttribute(null=True)
    l_kec = UnicodeAttribute(null=True)
    l_ck = UnicodeAttribute(null=True)
    l_store = UnicodeAttribute(null=True)
    l_price = UnicodeAttribute(null=True)

    listed_all = index("listed_all", "l_all", "rank")
    listed_category = index("listed_category", "l_cat", "rank")
    listed_kecamatan = index("listed_kecamatan", "l_kec", "rank")
    listed_category_kecamatan = index("listed_category_kecamatan", "l_ck", "rank")
    listed_store = index("listed_store", "l_store", "rank")
    priced_all = priced("priced_all", "l_all")
    priced_category = priced("priced_category", "l_cat")
    priced_kecamatan = priced("priced_kecamatan", "l_kec")
    priced_category_kecamatan = priced("priced_category_kecamatan", "l_ck")
    priced_store = priced("priced_store", "l_store")
    by_store = index("by_store", "store_id", "product_id")
    by_reference = index("by_reference", "reference_sku", "product_id")


class SearchRecord(Model):
    """One term (a word or a word's head) of a listed product's name, for `q` searches; exists only while listed."""

    class Meta:
        table_name = table_name("search")
        region = region()

    term = UnicodeAttribute(hash_key=True)
    rank = UnicodeAttribute(range_key=True)
    product_id = UnicodeAttribute()
    store_id = UnicodeAttribute()
    category = UnicodeAttribute()
    kecamatan = UnicodeAttribute()
    name_norm = UnicodeAttribute()
    price_idr = NumberAttribute(null=True)
    p_rank = UnicodeAttribute(null=True)

    by_price = index("by_price", "term", "p_rank")


class ReferencePriceRecord(Model):
    """A staple's reference (maximum) price; all rows share one partition so listing them is a Query."""

    class Meta:
        table_name = table_name("config")
        region = region()

    kind = UnicodeAttribute(hash_key=True, default="reference_price")
    sku = UnicodeAttribute(range_key=True, attr_name="key")
    name = UnicodeAttribute()
    unit = UnicodeAttribute()
    max_price_idr = NumberAttribute()
    words = ListAttribute(of=UnicodeAttribute, null=True)  # folded phrases a staple's name is matched by
    updated_at = UnicodeAttribute()


REFERENCE_KIND = "reference_price"
