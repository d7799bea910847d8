"""The catalog's request bodies: stores, products, curation, reference prices (pydantic).

Only the routes that take these bodies import this module: browsing the catalog does not.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from chalicelib.bodies import Body, KecamatanName, KelurahanName, Phone
from chalicelib.catalog.categories import Category
from chalicelib.catalog.delivery import KECAMATAN_COUNT, MAX_FEE_IDR, MAX_FREE_FROM_IDR
from chalicelib.catalog.model import MAX_PRICE_IDR, MAX_REFERENCE_QUANTITY, MAX_STOCK, MAX_WORDS, StoreKind

Fee = Annotated[int, Field(ge=0, le=MAX_FEE_IDR, description="Whole Rupiah per order, 0 for free delivery")]
FreeFrom = Annotated[
    int,
    Field(ge=0, le=MAX_FREE_FROM_IDR, description="Orders whose goods reach this amount are delivered free"),
]


class DeliveryChange(Body):
    """PATCH /v1/stores/{store_id} `delivery`: any of its fields; the others stay as they are.

    `free_from_idr: null` removes the threshold; `kecamatan: []` means the store's own kecamatan.
    """

    enabled: bool | None = None
    fee_idr: Fee | None = None
    free_from_idr: FreeFrom | None = None
    kecamatan: (
        Annotated[list[KecamatanName], Field(max_length=KECAMATAN_COUNT * 2, examples=[["Gubeng", "Tambaksari"]])]
        | None
    ) = None


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Sku = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$"),
    Field(
        description="A reference price's SKU: lowercase letters, digits and _ (at most 64).",
        examples=["beras_medium_jawa"],
    ),
]
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Nib = Annotated[str, StringConstraints(pattern=r"^[0-9]{13}$")]
Price = Annotated[int, Field(gt=0, le=MAX_PRICE_IDR)]
Stock = Annotated[int, Field(ge=0, le=MAX_STOCK)]


def _three_decimals(value: float) -> float:
    if round(value, 3) != value:
        raise ValueError("at most 3 decimals")
    return value


# The pack size in the reference price's unit (5 for a 5 kg bag, 0.6 for ten eggs against a kg price).
ReferenceQuantity = Annotated[
    float,
    Field(
        gt=0,
        le=MAX_REFERENCE_QUANTITY,
        description="Pack size in the reference price's unit (at most 3 decimals); the price may not exceed "
        "floor(reference_quantity x max_price_idr). Only with reference_sku; defaults to what `unit` converts "
        "to ('5 kg' -> 5 for a kg price), and is required when it does not convert ('10 butir' against kg).",
        examples=[5],
    ),
    AfterValidator(_three_decimals),
]


def _https(url: str) -> str:
    if not url.startswith("https://") or len(url) <= len("https://") or any(c.isspace() for c in url):
        raise ValueError("must be an https:// URL")
    return url


ImageUrl = Annotated[
    str,
    StringConstraints(max_length=500),
    AfterValidator(_https),
    Field(examples=["https://example.id/beras.jpg"], json_schema_extra={"pattern": r"^https://\S+$"}),
]


class StoreApplication(Body):
    """POST /v1/stores."""

    name: Name
    kind: StoreKind
    kecamatan: KecamatanName
    kelurahan: KelurahanName
    address: Address
    phone_number: Phone
    nib: Nib | None = None


class StoreChange(Body):
    """PATCH /v1/stores/{store_id}."""

    name: Name | None = None
    address: Address | None = None
    phone_number: Phone | None = None
    open: bool | None = None
    pickup: bool | None = None
    delivery: DeliveryChange | None = None


class ReasonBody(Body):
    """Reject or suspend a store."""

    reason: Reason


class NewProduct(Body):
    """POST /v1/stores/{store_id}/products."""

    name: Name
    category: Category
    unit: Unit
    price_idr: Price
    stock: Stock
    reference_sku: Sku | None = None
    reference_quantity: ReferenceQuantity | None = None
    description: Description | None = None
    image_url: ImageUrl | None = None


class ProductChange(Body):
    """PATCH /v1/products/{product_id}."""

    name: Name | None = None
    price_idr: Price | None = None
    stock: Stock | None = None
    active: bool | None = None
    description: Description | None = None
    image_url: ImageUrl | None = None
    unit: Unit | None = None
    reference_sku: Sku | None = None  # null: the product no longer names a reference price
    reference_quantity: ReferenceQuantity | None = None


def _reference_unit(unit: str) -> str:
    from chalicelib.catalog.units import reference_unit

    return reference_unit(unit)


class ReferencePriceInput(Body):
    """PUT /v1/admin/reference-prices/{sku}."""

    name: Name
    unit: Annotated[
        Unit,
        AfterValidator(_reference_unit),
        Field(
            description="One unit: kg, g, ons, liter, ml convert among themselves (Kg, kilogram, gram, ltr, l are "
            "stored as kg, g, liter); a count (butir, bungkus, buah, ... or any other word) converts only to itself"
        ),
    ]
    max_price_idr: Price
    # Phrases a product's name is matched against (whole words, case- and accent-insensitive).
    # Absent: the stored ones (if the SKU exists), else derived from the name (`default_words`).
    words: Annotated[list[Phrase], Field(max_length=MAX_WORDS, examples=[["minyak goreng", "minyakita"]])] | None = None
