"""The marketplace settings document (in the config table): its writes.

It is read in `chalicelib.marketplace_settings`, which names the document (KIND, KEY).
"""

from __future__ import annotations

from typing import Any

from chalicelib import config_rows
from chalicelib.marketplace_settings import KEY, KIND


def change(values: dict[str, Any], at: str) -> dict[str, Any]:
    """Save the given settings over the saved ones (others saving meanwhile keep theirs); return all saved."""
    return config_rows.write(KIND, KEY, values, at, merge=True, audited=("settings.change", "settings"))
