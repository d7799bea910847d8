"""Read `limit` and `cursor` query parameters and make opaque cursors.

A cursor is base64url JSON of string fields; each list names the fields its cursor may carry
(its `CURSOR_FIELDS`), and any other set of fields is refused. Mostly they are the sort-key
attributes of the last item (`store_id`, `created_at`, `order_id`, `nip`, the inbox's `id`),
never the partition key. The product listing's are short, as they travel in every page URL:
- `d`: day offset, the rank at which today's rotation starts (`catalog.model.day_offset`, 8 hex);
- `s`: segment, the index (as a string) of the Query segment of the page plan being read;
- `k`: key, the last rank read in that segment (`-`: the segment has not been started).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import ValidationFailed

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_CURSOR_CHARS = 512


@dataclass(frozen=True)
class PageRequest:
    """What page the client asked for."""

    limit: int
    after: dict[str, Any] | None


def page_request(query: Mapping[str, str] | None, cursor_fields: tuple[str, ...]) -> PageRequest:
    """Validate `limit` (1..100) and decode `cursor` into the sort-key fields it may carry."""
    query = query or {}
    raw_limit = query.get("limit")
    limit = DEFAULT_LIMIT
    if raw_limit is not None:
        # ASCII digits only: str.isdigit() also takes "²", which int() refuses (a 500).
        if not re.fullmatch(r"[0-9]{1,3}", raw_limit) or not 1 <= int(raw_limit) <= MAX_LIMIT:
            raise ValidationFailed.field("limit", f"must be an integer from 1 to {MAX_LIMIT}")
        limit = int(raw_limit)
    cursor = query.get("cursor")
    return PageRequest(limit, decode_cursor(cursor, cursor_fields) if cursor else None)


def encode_cursor(values: Mapping[str, Any]) -> str:
    """Make an opaque cursor from the sort-key values of the last item."""
    raw = json.dumps(dict(values), separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, fields: tuple[str, ...]) -> dict[str, Any]:
    """Decode a cursor, accepting only the expected string fields.

    The caller's own partition key is never taken from the cursor, so a cursor copied
    from someone else's list cannot reach their items.
    """
    try:
        if len(cursor) > MAX_CURSOR_CHARS:
            raise ValueError("too long")
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(data, dict) or set(data) != set(fields):
            raise ValueError("unexpected fields")
        if not all(isinstance(v, str) and 0 < len(v) <= 200 for v in data.values()):
            raise ValueError("bad values")
    except ValueError as exc:
        raise ValidationFailed.field("cursor", "invalid cursor") from exc
    return data
