"""Units of measure a reference price may use, and reading a product's unit as an amount of one.

No I/O. A reference price's unit is one of a closed set (`REFERENCE_UNITS`), each with the
dimension it measures and its size in that dimension's base unit: mass in kg, volume in
liter, and count units (butir, bungkus, ...) that convert only to themselves. Spellings
sellers and officers use are folded to the canonical name ("Kg", "kilogram" -> "kg";
"ltr", "l" -> "liter"; "gr", "gram" -> "g").

A product's unit stays free text; when the product names a reference price it is read as
an optional amount and a unit ("kg", "5 kg", "500 gram", "1,5 liter", "2 l", "10 butir").
`quantity_in` converts it to the reference's unit (500 gram -> 0.5 for a kg reference) or
says it cannot (10 butir against kg, bungkus against liter): then the seller must give
`reference_quantity` (the pack size in the reference's unit) explicitly.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal, get_args

ReferenceUnit = Literal[
    "kg", "g", "ons", "liter", "ml", "butir", "bungkus", "buah", "botol", "kaleng", "sachet", "ikat"
]
REFERENCE_UNITS: tuple[ReferenceUnit, ...] = get_args(ReferenceUnit)

# canonical unit -> (dimension, size in the dimension's base unit)
SIZES: dict[str, tuple[str, Decimal]] = {
    "kg": ("mass", Decimal(1)),
    "g": ("mass", Decimal("0.001")),
    "ons": ("mass", Decimal("0.1")),
    "liter": ("volume", Decimal(1)),
    "ml": ("volume", Decimal("0.001")),
    **{count: (count, Decimal(1)) for count in ("butir", "bungkus", "buah", "botol", "kaleng", "sachet", "ikat")},
}
ALIASES: dict[str, str] = {
    "kilo": "kg",
    "kilogram": "kg",
    "kilograms": "kg",
    "kgs": "kg",
    "gr": "g",
    "gram": "g",
    "grams": "g",
    "grm": "g",
    "l": "liter",
    "lt": "liter",
    "ltr": "liter",
    "litre": "liter",
    "liters": "liter",
    "mililiter": "ml",
    "milliliter": "ml",
    "millilitre": "ml",
    "bks": "bungkus",
    "pcs": "buah",
    "pc": "buah",
    "biji": "buah",
    "btr": "butir",
    "btl": "botol",
    "sachets": "sachet",
    "saset": "sachet",
}
MAX_REFERENCE_QUANTITY = Decimal(1000)
QUANTITY_STEP = Decimal("0.001")
_AMOUNT_AND_UNIT = re.compile(r"^(?:per\s+|/\s*)?(?:(\d+(?:[.,]\d+)*)\s*)?([a-z]+)\.?$")
_THOUSANDS = re.compile(r"^[1-9]\d{0,2}(?:\.\d{3})+$")  # Indonesian "1.000 gram"


def canonical(unit: str) -> str | None:
    """Return the canonical name of a unit ("Kg", "kilogram" -> "kg"), or None if it is not one we convert."""
    folded = unit.strip().lower().rstrip(".")
    name = ALIASES.get(folded, folded)
    return name if name in SIZES else None


def parse(text: str) -> tuple[Decimal, str] | None:
    """Read "5 kg", "500 gram", "1,5 liter", "kg" as (amount, canonical unit); None if it is not that."""
    split = _split(text)
    if split is None:
        return None
    name = canonical(split[1])
    return None if name is None else (split[0], name)


def _split(text: str) -> tuple[Decimal, str] | None:
    """Read "5 kg", "1,5 liter", "karung" as (amount, the unit's word as written, folded); None otherwise."""
    match = _AMOUNT_AND_UNIT.fullmatch(" ".join(text.strip().lower().split()))
    if not match:
        return None
    raw, unit = match.groups()
    if raw is None:
        return Decimal(1), unit
    if _THOUSANDS.fullmatch(raw):
        raw = raw.replace(".", "")
    elif raw.count(".") + raw.count(",") > 1:
        return None
    try:
        amount = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        return None
    return (amount, unit) if amount > 0 else None


def reference_unit(unit: str) -> str:
    """The unit a reference price is stored in: a known one by its canonical name, else its own word.

    A word we do not know ("karung", "porsi") is kept as a count unit of its own: it converts
    only to itself, so a product in any other unit must give `reference_quantity`.
    Raises ValueError for what is not one unit ("5 kg", "kg/liter").
    """
    split = _split(unit)
    if split is None or split[0] != 1 or not unit.strip().lower().rstrip(".").isalpha():
        raise ValueError(f"must be one unit, such as {', '.join(REFERENCE_UNITS[:5])} or a count (butir, bungkus)")
    return canonical(split[1]) or split[1]


def quantity_in(product_unit: str, reference_unit: str) -> Decimal | None:
    """How many reference units one product unit holds ("500 gram" in kg -> 0.5); None if it does not convert."""
    target = canonical(reference_unit)
    if target is None:  # a reference in a unit of its own: "2 karung" is 2 of a "karung" price
        split = _split(product_unit)
        return split[0] if split is not None and split[1] == reference_unit else None
    parsed = parse(product_unit)
    if parsed is None:
        return None
    amount, unit = parsed
    (dimension, size), (target_dimension, target_size) = SIZES[unit], SIZES[target]
    if dimension != target_dimension:
        return None
    return (amount * size / target_size).quantize(QUANTITY_STEP, rounding=ROUND_HALF_UP)


def cap(quantity: Decimal | float | int, max_price_idr: int) -> int:
    """The highest price of a pack of `quantity` reference units: floor(quantity x max), whole Rupiah."""
    return int(Decimal(str(quantity)) * max_price_idr)  # int() truncates: the floor of a positive number
