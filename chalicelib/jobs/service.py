"""Run jobs with a record of each run (scheduled or by hand), and report the recent runs of each.

Cost: a run writes two items (start, end); the status reads one Query per job.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from chalicelib import metrics
from chalicelib.ids import iso, utcnow
from chalicelib.jobs.schedules import SCHEDULES as SCHEDULES
from chalicelib.jobs.tables import RUN_TTL_SECONDS, JobRunRecord, recent_runs
from chalicelib.observability import logger

if TYPE_CHECKING:
    from chalicelib import shapes


Trigger = Literal["schedule", "manual"]
RECENT_RUNS = 5  # runs of each job GET /v1/admin/jobs shows


def run(job: str, work: Callable[[], Mapping[str, Any]], trigger: Trigger = "schedule") -> dict[str, Any]:
    """Run one job, recording its start, end, outcome and trigger; failures are recorded and re-raised."""
    record = JobRunRecord(job, iso(utcnow()), expires_at=int(time.time()) + RUN_TTL_SECONDS, trigger=trigger)
    record.save()
    try:
        summary = dict(work())
    except Exception:
        metrics.flush()
        record.update(actions=[JobRunRecord.outcome.set("failed"), JobRunRecord.finished_at.set(iso(utcnow()))])
        logger.exception("job failed", extra={"job": job})
        raise
    record.update(
        actions=[
            JobRunRecord.outcome.set("succeeded"),
            JobRunRecord.finished_at.set(iso(utcnow())),
            JobRunRecord.summary.set(json.dumps(summary, separators=(",", ":"))),
        ]
    )
    logger.info("job done", extra={"job": job, "trigger": trigger, **summary})
    metrics.flush()
    return summary


def heartbeat() -> dict[str, Any]:
    """Prove the scheduler is alive, and publish how many messages wait in dead-letter queues."""
    from chalicelib import queues

    waiting = queues.dead_letters()
    metrics.gauge(metrics.DEAD_LETTERS, sum(waiting.values()))
    return {"alive": True, "dead_letters": waiting}


def status() -> shapes.JobList:
    """Return every job with its schedule, last run and recent runs (by hand or scheduled)."""
    items: list[shapes.JobStatus] = []
    for job, schedule in SCHEDULES.items():
        runs = [render_run(r) for r in recent_runs(job, RECENT_RUNS)]
        items.append({"job": job, "schedule": schedule, "last_run": runs[0] if runs else None, "recent_runs": runs})
    return {"items": items, "next_cursor": None}


def render_run(record: JobRunRecord) -> shapes.JobRun:
    """One run as GET /v1/admin/jobs shows it."""
    return {
        "started_at": record.started_at,
        "finished_at": record.finished_at,
        "outcome": record.outcome,
        "summary": json.loads(record.summary) if record.summary else None,
        "trigger": "manual" if record.trigger == "manual" else "schedule",
    }
