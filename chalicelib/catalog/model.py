"""Catalog rules without I/O: inputs, store transitions, listing visibility, ranking, words."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from chalicelib.catalog.categories import Category
from chalicelib.catalog.delivery import DeliveryChange
from chalicelib.text import normalise, words
from chalicelib.validators import KecamatanName, KelurahanName, Phone

StoreKind = Literal["toko_kelontong", "umkm", "swk"]
STORE_KINDS: tuple[StoreKind, ...] = get_args(StoreKind)
StoreStatus = Literal["pending", "active", "rejected", "suspended"]
STORE_STATUSES: tuple[StoreStatus, ...] = get_args(StoreStatus)
# Why a product is not (fully) listed, as its owner and the admins see it, first cause first:
# taken down by the city, withdrawn by its seller, priced over its reference cap, its store
# capped this month, its store not listed (pending, suspended, closed), or listed with no stock.
HiddenReason = Literal["taken_down", "withdrawn", "price_above_reference", "store_capped", "not_listed", "out_of_stock"]
HIDDEN_REASONS: tuple[HiddenReason, ...] = get_args(HiddenReason)
MAX_PRICE_IDR = 1_000_000_000
MAX_STOCK = 1_000_000

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
SKU_PATTERN = r"^[a-z0-9_]{1,64}$"
Sku = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$"),
    Field(
        description="A reference price's SKU: lowercase letters, digits and _ (at most 64).",
        examples=["beras_medium_jawa"],
    ),
]
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
MAX_WORDS = 20
MAX_REFERENCE_QUANTITY = 1000
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


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StoreApplication(_Input):
    """POST /v1/stores."""

    name: Name
    kind: StoreKind
    kecamatan: KecamatanName
    kelurahan: KelurahanName
    address: Address
    phone_number: Phone
    nib: Nib | None = None


class StoreChange(_Input):
    """PATCH /v1/stores/{store_id}."""

    name: Name | None = None
    address: Address | None = None
    phone_number: Phone | None = None
    open: bool | None = None
    pickup: bool | None = None
    delivery: DeliveryChange | None = None


class ReasonBody(_Input):
    """Reject or suspend a store."""

    reason: Reason


class NewProduct(_Input):
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


class ProductChange(_Input):
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


class ReferencePriceInput(_Input):
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


# Store curation: which admin action moves a store from which status to which.
TRANSITIONS: dict[str, dict[str, str]] = {
    "approve": {"pending": "active", "suspended": "active"},
    "reject": {"pending": "rejected"},
    "suspend": {"active": "suspended"},
}


def next_status(action: str, status: str) -> str | None:
    """Return the status an admin action leads to, or None if it is not allowed from here."""
    return TRANSITIONS[action].get(status)


@dataclass(frozen=True)
class StoreView:
    """What listing visibility needs to know of a store."""

    status: str
    open: bool
    turnover_month: str | None
    turnover_idr: int


def capped(store: StoreView, month: str, cap_idr: int) -> bool:
    """Tell whether the store passed the monthly turnover cap this month."""
    return store.turnover_month == month and store.turnover_idr >= cap_idr


def store_listable(store: StoreView, month: str, cap_idr: int) -> bool:
    """A store is listed while active, open and under this month's cap."""
    return store.status == "active" and store.open and not capped(store, month, cap_idr)


# Words that qualify a staple rather than name it: left out of a reference's default words.
GENERIC_WORDS = frozenset(
    {
        *("medium", "premium", "curah", "super", "kualitas", "kemasan", "lokal", "rakyat", "ras", "biasa"),
        *("murah", "asli", "segar", "harga", "het", "hap", "per", "isi", "dan", "atau", "zona", "kg", "liter", "gram"),
    }
)


def default_words(name: str) -> list[str]:
    """A reference's words when none are given: its name's first two telling words, as one phrase.

    Indonesian names the thing first ("Beras medium", "Telur ayam ras", "Minyak goreng rakyat
    MinyaKita"), so this gives "beras", "telur ayam", "minyak goreng"; text in brackets is a note.
    """
    import re

    bare = re.sub(r"\([^)]*\)?", " ", name)
    telling = [w for w in normalise(bare).split() if w not in GENERIC_WORDS and not w.isdigit()]
    return [" ".join(telling[:2])] if telling else []


def fold_words(phrases: list[str]) -> list[str]:
    """Fold phrases as names are folded; drop empty and repeated ones."""
    return [p for p in dict.fromkeys(normalise(phrase) for phrase in phrases) if p]


def matches(name: str, phrases: list[str]) -> bool:
    """Tell whether a product name contains one of the (folded) phrases as whole words."""
    padded = " " + normalise(name) + " "
    return any(f" {phrase} " in padded for phrase in phrases)


def rank(product_id: str) -> str:
    """A static pseudo-random sort key: listings start at a daily offset into this order."""
    return hashlib.sha256(product_id.encode()).hexdigest()[:8] + "#" + product_id


def day_offset(day: str) -> str:
    """The point in rank order where today's listing starts (rotates exposure daily)."""
    return hashlib.sha256(f"peken-rotation-{day}".encode()).hexdigest()[:8]


def search_terms(name: str) -> list[str]:
    """The words a product can be found by."""
    return [w for w in words(name) if len(w) <= 40]


def name_index(name: str) -> str:
    """The folded name with spaces at both ends, so `contains(" word ")` matches whole words."""
    return " " + " ".join(words(name)) + " "
