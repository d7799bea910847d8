"""Catalog rules without I/O: closed sets, limits, store transitions, listing visibility, ranking, words.

The request bodies built on them are in `chalicelib.catalog.bodies` (pydantic stays off the listing path).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal, get_args

from chalicelib.text import normalise, words

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

SKU_PATTERN = r"^[a-z0-9_]{1,64}$"
MAX_WORDS = 20
MAX_REFERENCE_QUANTITY = 1000


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
