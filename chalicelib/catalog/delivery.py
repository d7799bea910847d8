"""A store's fulfilment offer (pickup, delivery area, fee, free-from threshold) and the fee rule.

No I/O: `offer_of` reads a store item already loaded, `fee` decides one order's delivery fee.

Defaults, for what a store never set (every store made before the setting existed, and new
ones until their owner sets it): pickup offered; delivery offered, for a fee of 0, to the
whole city (all 31 kecamatan) until the owner sets `delivery.kecamatan` - exactly what checkout
did before the setting existed, so orders from stores that never chose keep working (and need
no kecamatan on the address). A list the owner sets is the area; an empty one means the
store's own kecamatan.

The rule: pickup costs nothing; a delivery to a kecamatan outside the store's area or by a
store that does not deliver is refused (None); otherwise the fee, waived when the order's
goods reach `free_from_idr`. A delivery whose kecamatan is unknown (None) is served only by a
store still delivering city-wide by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib import wilayah

if TYPE_CHECKING:
    from chalicelib import shapes
    from chalicelib.catalog.bodies import DeliveryChange

MAX_FEE_IDR = 500_000  # a delivery inside one city; more is a typo (an extra zero), not a fee
MAX_FREE_FROM_IDR = 100_000_000
KECAMATAN_COUNT = 31  # Surabaya's kecamatan: a longer list repeats names


@dataclass(frozen=True)
class Offer:
    """How a store hands over its orders."""

    home: str  # the store's own kecamatan
    pickup: bool = True
    delivers: bool = True
    fee_idr: int = 0
    free_from_idr: int | None = None
    kecamatan: tuple[str, ...] | None = None  # as the owner set it (empty: its own); None: never set, the city

    @property
    def area(self) -> tuple[str, ...]:
        """The kecamatan the store delivers to."""
        if self.kecamatan is None:
            return tuple(wilayah.load().kecamatan)
        return self.kecamatan or (self.home,)

    @property
    def needs_place(self) -> bool:
        """Whether a delivery from this store needs the address's kecamatan (it chose an area)."""
        return self.kecamatan is not None


def offer_of(store: Any) -> Offer:
    """The offer of a store item (absent attributes take the defaults in the module docstring)."""
    free_from = getattr(store, "delivery_free_from_idr", None)
    area = getattr(store, "delivery_kecamatan", None)
    return Offer(
        home=str(store.kecamatan),
        pickup=_flag(getattr(store, "pickup", None)),
        delivers=_flag(getattr(store, "delivery_enabled", None)),
        fee_idr=int(getattr(store, "delivery_fee_idr", None) or 0),
        free_from_idr=None if free_from is None else int(free_from),
        kecamatan=None if area is None else tuple(str(k) for k in area),
    )


def _flag(value: bool | None) -> bool:
    return True if value is None else bool(value)


def changes(given: DeliveryChange) -> dict[str, Any]:
    """The store attributes a PATCH's `delivery` object sets (None removes), official names without repeats."""
    sent = given.model_fields_set
    out: dict[str, Any] = {}
    if "enabled" in sent:
        out["delivery_enabled"] = given.enabled
    if "fee_idr" in sent:
        out["delivery_fee_idr"] = given.fee_idr
    if "free_from_idr" in sent:
        out["delivery_free_from_idr"] = given.free_from_idr
    if "kecamatan" in sent:
        out["delivery_kecamatan"] = list(dict.fromkeys(given.kecamatan or []))  # empty: its own
    return out


def fee(offer: Offer, method: str, kecamatan: str | None, goods_idr: int) -> int | None:
    """One order's delivery fee in whole Rupiah, or None when the store cannot serve it that way.

    `kecamatan` is the delivery address's official kecamatan (ignored for pickup), None if unknown.
    """
    if method == "pickup":
        return 0 if offer.pickup else None
    if not offer.delivers or (kecamatan is None and offer.needs_place):
        return None
    if kecamatan is not None and kecamatan not in offer.area:
        return None
    if offer.free_from_idr is not None and goods_idr >= offer.free_from_idr:
        return 0
    return offer.fee_idr


def render(offer: Offer) -> shapes.StoreDelivery:
    """The delivery part of a store view: `kecamatan` as set (never set: the whole city), `areas` in effect."""
    return {
        "enabled": offer.delivers,
        "fee_idr": offer.fee_idr,
        "free_from_idr": offer.free_from_idr,
        "kecamatan": list(offer.area if offer.kecamatan is None else offer.kecamatan),
        "areas": list(offer.area),
    }
