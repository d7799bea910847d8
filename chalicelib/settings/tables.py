"""The marketplace settings document (in the config table)."""

from __future__ import annotations

from typing import Any

from chalicelib import config_rows

KIND, KEY = "settings", "marketplace"


def read() -> dict[str, Any]:
    """Return the saved settings (empty if never saved) with one GetItem."""
    return config_rows.read(KIND, KEY) or {}


def change(values: dict[str, Any], at: str) -> dict[str, Any]:
    """Save the given settings over the saved ones (others saving meanwhile keep theirs); return all saved."""
    return config_rows.write(KIND, KEY, values, at, merge=True)
