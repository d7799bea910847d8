"""Read and change the marketplace settings: turnover cap, payment timeout, auto-complete."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.ids import iso, utcnow
from chalicelib.settings import tables

DEFAULTS: dict[str, int] = {
    "turnover_cap_idr": 30_000_000,
    "payment_timeout_minutes": 30,
    "auto_complete_days": 3,
}
CACHE_SECONDS = 30.0
_cache: dict[str, Any] = {"at": -CACHE_SECONDS, "values": {}}


class SettingsChange(BaseModel):
    """PUT /v1/admin/settings: any of the settings."""

    model_config = ConfigDict(extra="forbid")

    turnover_cap_idr: int | None = Field(default=None, ge=0, le=1_000_000_000_000)
    payment_timeout_minutes: int | None = Field(default=None, ge=1, le=1440)
    auto_complete_days: int | None = Field(default=None, ge=0, le=30)


def current(fresh: bool = False) -> dict[str, int]:
    """Return the settings, defaults filled in; cached for a few seconds per container."""
    now = time.monotonic()
    if fresh or now - _cache["at"] > CACHE_SECONDS:
        _cache["values"] = {**DEFAULTS, **tables.read()}
        _cache["at"] = now
    return dict(_cache["values"])


def change(body: SettingsChange) -> dict[str, int]:
    """Save the given settings (the others stay as saved) and return them all."""
    values = {**DEFAULTS, **tables.change(body.model_dump(exclude_none=True), iso(utcnow()))}
    _cache["values"], _cache["at"] = values, time.monotonic()
    return dict(values)
