"""The job-runs table (the only DynamoDB code of this domain).

Every attribute of a run is written by `jobs.service.run`, which made it: one PutItem at the
start, one UpdateItem at the end.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.dynamo import region, table_name

RUN_TTL_SECONDS = 30 * 24 * 3600


class JobRunRecord(Model):
    """One run of one scheduled job; newest last by start time."""

    class Meta:
        table_name = table_name("jobs")
        region = region()

    job = UnicodeAttribute(hash_key=True)
    started_at = UnicodeAttribute(range_key=True)
    finished_at = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute(default="running")
    summary = UnicodeAttribute(null=True)
    trigger = UnicodeAttribute(null=True)  # "schedule" (EventBridge) or "manual" (an admin); absent: schedule
    expires_at = NumberAttribute()


def last_run(job: str) -> JobRunRecord | None:
    """Return the newest run of a job with one Query of one item."""
    return next(iter(JobRunRecord.query(job, scan_index_forward=False, limit=1)), None)


def recent_runs(job: str, count: int) -> list[JobRunRecord]:
    """Return a job's newest runs, newest first, with one Query."""
    return list(JobRunRecord.query(job, scan_index_forward=False, limit=count))
