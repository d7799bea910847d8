"""Make time-sortable ids (ULIDs) and timestamps in the API's formats."""

from __future__ import annotations

import hashlib
import os
import re
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
JAKARTA = ZoneInfo("Asia/Jakarta")
DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"  # ASCII digits only (\d takes any script)


def new_id(at_ms: int | None = None, seed: str | None = None) -> str:
    """Return a ULID: 48 bits of milliseconds then 80 bits, random or (with a seed) derived from it.

    A seeded id is the same every time, so a redelivered message makes the same id.
    """
    ms = int(time.time() * 1000) if at_ms is None else at_ms
    tail = hashlib.sha256(seed.encode()).digest()[:10] if seed is not None else os.urandom(10)
    value = (ms << 80) | int.from_bytes(tail, "big")
    chars = []
    for _ in range(26):
        chars.append(CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


# The local stack may move this clock forward to test deadlines; deployed code never does.
CLOCK_OFFSET_SECONDS = [0.0]


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC) + timedelta(seconds=CLOCK_OFFSET_SECONDS[0])


def iso(at: datetime) -> str:
    """Format a time as ISO-8601 UTC with `Z` and milliseconds."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def jakarta_month(at: datetime) -> str:
    """Return the Asia/Jakarta calendar month (`YYYY-MM`) a moment falls in."""
    return at.astimezone(JAKARTA).strftime("%Y-%m")


def jakarta_day(at: datetime) -> str:
    """Return the Asia/Jakarta calendar day (`YYYY-MM-DD`) a moment falls in."""
    return at.astimezone(JAKARTA).strftime("%Y-%m-%d")


def parse_day(value: object) -> date:
    """Read a calendar day written `YYYY-MM-DD` (no other ISO form); raise ValueError otherwise."""
    if not isinstance(value, str) or not re.fullmatch(DAY_PATTERN, value):
        raise ValueError("must be a date YYYY-MM-DD")
    return date.fromisoformat(value)


def parse_iso(timestamp: str) -> datetime:
    """Read an API timestamp (`...Z`) as an aware datetime."""
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


def epoch_ms(timestamp: str) -> int:
    """Turn an API timestamp back into epoch milliseconds."""
    return int(parse_iso(timestamp).timestamp() * 1000)


def rupiah(amount_idr: int) -> str:
    """Format whole Rupiah the Indonesian way: `Rp1.250.000`."""
    sign = "-" if amount_idr < 0 else ""
    return f"{sign}Rp{abs(amount_idr):,}".replace(",", ".")
