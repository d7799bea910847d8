"""Make time-sortable ids (ULIDs) and timestamps in the API's formats."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
JAKARTA = ZoneInfo("Asia/Jakarta")


def new_id(at_ms: int | None = None) -> str:
    """Return a ULID: 48 bits of milliseconds then 80 random bits, Crockford base32."""
    ms = int(time.time() * 1000) if at_ms is None else at_ms
    value = (ms << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


def iso(at: datetime) -> str:
    """Format a time as ISO-8601 UTC with `Z` and milliseconds."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def jakarta_month(at: datetime) -> str:
    """Return the Asia/Jakarta calendar month (`YYYY-MM`) a moment falls in."""
    return at.astimezone(JAKARTA).strftime("%Y-%m")


def jakarta_day(at: datetime) -> str:
    """Return the Asia/Jakarta calendar day (`YYYY-MM-DD`) a moment falls in."""
    return at.astimezone(JAKARTA).strftime("%Y-%m-%d")
