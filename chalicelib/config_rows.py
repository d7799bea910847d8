"""Small JSON documents in the config table (marketplace settings, the quota policy)."""

from __future__ import annotations

import json
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from chalicelib.dynamo import region, table_name


class JsonRow(Model):
    """One JSON document keyed by (kind, key); new fields need no migration."""

    class Meta:
        table_name = table_name("config")
        region = region()

    kind = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)
    values = UnicodeAttribute()
    updated_at = UnicodeAttribute()


def read(kind: str, key: str) -> dict[str, Any] | None:
    """Return a document with one GetItem, None if it was never saved."""
    try:
        return dict(json.loads(JsonRow.get(kind, key).values))
    except DoesNotExist:
        return None


def write(kind: str, key: str, values: dict[str, Any], at: str) -> None:
    """Save a whole document."""
    JsonRow(kind, key, values=json.dumps(values, sort_keys=True), updated_at=at).save()
