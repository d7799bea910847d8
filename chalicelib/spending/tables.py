"""Roster, spending and policy rows (the only DynamoDB code of this domain).

NIP, name, phone and email are personal data (UU PDP): kept only in the `asn` table, which
is encrypted at rest (SSE) like every table, never logged, and shown only to admins and to
the ASN themself.

Who owns which attribute: a roster row's fields belong to the roster upload and to an
admin's change of one row (PATCH, the fields it is given), its `active` flag to that change
alone, its `user_id` to sign-in (`roster.py`); DELETE removes the row (its spending rows and
the report counters stay). An ASN-month's `spent_idr` and `orders` are ADDed by the spending
ledger, its `compliant` flag set by the ledger or the recount, both conditional on the
spending and flag they read (`service.py`). Its `late_spent_idr` (what was paid in the month's
last `quota_rush_days` days) belongs to the risk rules (`chalicelib.risk.pipeline`), ADDed in
the spending ledger's own update of the month (`service.spend_change(late_idr=)`); the rules
read the ASN's whole month (`spent_idr`, `orders`, `late_spent_idr`) from this item.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib import config_rows
from chalicelib.dynamo import get_or_none, index, region, table_name

ROSTER_PARTITION = "asn"


class AsnRecord(Model):
    """A rostered civil servant, keyed by NIP."""

    class Meta:
        table_name = table_name("asn")
        region = region()

    nip = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    department = UnicodeAttribute()
    grade = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    phone_number = UnicodeAttribute(null=True)
    kecamatan = UnicodeAttribute(null=True)
    kelurahan = UnicodeAttribute(null=True)
    user_id = UnicodeAttribute(null=True)  # linked when the ASN first signs in
    active = BooleanAttribute(null=True)  # False: deactivated by an admin; absent or True: active
    roster = UnicodeAttribute(default=ROSTER_PARTITION)  # one partition of the all_asn index
    updated_at = UnicodeAttribute(null=True)

    by_department = index("by_department", "department", "nip")
    all_asn = index("all_asn", "roster", "nip")


class SpendingRecord(Model):
    """One ASN's spending in one Jakarta month, fed by the payments pipeline."""

    class Meta:
        table_name = table_name("spending")
        region = region()

    nip = UnicodeAttribute(hash_key=True)
    month = UnicodeAttribute(range_key=True)
    spent_idr = NumberAttribute(default=0)
    orders = NumberAttribute(default=0)
    department = UnicodeAttribute(null=True)
    compliant = NumberAttribute(default=0)  # 1 once spent reached the quota
    late_spent_idr = NumberAttribute(null=True)  # the risk rules' (see the module docstring)


def asn(nip: str, consistent: bool = False) -> AsnRecord | None:
    """Read one roster row."""
    return get_or_none(AsnRecord, nip, consistent=consistent)


def is_active(row: AsnRecord) -> bool:
    """Tell whether a roster row is active (rows from before deactivation existed have no flag)."""
    return row.active is not False


def spending(nip: str, month: str) -> SpendingRecord | None:
    """Read one ASN-month of spending."""
    return get_or_none(SpendingRecord, nip, month)


def policy_values() -> dict[str, Any] | None:
    """Read the saved quota policy."""
    return config_rows.read("policy", "spending")


def save_policy(values: dict[str, Any], at: str) -> None:
    """Save the quota policy."""
    config_rows.write("policy", "spending", values, at, audited=("spending_policy.change", "spending_policy"))


def walk(
    month: str, department: str | None = None, after: dict[str, str] | None = None, page_size: int = 1000
) -> Iterator[tuple[AsnRecord, SpendingRecord | None, dict[str, str] | None]]:
    """Walk the roster a page at a time with each ASN's month.

    A page is one Query plus one BatchGetItem per 100 rows (DynamoDB's BatchGetItem limit).

    Yields the row, its spending (None if nothing yet) and the key to resume after its page.
    """
    from chalicelib.dynamo import page_of

    resume = after
    while True:
        if department:
            rows, last = page_of(AsnRecord.by_department, "department", department, resume, page_size, max_queries=1)
        else:
            rows, last = page_of(AsnRecord.all_asn, "roster", ROSTER_PARTITION, resume, page_size, max_queries=1)
        keys = [(r.nip, month) for r in rows]
        found = {s.nip: s for s in SpendingRecord.batch_get(keys)} if keys else {}
        for row in rows:
            yield row, found.get(row.nip), last
        if last is None:
            return
        resume = {"nip": last["nip"]}
