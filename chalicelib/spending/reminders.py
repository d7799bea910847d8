"""Find ASN below quota and remind them in stages: at most once per stage per month, by day.

Deactivated ASN (`active` false) are no laggards and get no reminders. Every run, scheduled
or by hand, is recorded as a run of the `spending_reminders` job (GET /v1/admin/jobs) and
answers the one ReminderRun shape.

The roster is walked a Query page (1,000 rows) at a time, with one BatchGetItem of their
month's spending per 100 rows, so the job costs about 11 requests per 1,000 ASN plus one
conditional put and one message per reminder sent.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING

from chalicelib import metrics, queues
from chalicelib.audit import service as audit
from chalicelib.auth import Principal
from chalicelib.dynamo import put_once
from chalicelib.errors import ValidationFailed
from chalicelib.ids import JAKARTA, iso, jakarta_month, new_id, utcnow
from chalicelib.jobs import service as jobs
from chalicelib.ledger import LedgerRecord
from chalicelib.messages import Notify
from chalicelib.paging import PageRequest, encode_cursor
from chalicelib.spending import model, service, tables
from chalicelib.spending.tables import AsnRecord

if TYPE_CHECKING:
    from chalicelib import shapes

JOB = "spending_reminders"  # its name in jobs.schedules.SCHEDULES
DEFAULT_STAGES = "from_day_10:10,from_day_20:20,last_3_days:-3"
ROSTER_PAGE = 1000


def stage_setting() -> str:
    """The configured stages (`name:day,…`; a negative day counts back from the month's end)."""
    return os.environ.get("PEKEN_REMINDER_STAGES", DEFAULT_STAGES)


def laggards(
    month: str, department: str | None, after: dict[str, str] | None, limit: int
) -> Iterator[tuple[AsnRecord, int, int, dict[str, str] | None]]:
    """Yield (ASN, spent, quota, resume key) for active rostered ASN below quota, walking the roster."""
    policy = service.policy()
    for row, record, last in tables.walk(month, department, after, limit):
        if not tables.is_active(row):
            continue
        spent, quota = (int(record.spent_idr) if record else 0), policy.quota(row.grade)
        if spent < quota:
            yield row, spent, quota, last


def laggard_page(
    principal: Principal, month: str, query: Mapping[str, str], request: PageRequest
) -> shapes.LaggardPage:
    """A page of ASN below quota with what they spent (admins)."""
    items: list[shapes.Laggard] = []
    for row, spent, quota, _ in laggards(month, service.department_of(query), request.after, request.limit):
        items.append(
            {
                "nip": row.nip,
                "name": row.name,
                "department": row.department,
                "grade": row.grade,
                "spent_idr": spent,
                "quota_idr": quota,
                "remaining_idr": quota - spent,
            }
        )
        if len(items) >= request.limit:
            break
    full = len(items) >= request.limit
    return {"items": items, "next_cursor": encode_cursor({"nip": items[-1]["nip"]}) if full else None}


def run(month: str | None = None, as_of: date | None = None, now: datetime | None = None) -> shapes.ReminderRun:
    """Queue today's stage of reminders for every ASN below quota, never twice.

    At night only the silent in-app inbox gets them at once; the notifications worker holds
    email and SMS until morning.
    """
    moment = (now or utcnow()).astimezone(JAKARTA)
    day = as_of or moment.date()
    month = month or day.strftime("%Y-%m")
    stage = model.current_stage(
        month, day.day if day.strftime("%Y-%m") == month else model.days_in(month), stage_setting()
    )
    if stage is None:
        return {"month": month, "as_of": day.isoformat(), "stage": None, "queued": 0, "laggards": 0}
    days_left = max(0, model.days_in(month) - day.day + 1) if day.strftime("%Y-%m") == month else 0
    queued = checked = 0
    pending: list[Notify] = []
    for row, spent, quota, _ in laggards(month, None, None, ROSTER_PAGE):
        checked += 1
        entry = f"remind:{row.nip}:{month}:{stage.name}"
        if not put_once(LedgerRecord(entry, amount_idr=quota - spent, at=iso(utcnow())), LedgerRecord.entry_id):
            continue
        pending.append(
            Notify(
                user_id=row.user_id or "",
                kind="spending_reminder",
                params={"nip": row.nip, "amount_idr": quota - spent, "days_left": days_left, "month": month},
                message_id=new_id(seed=entry),
            )
        )
        if len(pending) == 10:
            queues.publish_many(pending)
            queued, pending = queued + len(pending), []
    if pending:
        queues.publish_many(pending)
        queued += len(pending)
    metrics.count(metrics.REMINDERS_QUEUED, queued)
    return {"month": month, "as_of": day.isoformat(), "stage": stage.name, "queued": queued, "laggards": checked}


def run_now(principal: Principal, body: model.ReminderRunRequest) -> shapes.ReminderRun:
    """POST /v1/admin/reminders/run: the daily job, now, for a month and a day of the admin's choice.

    The run is recorded like a scheduled one (trigger `manual`) and answers what the job returned.
    """
    latest = jakarta_month(utcnow())
    month = body.month
    if month is not None and not model.valid_month(month, latest):
        raise ValidationFailed.field("month", f"must be YYYY-MM between {model.FIRST_MONTH} and {latest}")
    as_of = None
    if body.as_of is not None:
        from chalicelib.validators import day

        as_of = day("as_of", body.as_of)
        if month is not None and as_of.strftime("%Y-%m") != month:
            raise ValidationFailed.field("as_of", "must lie in the month")
        if not model.valid_month(as_of.strftime("%Y-%m"), latest):
            raise ValidationFailed.field("as_of", "out of range")
    chosen = month or (as_of.strftime("%Y-%m") if as_of else None)
    summary = jobs.run(JOB, lambda: run(chosen, as_of), trigger="manual")
    after = {"month": summary["month"], "queued": summary["queued"]}
    audit.once("reminders.run", "roster", "reminders", None, after)  # the job's many writes: recorded after them
    return {
        "month": summary["month"],
        "as_of": summary["as_of"],
        "stage": summary["stage"],
        "queued": summary["queued"],
        "laggards": summary["laggards"],
    }
