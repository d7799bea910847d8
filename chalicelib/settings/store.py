"""The marketplace settings document (in the config table)."""

from __future__ import annotations

from typing import Any

from chalicelib import config_rows

KIND, KEY = "settings", "marketplace"


def read() -> dict[str, Any]:
    """Return the saved settings (empty if never saved) with one GetItem."""
    return config_rows.read(KIND, KEY) or {}


def write(values: dict[str, Any], at: str) -> None:
    """Save the whole settings document."""
    config_rows.write(KIND, KEY, values, at)
