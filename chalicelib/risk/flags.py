"""Raise risk flags once, list them for admins, record an admin's decision.

Raising (`raise_flag`, the order-events worker): one transaction puts the flag if its
deterministic key is free and adds 1 to the month's `flags_open` report counter
(`risk#<month>`, key the rule): a flood of the same event, or a second order of the same
pattern, raises nothing twice. Cost: one TransactWriteItems; a CloudWatch metric per flag raised.

Deciding (`decide`, admins): one GetItem, then one transaction that moves the flag from
`open` (conditional) to `dismissed` or `confirmed` and moves the counters with it; a flag
already decided answers 409. Listing: one Query of a status index per page, newest first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import metrics
from chalicelib.audit import service as audit
from chalicelib.auth import Principal
from chalicelib.dynamo import connection, page_of, plain
from chalicelib.errors import Conflict, NotFound, condition_failed
from chalicelib.ids import iso, utcnow
from chalicelib.paging import PageRequest, encode_cursor
from chalicelib.reports import tables as report_counters
from chalicelib.risk import model
from chalicelib.risk.tables import FlagRecord, flag

if TYPE_CHECKING:
    from chalicelib import shapes

CURSOR_FIELDS = ("created_at", "pk")


def report_partition(month: str) -> str:
    """The report counters of a month's flags (`chalicelib.reports`), one row per rule."""
    return f"risk#{month}"


def raise_flag(finding: model.Finding, month: str) -> bool:
    """Put the finding's flag unless this rule already flagged this subject this month; True if raised."""
    flag_id = finding.flag_id(month)
    record = FlagRecord(
        flag_id,
        flag_id=flag_id,
        rule=finding.rule,
        subject=dict(finding.subject),
        evidence=dict(finding.evidence),
        month=month,
        created_at=iso(utcnow()),
        status="open",
        status_rule=f"open#{finding.rule}",
    )
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(record, condition=FlagRecord.pk.does_not_exist())
            report_counters.add(tx, report_partition(month), finding.rule, flags_open=1)
    except TransactWriteError as exc:
        if condition_failed(exc):
            return False  # raised before (this event again, or the same pattern again)
        raise
    metrics.count(metrics.RISK_FLAGS_RAISED)
    return True


def decide(principal: Principal, flag_id: str, body: model.DecideRequest) -> shapes.RiskFlag:
    """POST /v1/admin/risk-flags/{flag_id}/decide: dismiss or confirm an open flag, with a note; once."""
    record = flag(flag_id)
    if record is None:
        raise NotFound("no such risk flag")
    if record.status != "open":
        raise Conflict("this flag was already decided", details={"status": record.status})
    status = model.DECIDED[body.decision]
    at = iso(utcnow())
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.update(
                FlagRecord(record.pk),
                actions=[
                    FlagRecord.status.set(status),
                    FlagRecord.status_rule.set(f"{status}#{record.rule}"),
                    FlagRecord.note.set(body.note),
                    FlagRecord.decided_by.set(principal.user_id),
                    FlagRecord.decided_at.set(at),
                ],
                condition=FlagRecord.status == "open",
            )
            confirmed = 1 if status == "confirmed" else 0
            report_counters.add(
                tx, report_partition(record.month), record.rule, flags_open=-1, flags_confirmed=confirmed
            )
            audit.record(tx, "risk_flag.decide", "risk_flag", flag_id, {"status": "open"}, {"status": status})
    except TransactWriteError as exc:
        if condition_failed(exc):
            raise Conflict("this flag was already decided") from exc
        raise
    decided = flag(flag_id)
    assert decided is not None
    return render(decided)


def status_of(query: Mapping[str, str]) -> model.FlagStatus:
    """Read `?status=` (default: open)."""
    from chalicelib.validators import choice

    return choice(query, "status", model.STATUSES) or "open"


def rule_of(query: Mapping[str, str]) -> model.Rule | None:
    """Read `?rule=` (optional)."""
    from chalicelib.validators import choice

    return choice(query, "rule", model.RULES)


def listing(query: Mapping[str, str], paging: PageRequest) -> shapes.RiskFlagPage:
    """GET /v1/admin/risk-flags: flags of one status (default open), of one rule if asked, newest first."""
    status, rule = status_of(query), rule_of(query)
    if rule:
        found = page_of(FlagRecord.by_status_rule, "status_rule", f"{status}#{rule}", paging.after, paging.limit,
                        max_queries=1, newest_first=True)  # fmt: skip
    else:
        found = page_of(FlagRecord.by_status, "status", status, paging.after, paging.limit, max_queries=1,
                        newest_first=True)  # fmt: skip
    records, last = found
    cursor = encode_cursor({"created_at": last["created_at"], "pk": last["pk"]}) if last else None
    return {"items": [render(r) for r in records], "next_cursor": cursor}


def render(record: FlagRecord) -> shapes.RiskFlag:
    """A flag as admins see it (ids and figures; no names, phones or emails)."""
    subject = plain(record.subject) or {}
    return {
        "flag_id": record.flag_id,
        "rule": record.rule,
        "subject": {k: str(subject[k]) for k in model.SUBJECT_KEYS if subject.get(k)},  # type: ignore[typeddict-item]
        "evidence": _numbers(plain(record.evidence) or {}),
        "month": record.month,
        "created_at": record.created_at,
        "status": record.status,
        "note": record.note,
        "decided_by": record.decided_by,
        "decided_at": record.decided_at,
    }


def _numbers(value: Any) -> Any:
    """DynamoDB gives numbers back as Decimal: whole ones as int, others as float."""
    from decimal import Decimal

    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
