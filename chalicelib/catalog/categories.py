"""The product categories API.md fixes, with their names in both languages."""

from __future__ import annotations

from typing import Any

CATEGORIES: tuple[dict[str, str], ...] = (
    {"id": "sembako", "name": "Sembako", "name_en": "Staples"},
    {"id": "kuliner", "name": "Kuliner", "name_en": "Food and drink"},
    {"id": "kerajinan", "name": "Kerajinan", "name_en": "Crafts"},
    {"id": "fashion", "name": "Fashion", "name_en": "Fashion"},
    {"id": "kebutuhan_rumah", "name": "Kebutuhan rumah", "name_en": "Household"},
)
CATEGORY_IDS = frozenset(c["id"] for c in CATEGORIES)


def list_categories() -> dict[str, Any]:
    """Return the category list in the API's list shape."""
    return {"items": list(CATEGORIES), "next_cursor": None, "categories": sorted(CATEGORY_IDS)}
