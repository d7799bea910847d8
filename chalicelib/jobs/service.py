"""Run scheduled jobs with a record of each run, and report the last run of each."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from chalicelib import metrics
from chalicelib.ids import iso, utcnow
from chalicelib.jobs.schedules import SCHEDULES as SCHEDULES
from chalicelib.jobs.tables import RUN_TTL_SECONDS, JobRunRecord, last_run
from chalicelib.observability import logger

if TYPE_CHECKING:
    from chalicelib import shapes


def run(job: str, work: Callable[[], Mapping[str, Any]]) -> dict[str, Any]:
    """Run one job, recording its start, end and outcome; failures are recorded and re-raised."""
    record = JobRunRecord(job, iso(utcnow()), expires_at=int(time.time()) + RUN_TTL_SECONDS)
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
    logger.info("job done", extra={"job": job, **summary})
    metrics.flush()
    return summary


def heartbeat() -> dict[str, Any]:
    """Prove the scheduler is alive, and publish how many messages wait in dead-letter queues."""
    from chalicelib import queues

    waiting = queues.dead_letters()
    metrics.gauge(metrics.DEAD_LETTERS, sum(waiting.values()))
    return {"alive": True, "dead_letters": waiting}


def status() -> shapes.JobList:
    """Return every job with its schedule and last run."""
    items: list[shapes.JobStatus] = []
    for job, schedule in SCHEDULES.items():
        run_ = last_run(job)
        items.append(
            {
                "job": job,
                "schedule": schedule,
                "last_run": None
                if run_ is None
                else {
                    "started_at": run_.started_at,
                    "finished_at": run_.finished_at,
                    "outcome": run_.outcome,
                    "summary": json.loads(run_.summary) if run_.summary else None,
                },
            }
        )
    return {"items": items, "next_cursor": None}
