"""Where to reach a rostered ASN outside the app (personal data: never logged)."""

from __future__ import annotations

from chalicelib.spending import tables


def of_nip(nip: str) -> tuple[str | None, str | None] | None:
    """Return the roster's email and phone for a NIP, None if not rostered."""
    row = tables.asn(nip)
    return None if row is None else (row.email, row.phone_number)
