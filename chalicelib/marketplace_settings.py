"""Read the marketplace settings (turnover cap, payment timeout, auto-complete, settlement) as every domain sees them.

The read side only: defaults, the saved document in the config table, and a cache of
CACHE_SECONDS per container. The catalog and orders read the settings here; changing them is
the settings domain's use case (`chalicelib.settings.service.change_settings`), which saves
through `chalicelib.settings.tables`, re-lists the stores a new cap concerns through the
catalog, and then refreshes this cache (`remember`). The read side lives outside the
`settings` package so that the packages stay acyclic: settings -> catalog -> this module.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, cast

from chalicelib import config_rows

if TYPE_CHECKING:
    from chalicelib import shapes

KIND, KEY = "settings", "marketplace"  # the document's key in the config table
DEFAULTS: dict[str, int] = {
    "turnover_cap_idr": 30_000_000,
    "payment_timeout_minutes": 30,
    "auto_complete_days": 3,
    "payout_hold_days": 2,
    "min_payout_idr": 10_000,
    "platform_fee_bps": 0,
    "dispute_window_days": 3,
    "dispute_response_days": 2,
    # risk rules (chalicelib.risk): their thresholds
    "concentration_share_pct": 80,
    "concentration_min_orders": 3,
    "quota_rush_days": 2,
    "quota_rush_max_pct": 110,
}
CACHE_SECONDS = 30.0
_cache: dict[str, Any] = {"at": -CACHE_SECONDS, "values": {}}


def current(fresh: bool = False) -> shapes.Settings:
    """Return the settings, defaults filled in; cached for a few seconds per container."""
    now = time.monotonic()
    if fresh or now - _cache["at"] > CACHE_SECONDS:
        _cache["values"] = {**DEFAULTS, **(config_rows.read(KIND, KEY) or {})}
        _cache["at"] = now
    return cast("shapes.Settings", dict(_cache["values"]))


def remember(saved: dict[str, Any]) -> shapes.Settings:
    """Cache the settings a write just saved (defaults filled in) and return them."""
    values = {**DEFAULTS, **saved}
    _cache["values"], _cache["at"] = values, time.monotonic()
    return cast("shapes.Settings", dict(values))
