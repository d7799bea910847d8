"""Run the whole marketplace on one machine: emulator, Stripe stand-in, API, pump, scheduler, seed.

The emulator and the queue pump run in child processes of their own (`children.py`); the API,
the scheduler and the stream pump in this one.
"""

from __future__ import annotations

import importlib
import logging
import time
import urllib.request
from pathlib import Path
from types import ModuleType
from typing import Any

from infra.aws.web import local_config, security_headers
from infra.local import audit, control, seed
from infra.local.api_server import ApiServer
from infra.local.children import FaultsService
from infra.local.emulator import EmulatorProcess
from infra.local.faults import Faults
from infra.local.persistence import Keeper
from infra.local.prepare import REGION, prepare
from infra.local.pump import POLLERS, Consumer, wait_idle
from infra.local.schedules import Schedule, Scheduler
from infra.local.streams import StreamConsumer, StreamPump
from infra.local.stripe_local import LocalStripe
from infra.local.web import WebApp
from infra.local.workers import WorkerProcess

__all__ = ["REGION", "LocalStack", "consumers_of", "schedules_of"]
log = logging.getLogger("peken.stack")


class LocalStack:
    """Start every moving part in order; stop them all in reverse."""

    def __init__(
        self,
        port: int,
        state_dir: Path,
        automatic_schedules: bool = True,
        retry_delay: int = 2,
        persist: bool = False,
    ) -> None:
        self.port = port
        self.state_dir = state_dir
        # persist: keep the whole state in state_dir across restarts (infra/local/persistence.py)
        self.keeper: Keeper | None = Keeper(state_dir) if persist else None
        self.restored: dict[str, int] | None = None
        self.automatic_schedules = automatic_schedules
        self.retry_delay = retry_delay
        self.emulator: EmulatorProcess | None = None
        self.stripe: LocalStripe | None = None
        self.pump: WorkerProcess | None = None
        self._sqs: Any = None
        self.streams: StreamPump | None = None
        self.scheduler: Scheduler | None = None
        self.api: ApiServer | None = None
        self.queue_urls: dict[str, str] = {}
        self.faults = Faults()
        self.faults_service: FaultsService | None = None

    @property
    def url(self) -> str:
        """Return the API's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def webhook_url(self) -> str:
        """Return where Stripe's stand-in sends its signed events."""
        return f"{self.url}/v1/webhooks/stripe"

    @property
    def sqs(self) -> Any:
        """Return an SQS client of the emulator."""
        if self._sqs is None:
            import boto3

            self._sqs = boto3.client("sqs", region_name=REGION)
        return self._sqs

    def start(self) -> LocalStack:
        """Bring everything up; return once /v1/health answers 200."""
        self.state_dir.mkdir(parents=True, exist_ok=True)  # localstripe keeps its state and log there
        restoring = self.keeper.restore_files() if self.keeper is not None else False  # Stripe's store, the key
        self.faults_service = FaultsService(self.faults)  # the emulator's and the workers' processes ask it
        self.emulator = EmulatorProcess(self.faults_service).start()
        self.stripe = LocalStripe(self.state_dir).start()
        audit.install_from_environment()  # records functions only: provisioning and seeding are not audited
        # Business metrics (EMF) go to a file, not the console; CloudWatch reads them from stdout on AWS.
        prepared = prepare(
            self.state_dir,
            self.emulator.url,
            stripe=self.stripe,
            metrics_file=self.state_dir / "metrics.jsonl",
            seed=not restoring,
        )
        self.queue_urls = prepared.queues
        if self.keeper is not None:
            if restoring:  # the demo data is in it: not seeded again
                self.restored = self.keeper.restore_emulator(self.emulator)
            self.keeper.emulator = self.emulator  # only now may a save replace the snapshot
        log.info("seeded %s", prepared.seeded)
        self.stripe.register_webhook(self.webhook_url)
        app_module = importlib.import_module("app")
        self.pump = WorkerProcess(REGION, self.retry_delay, self.faults_service, POLLERS).start()
        restored = self.restored is not None
        self.streams = StreamPump(stream_consumers_of(app_module), REGION, restored, self.retry_delay).start()
        self.scheduler = Scheduler(schedules_of(app_module), REGION, self.automatic_schedules).start()
        # The app's pages may reach the emulator: presigned uploads and downloads point at it.
        web = WebApp(local_config(), security_headers(extra_origins=(self.emulator.url,)))
        self.api = ApiServer(app_module.app, self.port, control=self.control, web=web).start()
        self.port = self.api.port
        _wait_healthy(f"{self.url}/v1/health")
        if self.restored is None:
            log.info("seeded this month's orders: %s", seed.month_in_progress(self.url, lambda: self.drain(60)))
        if self.keeper is not None:
            self.keeper.start()
        return self

    def stop(self) -> None:
        """Stop everything, API first so no new work arrives; save the state (if kept) before the emulator goes."""
        for part in (self.api, self.scheduler, self.pump, self.streams, self.stripe, self.keeper):
            if part is not None:
                try:
                    part.stop()
                except Exception:  # keep stopping the rest
                    log.exception("stopping %s failed", type(part).__name__)
        if self.keeper is not None and self.keeper.emulator is not None:
            try:
                log.info("saved the local state to %s", self.keeper.save())
            except Exception:
                log.exception("saving the local state failed")
        for last in (self.emulator, self.faults_service):
            if last is not None:
                try:
                    last.stop()
                except Exception:
                    log.exception("stopping %s failed", type(last).__name__)

    def drain(self, timeout: float) -> bool:
        """Wait until no queue holds a message, no handler runs and Stripe has no event on its way."""
        assert self.pump is not None
        deadline = time.monotonic() + timeout
        main = [u for name, u in self.queue_urls.items() if not name.endswith("-dlq")]
        while time.monotonic() < deadline:
            if self.stripe is not None and self.stripe.undelivered():
                time.sleep(0.1)
                continue
            if not wait_idle(self.sqs, main, self.pump.busy, deadline - time.monotonic()):
                return False
            if self.stripe is None or not self.stripe.undelivered():  # handlers may have called Stripe
                return True
        return False

    def control(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """Answer the local-only `/_local/` routes tests and developers use (`infra/local/control.py`)."""
        assert self.pump is not None and self.scheduler is not None
        return control.answer(self, method, path, body)

    def redrive(self, dead_letter_queue: str) -> int:
        """Move every message of a dead-letter queue back to its source queue (as SQS redrive does)."""
        source, dead = self.queue_urls[dead_letter_queue.removesuffix("-dlq")], self.queue_urls[dead_letter_queue]
        moved = 0
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=dead, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
            ).get("Messages", [])
            if not batch:
                return moved
            for message in batch:
                attributes = message.get("MessageAttributes") or {}
                self.sqs.send_message(
                    QueueUrl=source,
                    MessageBody=message["Body"],
                    **({"MessageAttributes": attributes} if attributes else {}),
                )
                self.sqs.delete_message(QueueUrl=dead, ReceiptHandle=message["ReceiptHandle"])
                moved += 1

    def queue_depths(self) -> dict[str, dict[str, int]]:
        """Return visible, in-flight and delayed counts of every queue."""
        names = [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ]
        out = {}
        for name, url in self.queue_urls.items():
            attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
            out[name] = {
                "visible": int(attrs[names[0]]),
                "in_flight": int(attrs[names[1]]),
                "delayed": int(attrs[names[2]]),
            }
        return out


def consumers_of(app_module: ModuleType) -> list[Consumer]:
    from chalice.app import SQSEventConfig

    return [
        Consumer(s.name, s.queue, s.batch_size, getattr(app_module, s.name))
        for s in app_module.app.event_sources
        if isinstance(s, SQSEventConfig) and s.queue
    ]


def stream_consumers_of(app_module: ModuleType) -> list[StreamConsumer]:
    from chalice.app import DynamoDBEventConfig

    from chalicelib.config import stream_table

    return [
        StreamConsumer(s.name, stream_table(s.stream_arn), s.batch_size, getattr(app_module, s.name))
        for s in app_module.app.event_sources
        if isinstance(s, DynamoDBEventConfig)
    ]


def schedules_of(app_module: ModuleType) -> list[Schedule]:
    from chalice.app import ScheduledEventConfig, ScheduleExpression

    out = []
    for source in app_module.app.event_sources:
        if isinstance(source, ScheduledEventConfig):
            expr = source.schedule_expression
            text = expr.to_string() if isinstance(expr, ScheduleExpression) else str(expr)
            out.append(Schedule(source.name, text, getattr(app_module, source.name)))
    return out


def _wait_healthy(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer 200 in time")
