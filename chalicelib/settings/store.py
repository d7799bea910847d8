"""The settings row in the config table (the only DynamoDB code of this domain)."""

from __future__ import annotations

import json
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from chalicelib.dynamo import region, table_name


class SettingsRecord(Model):
    """The one settings row, stored as JSON so new settings need no migration."""

    class Meta:
        table_name = table_name("config")
        region = region()

    kind = UnicodeAttribute(hash_key=True, default="settings")
    key = UnicodeAttribute(range_key=True, default="marketplace")
    values = UnicodeAttribute()
    updated_at = UnicodeAttribute()


def read() -> dict[str, Any]:
    """Return the saved settings (empty if never saved) with one GetItem."""
    try:
        return dict(json.loads(SettingsRecord.get("settings", "marketplace").values))
    except DoesNotExist:
        return {}


def write(values: dict[str, Any], at: str) -> None:
    """Save the whole settings row."""
    SettingsRecord(values=json.dumps(values, sort_keys=True), updated_at=at).save()
