"""Spending use cases: the quota policy, an ASN's month, and the ledger the pipeline feeds."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import ledger, queues
from chalicelib.auth import Principal
from chalicelib.dynamo import WRITE_ATTEMPTS, connection
from chalicelib.errors import Conflict, Forbidden, ValidationFailed, condition_failed
from chalicelib.ids import iso, jakarta_month, utcnow
from chalicelib.messages import RecountCompliance
from chalicelib.reports import tables as counters
from chalicelib.spending import model, tables
from chalicelib.spending.tables import SpendingRecord

if TYPE_CHECKING:
    from chalicelib import shapes


def policy() -> model.Policy:
    """Return the quota policy (the default until an admin sets one)."""
    saved = tables.policy_values()
    return model.Policy(**saved) if saved else model.Policy(default_quota_idr=model.DEFAULT_QUOTA_IDR)


def set_policy(principal: Principal, body: model.Policy) -> shapes.SpendingPolicy:
    """Save the quota policy (admins)."""
    tables.save_policy(body.model_dump(), iso(utcnow()))
    queues.publish(RecountCompliance(month=jakarta_month(utcnow())))
    return render_policy(body)


def render_policy(saved: model.Policy) -> shapes.SpendingPolicy:
    """Shape the quota policy for the API."""
    return {"default_quota_idr": saved.default_quota_idr, "quota_by_grade": dict(saved.quota_by_grade)}


def recount(month: str) -> dict[str, int]:
    """Set every ASN's compliant flag of a month under today's policy, and each department's count with it.

    Cost: the roster walk, plus one transaction per flag that changes.
    """
    quota_of = policy().quota
    changed = sum(
        _recount_one(row, month, record, quota_of(row.grade))
        for row, record, _ in tables.walk(month)
        if tables.is_active(row)  # a deactivated ASN's counted month stays as it was
    )
    return {"changed": changed}


def _recount_one(row: Any, month: str, record: SpendingRecord | None, quota: int) -> int:
    """Flip one ASN-month's flag if it disagrees with the quota; return 1 if it flipped.

    The flag and its department's count move in one transaction, guarded by the spending
    and the flag read: a payment counted meanwhile is never overwritten; the row is read
    again and decided again. A row nobody spent on is written only when it is compliant
    (a quota of zero).
    """
    for _ in range(WRITE_ATTEMPTS):
        spent, was = (int(record.spent_idr), int(record.compliant)) if record else (0, 0)
        now = int(spent >= quota)
        if now == was:
            return 0
        department = (record.department if record else None) or row.department
        guard = (
            (SpendingRecord.spent_idr == spent) & (SpendingRecord.compliant == was)
            if record
            else SpendingRecord.nip.does_not_exist()
        )
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.update(
                    SpendingRecord(row.nip, month),
                    actions=[SpendingRecord.compliant.set(now), SpendingRecord.department.set(department)],
                    condition=guard,
                )
                counters.add(tx, f"compliance#{month}", department, compliant_count=now - was)
            return 1
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
        record = tables.spending(row.nip, month)  # someone wrote first: read again
    raise Conflict("spending is changing too fast; try again")


def month_of(query: Mapping[str, str]) -> str:
    """Read `?month=` (default: this Jakarta month) and check it."""
    latest = jakarta_month(utcnow())
    month = query.get("month") or latest
    if not model.valid_month(month, latest):
        raise ValidationFailed.field("month", f"must be YYYY-MM between {model.FIRST_MONTH} and {latest}")
    return month


def department_of(query: Mapping[str, str]) -> str | None:
    """Read `?department=` (optional; no longer than a roster row's department)."""
    department = query.get("department") or None
    if department is not None and len(department) > model.MAX_DEPARTMENT_CHARS:
        raise ValidationFailed.field("department", f"at most {model.MAX_DEPARTMENT_CHARS} characters")
    return department


def my_month(principal: Principal, month: str) -> shapes.MySpending:
    """Return the caller's quota and spending of a month (active rostered ASN only)."""
    row = tables.asn(principal.nip) if principal.nip else None
    if row is None:
        raise Forbidden("only rostered civil servants (ASN) have a spending obligation")
    if not tables.is_active(row):
        raise Forbidden("this ASN is deactivated in the roster: no spending obligation for now")
    quota = policy().quota(row.grade)
    record = tables.spending(row.nip, month)
    spent = int(record.spent_idr) if record else 0
    return {
        "month": month,
        "quota_idr": quota,
        "spent_idr": spent,
        "remaining_idr": max(0, quota - spent),
        "compliant": spent >= quota,
        "orders": int(record.orders) if record else 0,
    }


def record(nip: str, month: str, amount_idr: int, orders_delta: int, entry_id: str) -> bool:
    """Add a payment (or, negative, a refund) to an ASN's month, once; keep department totals.

    One transaction writes the ledger entry, the ASN's row (guarded by the amount read) and
    the department's counters, so a redelivery or a race changes nothing twice. Returns False
    when the NIP is not rostered (or removed, or deactivated: no obligation, nothing counted)
    or the entry was already counted.
    """
    for _ in range(WRITE_ATTEMPTS):
        effect = spend_change(nip, month, amount_idr, orders_delta)
        if effect is None:
            return False
        try:
            return ledger.apply_once(entry_id, amount_idr, effect)
        except TransactWriteError:
            continue  # someone else changed this ASN's month: read again
    raise ValidationFailed.field("nip", "spending is changing too fast; retried")


def spend_change(
    nip: str, month: str, amount_idr: int, orders_delta: int, late_idr: int = 0
) -> Callable[[Any], None] | None:
    """Read the ASN and their month; return the effect that adds a payment (or refund) in a transaction.

    The effect updates the ASN's row (guarded by the amount and compliance read: a race makes
    the transaction fail, read again) and the department's counters. None when the NIP is not
    rostered (or removed, or deactivated: no obligation, nothing counted). Cost: two GetItems.
    `late_idr` is the risk rules' share of the same update (`late_spent_idr`, owned by
    `chalicelib.risk.pipeline`: what was paid in the month's last days), ADDed in the same
    UpdateItem so the rules need no whole-month counter of their own (issue 18).
    """
    row = tables.asn(nip)
    if row is None or not tables.is_active(row):
        return None
    quota = policy().quota(row.grade)
    current = tables.spending(nip, month)
    before = int(current.spent_idr) if current else 0
    was, now = (int(current.compliant) if current else 0), int(before + amount_idr >= quota)
    guard = (
        (SpendingRecord.spent_idr == before) & (SpendingRecord.compliant == was)
        if current
        else SpendingRecord.nip.does_not_exist()
    )
    department = row.department

    def effect(tx: Any) -> None:
        tx.update(
            SpendingRecord(nip, month),
            condition=guard,
            actions=[
                SpendingRecord.spent_idr.add(amount_idr),
                SpendingRecord.orders.add(orders_delta),
                SpendingRecord.department.set(department),
                SpendingRecord.compliant.set(now),
                *([SpendingRecord.late_spent_idr.add(late_idr)] if late_idr else []),
            ],
        )
        counters.add(tx, f"compliance#{month}", department, spent_idr=amount_idr, compliant_count=now - was)

    return effect
