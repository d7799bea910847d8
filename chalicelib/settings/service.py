"""Show and change the marketplace settings: turnover cap, payment timeout, auto-complete, settlement.

Other domains read the settings in `chalicelib.marketplace_settings` (`current` here is the
same function), never here: this module uses the catalog (a new cap re-lists stores), so a
domain the catalog needs importing it would make a cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from chalicelib import marketplace_settings
from chalicelib.auth import Principal
from chalicelib.bodies import Body
from chalicelib.catalog import stores
from chalicelib.ids import iso, jakarta_month, utcnow
from chalicelib.marketplace_settings import current as current
from chalicelib.settings import tables

if TYPE_CHECKING:
    from chalicelib import shapes


class SettingsChange(Body):
    """PUT /v1/admin/settings: any of the settings."""

    turnover_cap_idr: int | None = Field(default=None, ge=0, le=1_000_000_000_000)
    payment_timeout_minutes: int | None = Field(default=None, ge=1, le=1440)
    auto_complete_days: int | None = Field(default=None, ge=0, le=30)
    payout_hold_days: int | None = Field(default=None, ge=0, le=60)
    min_payout_idr: int | None = Field(default=None, ge=0, le=1_000_000_000)
    platform_fee_bps: int | None = Field(default=None, ge=0, le=10_000)
    dispute_window_days: int | None = Field(default=None, ge=0, le=60)
    dispute_response_days: int | None = Field(default=None, ge=0, le=60)
    concentration_share_pct: int | None = Field(default=None, ge=1, le=100)
    concentration_min_orders: int | None = Field(default=None, ge=1, le=1000)
    quota_rush_days: int | None = Field(default=None, ge=1, le=28)
    quota_rush_max_pct: int | None = Field(default=None, ge=100, le=1000)


def change_settings(principal: Principal, body: SettingsChange) -> shapes.Settings:
    """Save marketplace settings (PUT /v1/admin/settings); a new cap re-lists or hides the stores it concerns."""
    before = current(fresh=True)["turnover_cap_idr"]
    after = change(body)
    if after["turnover_cap_idr"] != before:
        stores.refresh_capped(jakarta_month(utcnow()), min(before, after["turnover_cap_idr"]))
    return after


def change(body: SettingsChange) -> shapes.Settings:
    """Save the given settings (the others stay as saved) and return them all."""
    return marketplace_settings.remember(tables.change(body.model_dump(exclude_none=True), iso(utcnow())))
