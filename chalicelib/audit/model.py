"""What an audit entry says: the changed fields only, personal data masked. Pure functions, no I/O.

Masking keeps enough to recognise a value and never the whole of it: account numbers as the
payout account shows them (`chalicelib.masking`), NIPs and phone numbers by their last
digits, emails by their first letter and domain, personal names by their first letter.
A roster row's NIP is its key: its audit target is a pseudonym (`pseudonym`: a keyed
HMAC-SHA256 of the NIP, the key a secret), which the audit read computes from a NIP too, so
admins can still filter by it, and nobody without the key can try NIPs against it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any, Literal, get_args

from chalicelib.masking import MASK, mask_account_number

TargetType = Literal[
    "store",
    "product",
    "reference_price",
    "settings",
    "spending_policy",
    "asn",
    "roster",
    "order",
    "dispute",
    "payout_account",
    "payout_batch",
    "risk_flag",
]
TARGET_TYPES: tuple[TargetType, ...] = get_args(TargetType)
NIP_PATTERN = r"[0-9]{18}"
# Fields that are personal data wherever they appear, and how much of them an entry keeps.
SHOWN_TAIL = {"nip": 4, "phone_number": 3, "phone": 3}
ALWAYS_PERSONAL = frozenset({"nip", "phone_number", "phone", "email", "account_number", "account_name", "owner_name"})
PERSONAL_BY_TARGET = {"asn": frozenset({"name"}), "roster": frozenset({"name"})}  # an ASN's own name


def mask_tail(value: str, shown: int) -> str:
    """Show only the last `shown` characters of a value (`••••••1234`); a short value shows none."""
    return MASK + (value[-shown:] if len(value) > 2 * shown else "")


def mask_email(value: str) -> str:
    """`b•••@surabaya.go.id`: the first letter and the domain."""
    local, _, domain = value.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else mask_tail(value, 0)


def mask_name(value: str) -> str:
    """`B•••`: the first letter of a personal name."""
    return f"{value[:1]}•••" if value else value


def mask_value(name: str, value: Any) -> Any:
    """Mask one personal field's value (non-strings are kept: they are no identity)."""
    if not isinstance(value, str) or not value:
        return value
    if name == "account_number":
        return mask_account_number(value)
    if name == "email":
        return mask_email(value)
    if name in SHOWN_TAIL:
        return mask_tail(value, SHOWN_TAIL[name])
    return mask_name(value)


def masked(target_type: str, fields: Any) -> Any:
    """Mask every personal field in a (nested) value, by field name and target type."""
    personal = ALWAYS_PERSONAL | PERSONAL_BY_TARGET.get(target_type, frozenset())
    if isinstance(fields, Mapping):
        return {str(k): _masked_field(str(k), v, personal, target_type) for k, v in fields.items()}
    if isinstance(fields, list | tuple):
        return [masked(target_type, v) for v in fields]
    return fields


def _masked_field(name: str, value: Any, personal: frozenset[str], target_type: str) -> Any:
    if name in personal and isinstance(value, list | tuple):
        return [mask_value(name, v) for v in value]  # e.g. the NIPs of a roster upload
    if name in personal:
        return mask_value(name, value)
    return masked(target_type, value)


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the fields whose value changed; a field missing on one side counts as None there."""
    before, after = dict(before or {}), dict(after or {})
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    return {k: before.get(k) for k in changed if k in before}, {k: after.get(k) for k in changed if k in after}


def entry_fields(
    target_type: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The before and after an entry stores: the changed fields, masked."""
    old, new = diff(before, after)
    return masked(target_type, old), masked(target_type, new)


def is_person(target_type: str, target_id: str) -> bool:
    """Whether a target id names a person (an ASN's NIP, a roster row's key): filed under a pseudonym."""
    return target_type == "asn" or re.fullmatch(NIP_PATTERN, target_id) is not None


def pseudonym(nip: str, key: bytes) -> str:
    """The id an ASN's entries are filed under: a keyed HMAC-SHA256 of the NIP (`asn-` and 24 hex digits)."""
    return "asn-" + hmac.new(key, nip.encode(), hashlib.sha256).hexdigest()[:24]
