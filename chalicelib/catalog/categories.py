"""The product categories API.md fixes, with their names in both languages.

The one list of categories: product input (`catalog.model`), the listing filter and the API
document import it from here. It is not in `catalog.model` because that imports pydantic, and
`GET /v1/categories` needs only this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from chalicelib import shapes

Category = Literal["sembako", "kuliner", "kerajinan", "fashion", "kebutuhan_rumah"]
CATEGORY_IDS: tuple[Category, ...] = get_args(Category)  # in the order they are shown
# Indonesian and English names: mypy refuses a key that is no category, a missing one fails at import.
NAMES: dict[Category, tuple[str, str]] = {
    "sembako": ("Sembako", "Staples"),
    "kuliner": ("Kuliner", "Food and drink"),
    "kerajinan": ("Kerajinan", "Crafts"),
    "fashion": ("Fashion", "Fashion"),
    "kebutuhan_rumah": ("Kebutuhan rumah", "Household"),
}
CATEGORIES: tuple[shapes.CategoryEntry, ...] = tuple(
    {"id": c, "name": NAMES[c][0], "name_en": NAMES[c][1]} for c in CATEGORY_IDS
)


def list_categories() -> shapes.CategoryList:
    """Return the category list in the API's list shape (once: `items`)."""
    return {"items": list(CATEGORIES), "next_cursor": None}
