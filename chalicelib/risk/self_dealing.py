"""self_dealing: a buyer whose NIP, phone, email or payout account name matches a store owner's.

Why: the cheapest fake purchase is a shop owner (or their household account) buying from
their own shop to tick an ASN quota: the money goes round and comes back as turnover. The
checkout already refuses the owner's own account (`OwnStore`); this catches a second account
of the same person. Evaluated on every paid order, whoever the buyer is.

What is compared, normalised (`normalise`): the buyer's NIP against the owner's (the roster
row of the buyer's NIP linked to the owner's account at sign-in), the buyer's phones and
emails (profile and roster row) against the owner's profile, and the buyer's names against
the store's payout account holder name. Only the names of the fields that matched are kept
on the flag, never the values (personal data, UU PDP), and nothing here logs them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from chalicelib.risk.model import Finding, IdentityField


@dataclass(frozen=True)
class Identity:
    """One side's identifying values, raw (normalised when compared)."""

    nips: frozenset[str] = field(default_factory=frozenset)
    phones: frozenset[str] = field(default_factory=frozenset)
    emails: frozenset[str] = field(default_factory=frozenset)
    names: frozenset[str] = field(default_factory=frozenset)  # a person's names, or an account holder's


def identity(
    nips: Iterable[str | None] = (),
    phones: Iterable[str | None] = (),
    emails: Iterable[str | None] = (),
    names: Iterable[str | None] = (),
) -> Identity:
    """Build an identity from values that may be missing."""
    return Identity(
        frozenset(v for v in nips if v),
        frozenset(v for v in phones if v),
        frozenset(v for v in emails if v),
        frozenset(v for v in names if v),
    )


def normal_phone(value: str) -> str:
    """Digits only, the country code as a leading 0 (+62 812..., 62812..., 0812... are one number)."""
    digits = re.sub(r"[^0-9]", "", value)
    return "0" + digits[2:] if digits.startswith("62") else digits


def normal_email(value: str) -> str:
    return value.strip().casefold()


def normal_name(value: str) -> str:
    """Case, punctuation and spacing ignored ("BUDI  SANTOSO," is "budi santoso")."""
    return " ".join(re.sub(r"[^\w]+", " ", value.casefold()).split())


def _normal(values: frozenset[str], how: Callable[[str], str]) -> set[str]:
    return {v for v in (how(x) for x in values) if v}


def matches(buyer: Identity, owner: Identity) -> list[IdentityField]:
    """The identity fields on which the buyer and the store owner agree, in a fixed order."""
    found: list[IdentityField] = []
    if _normal(buyer.nips, str.strip) & _normal(owner.nips, str.strip):
        found.append("nip")
    if _normal(buyer.phones, normal_phone) & _normal(owner.phones, normal_phone):
        found.append("phone")
    if _normal(buyer.emails, normal_email) & _normal(owner.emails, normal_email):
        found.append("email")
    if _normal(buyer.names, normal_name) & _normal(owner.names, normal_name):
        found.append("payout_account_name")
    return found


def check(
    buyer: Identity, owner: Identity, store_id: str, buyer_id: str, nip: str, order_id: str, amount_idr: int
) -> Finding | None:
    """Flag a paid order whose buyer shares an identity field with the store's owner."""
    matched = matches(buyer, owner)
    if not matched:
        return None
    subject = {"store_id": store_id, "buyer_id": buyer_id, **({"nip": nip} if nip else {})}
    return Finding("self_dealing", subject, {"matched": list(matched), "order_id": order_id, "amount_idr": amount_idr})
