"""Fire the app's @app.schedule handlers by their EventBridge expressions, and on demand."""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from infra.local import audit
from infra.local.lambda_context import LocalLambdaContext

log = logging.getLogger("peken.scheduler")
RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
CRON = re.compile(r"^cron\((.+)\)$")
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def _field_matches(spec: str, value: int, low: int) -> bool:
    """Match one cron field: `*`, `?`, numbers, lists, ranges and `/` steps."""
    for part in spec.split(","):
        step = 1
        if "/" in part:
            part, raw_step = part.split("/")
            step = int(raw_step)
        if part in ("*", "?"):
            start, end = low, 10_000
        elif "-" in part:
            a, b = part.split("-")
            start, end = int(a), int(b)
        else:
            start = int(part)
            end = start if step == 1 else 10_000
        if start <= value <= end and (value - start) % step == 0:
            return True
    return False


def cron_matches(expression: str, at: datetime) -> bool:
    """Tell whether an AWS cron expression (min hour dom month dow year, UTC) fires at this minute."""
    minute, hour, dom, month, dow, year = expression.split()
    aws_dow = (at.isoweekday() % 7) + 1  # AWS: 1 = Sunday … 7 = Saturday
    return (
        _field_matches(minute, at.minute, 0)
        and _field_matches(hour, at.hour, 0)
        and _field_matches(dom, at.day, 1)
        and _field_matches(month, at.month, 1)
        and _field_matches(dow, aws_dow, 1)
        and _field_matches(year, at.year, 1970)
    )


@dataclass
class Schedule:
    """One scheduled handler and when it fires next."""

    name: str
    expression: str
    handler: Callable[[dict[str, Any], Any], Any]
    next_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def plan_after(self, now: datetime) -> None:
        """Compute the next firing strictly after `now`."""
        rate = RATE.match(self.expression)
        if rate:
            self.next_at = now + timedelta(seconds=int(rate.group(1)) * UNIT_SECONDS[rate.group(2).rstrip("s")])
            return
        cron = CRON.match(self.expression)
        if not cron:
            raise ValueError(f"unsupported schedule expression {self.expression!r}")
        at = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
        for _ in range(366 * 24 * 60):
            if cron_matches(cron.group(1), at):
                self.next_at = at
                return
            at += timedelta(minutes=1)
        raise ValueError(f"schedule {self.expression!r} never fires")


class Scheduler:
    """Run due schedules in a background thread; `run_now` fires one immediately."""

    def __init__(self, schedules: list[Schedule], region: str, automatic: bool = True) -> None:
        self.schedules = {s.name: s for s in schedules}
        self._region = region
        self._automatic = automatic
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        now = datetime.now(UTC)
        for schedule in schedules:
            schedule.plan_after(now)

    def start(self) -> Scheduler:
        """Start firing due schedules (unless automatic firing is off)."""
        if self._automatic:
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop firing; a run in progress finishes first."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def run_now(self, name: str) -> Any:
        """Fire one schedule now, as EventBridge would, and return what the handler returned."""
        schedule = self.schedules[name]
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "000000000000",
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self._region,
            "resources": [f"arn:aws:events:{self._region}:000000000000:rule/{name}"],
            "detail": {},
        }
        with audit.running(name):
            return schedule.handler(event, LocalLambdaContext(name))

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            now = datetime.now(UTC)
            for schedule in self.schedules.values():
                if schedule.next_at <= now:
                    schedule.plan_after(now)
                    try:
                        self.run_now(schedule.name)
                    except Exception:
                        log.exception("schedule %s failed", schedule.name)
