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
- stores `vis_rev`: visibility revision, bumped with every write of the store's listing keys
  (`stores._update`); product writes check it, so they re-derive after a store change.
- search `name_norm`: the product's name folded (`model.name_index`), spaces at both ends,
  for whole-word matching; written with the search entry by `visibility.write`.
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.dynamo import index, region, table_name


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

    by_status = index("by_status", "status", "created_at")
    by_owner = index("by_owner", "owner_id", "created_at")
    listed_all = index("listed_all", "l_all", "store_id")
    listed_kecamatan = index("listed_kecamatan", "l_kec", "store_id")
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
    description = UnicodeAttribute(null=True)
    image_url = UnicodeAttribute(null=True)
    hidden_reason = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    rank = UnicodeAttribute()
    rev = NumberAttribute(default=0)  # bumped on every catalog write, for optimistic locking
    l_all = UnicodeAttribute(null=True)
    l_cat = UnicodeAttribute(null=True)
    l_kec = UnicodeAttribute(null=True)
    l_ck = UnicodeAttribute(null=True)
    l_store = UnicodeAttribute(null=True)

    listed_all = index("listed_all", "l_all", "rank")
    listed_category = index("listed_category", "l_cat", "rank")
    listed_kecamatan = index("listed_kecamatan", "l_kec", "rank")
    listed_category_kecamatan = index("listed_category_kecamatan", "l_ck", "rank")
    listed_store = index("listed_store", "l_store", "rank")
    by_store = index("by_store", "store_id", "product_id")
    by_reference = index("by_reference", "reference_sku", "product_id")


class SearchRecord(Model):
    """One word of a listed product's name, for `q` searches; exists only while listed."""

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
    updated_at = UnicodeAttribute()


REFERENCE_KIND = "reference_price"
