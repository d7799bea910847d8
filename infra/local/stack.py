"""Run the whole marketplace on one machine: emulator, Stripe stand-in, API, pump, scheduler, seed."""

from __future__ import annotations

import importlib
import json
import logging
import os
import time
import urllib.request
from pathlib import Path
from types import ModuleType
from typing import Any

from chalicelib.config import DEV_ROUTES_ENV
from infra.local import audit
from infra.local.api_server import ApiServer
from infra.local.emulator import Emulator
from infra.local.faults import FaultError, Faults
from infra.local.keys import write_signing_key
from infra.local.provision import provision
from infra.local.pump import Consumer, QueuePump, wait_idle
from infra.local.schedules import Schedule, Scheduler
from infra.local.stripe_local import LocalStripe

REGION = "ap-southeast-3"
log = logging.getLogger("peken.stack")


class LocalStack:
    """Start every moving part in order; stop them all in reverse."""

    def __init__(self, port: int, state_dir: Path, automatic_schedules: bool = True, retry_delay: int = 2) -> None:
        self.port = port
        self.state_dir = state_dir
        self.automatic_schedules = automatic_schedules
        self.retry_delay = retry_delay
        self.emulator: Emulator | None = None
        self.stripe: LocalStripe | None = None
        self.pump: QueuePump | None = None
        self.scheduler: Scheduler | None = None
        self.api: ApiServer | None = None
        self.queue_urls: dict[str, str] = {}
        self.faults = Faults()

    @property
    def url(self) -> str:
        """Return the API's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LocalStack:
        """Bring everything up; return once /v1/health answers 200."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.emulator = Emulator(faults=self.faults).start()
        configure_environment(self.emulator.url, write_signing_key(self.state_dir / "signing-key.pem"))
        self.queue_urls = provision("local", REGION)["queues"]
        import boto3

        from chalicelib.notifications.channels import sender

        boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=sender())
        self.stripe = LocalStripe(self.state_dir).start()
        os.environ["PEKEN_STRIPE_API_BASE"] = self.stripe.url
        audit.install_from_environment()
        # Business metrics (EMF) go to a file, not the console; CloudWatch reads them from stdout on AWS.
        os.environ["PEKEN_METRICS_FILE"] = str(self.state_dir / "metrics.jsonl")
        os.environ["PEKEN_STRIPE_WEBHOOK_SECRET"] = self.stripe.webhook_secret
        os.environ.setdefault("PEKEN_STRIPE_SECRET_KEY", "sk_test_peken_local")
        # Tests replay signed webhooks; the secret is local-only and dies with the state dir.
        secret_file = self.state_dir / "stripe-webhook-secret"
        secret_file.write_text(self.stripe.webhook_secret)
        secret_file.chmod(0o600)
        self.stripe.register_webhook(f"{self.url}/v1/webhooks/stripe")
        app_module = importlib.import_module("app")
        seeded = importlib.import_module("infra.local.seed").seed()
        log.info("seeded %s", seeded)
        self.pump = QueuePump(consumers_of(app_module), REGION, self.retry_delay, self.faults).start()
        self.scheduler = Scheduler(schedules_of(app_module), REGION, self.automatic_schedules).start()
        self.api = ApiServer(app_module.app, self.port, control=self.control).start()
        self.port = self.api.port
        _wait_healthy(f"{self.url}/v1/health")
        return self

    def stop(self) -> None:
        """Stop everything, API first so no new work arrives."""
        for part in (self.api, self.scheduler, self.pump, self.stripe, self.emulator):
            if part is not None:
                try:
                    part.stop()
                except Exception:  # keep stopping the rest
                    log.exception("stopping %s failed", type(part).__name__)

    def drain(self, timeout: float) -> bool:
        """Wait until no queue holds a message, no handler runs and Stripe has no event on its way."""
        assert self.pump is not None
        deadline = time.monotonic() + timeout
        main = [u for name, u in self.queue_urls.items() if not name.endswith("-dlq")]
        while time.monotonic() < deadline:
            if self.stripe is not None and self.stripe.undelivered():
                time.sleep(0.1)
                continue
            if not wait_idle(self.pump.sqs, main, self.pump, deadline - time.monotonic()):
                return False
            if self.stripe is None or not self.stripe.undelivered():  # handlers may have called Stripe
                return True
        return False

    def control(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """Answer the local-only `/_local/` routes tests and developers use."""
        assert self.pump is not None and self.scheduler is not None
        parts = path.split("?")[0].strip("/").split("/")
        if method == "GET" and parts == ["_local", "queues"]:
            return 200, {"queues": self.queue_depths()}
        if method == "POST" and parts == ["_local", "drain"]:
            idle = self.drain(float(json.loads(body or b"{}").get("timeout", 30)))
            return (200 if idle else 504), {"idle": idle, "queues": self.queue_depths()}
        if method == "POST" and parts == ["_local", "clock"]:
            from chalicelib import ids

            ids.CLOCK_OFFSET_SECONDS[0] = float(json.loads(body or b"{}").get("offset_seconds", 0))
            return 200, {"offset_seconds": ids.CLOCK_OFFSET_SECONDS[0], "now": ids.iso(ids.utcnow())}
        if method == "POST" and len(parts) == 4 and parts[:2] == ["_local", "queues"] and parts[3] == "messages":
            if parts[2] not in self.queue_urls:
                return 404, {"error": {"code": "not_found", "message": "no such queue", "details": {}}}
            raw = json.loads(body or b"{}").get("body", "")
            self.pump.sqs.send_message(QueueUrl=self.queue_urls[parts[2]], MessageBody=str(raw))
            return 200, {"sent": True}
        if method == "POST" and len(parts) == 4 and parts[:2] == ["_local", "queues"] and parts[3] == "purge":
            if parts[2] not in self.queue_urls:
                return 404, {"error": {"code": "not_found", "message": "no such queue", "details": {}}}
            self.pump.sqs.purge_queue(QueueUrl=self.queue_urls[parts[2]])
            return 200, {"purged": parts[2]}
        if method == "GET" and parts == ["_local", "stripe"] and self.stripe is not None:
            return 200, {"url": self.stripe.url, "running": self.stripe.running}
        if method == "POST" and len(parts) == 3 and parts[:2] == ["_local", "stripe"] and self.stripe is not None:
            if parts[2] == "stop":
                self.stripe.stop()
            elif parts[2] == "start":
                self.stripe.start()
                self.stripe.register_webhook(f"{self.url}/v1/webhooks/stripe")
                if self.faults.stripe():
                    self.stripe.faults(self.faults.stripe())
            return 200, {"stripe": parts[2]}
        if parts == ["_local", "faults"]:
            return self._faults_route(method, body)
        if method == "POST" and len(parts) == 4 and parts[:2] == ["_local", "queues"] and parts[3] == "redrive":
            if parts[2] not in self.queue_urls or not parts[2].endswith("-dlq"):
                return 404, {"error": {"code": "not_found", "message": "no such dead-letter queue", "details": {}}}
            return 200, {"redriven": self.redrive(parts[2])}
        if method == "POST" and len(parts) == 4 and parts[:2] == ["_local", "pump"]:
            queue, verb = parts[2], parts[3]
            if verb == "pause":
                self.pump.paused.add(queue)
            elif verb == "resume":
                self.pump.paused.discard(queue)
            return 200, {"paused": sorted(self.pump.paused)}
        if method == "GET" and parts == ["_local", "outbox"]:
            return 200, outbox()
        if method == "GET" and parts == ["_local", "schedules"]:
            return 200, {
                "schedules": [
                    {"name": s.name, "expression": s.expression, "next_at": s.next_at.isoformat()}
                    for s in self.scheduler.schedules.values()
                ]
            }
        if method == "POST" and len(parts) == 3 and parts[:2] == ["_local", "schedules"]:
            if parts[2] not in self.scheduler.schedules:
                return 404, {"error": {"code": "not_found", "message": "no such schedule", "details": {}}}
            try:
                return 200, {"result": self.scheduler.run_now(parts[2])}
            except Exception as exc:  # a failed run is an answer too (EventBridge would retry it)
                log.exception("schedule %s failed", parts[2])
                return 500, {"error": {"code": "job_failed", "message": repr(exc)[:300], "details": {}}}
        return 404, {"error": {"code": "not_found", "message": "no such local route", "details": {}}}

    def _faults_route(self, method: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """Set (POST), clear (DELETE) or show (GET) the injected faults."""
        if method == "POST":
            try:
                spec = json.loads(body or b"{}")
                if not isinstance(spec, dict):
                    raise FaultError("a JSON object of fault sections")
                self.faults.set(spec)
            except (ValueError, TypeError) as exc:
                return 422, {"error": {"code": "validation_error", "message": str(exc), "details": {}}}
            if "stripe" in spec and self.stripe is not None and self.stripe.running:
                self.stripe.faults(self.faults.stripe())
        elif method == "DELETE":
            self.faults.clear()
            if self.stripe is not None and self.stripe.running:
                self.stripe.faults({})
        elif method != "GET":
            return 405, {"error": {"code": "method_not_allowed", "message": "GET, POST or DELETE", "details": {}}}
        state = self.faults.state()
        if self.stripe is not None and self.stripe.running:
            state["stripe_delayed"] = int(self.stripe.faults().get("delayed", 0))
        return 200, state

    def redrive(self, dead_letter_queue: str) -> int:
        """Move every message of a dead-letter queue back to its source queue (as SQS redrive does)."""
        assert self.pump is not None
        source, dead = self.queue_urls[dead_letter_queue.removesuffix("-dlq")], self.queue_urls[dead_letter_queue]
        moved = 0
        while True:
            batch = self.pump.sqs.receive_message(
                QueueUrl=dead, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
            ).get("Messages", [])
            if not batch:
                return moved
            for message in batch:
                attributes = message.get("MessageAttributes") or {}
                self.pump.sqs.send_message(
                    QueueUrl=source,
                    MessageBody=message["Body"],
                    **({"MessageAttributes": attributes} if attributes else {}),
                )
                self.pump.sqs.delete_message(QueueUrl=dead, ReceiptHandle=message["ReceiptHandle"])
                moved += 1

    def queue_depths(self) -> dict[str, dict[str, int]]:
        """Return visible, in-flight and delayed counts of every queue."""
        assert self.pump is not None
        names = [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ]
        out = {}
        for name, url in self.queue_urls.items():
            attrs = self.pump.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
            out[name] = {
                "visible": int(attrs[names[0]]),
                "in_flight": int(attrs[names[1]]),
                "delayed": int(attrs[names[2]]),
            }
        return out


def configure_environment(endpoint: str, key_path: Path) -> None:
    """Point boto3, PynamoDB and the app at the emulator and the local issuer."""
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
            "PEKEN_STAGE": "local",
            DEV_ROUTES_ENV: "1",  # /v1/dev/* exist on the local stack only
            "PEKEN_DEV_SIGNING_KEY_PATH": str(key_path),
        }
    )
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "peken")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Peken")


def consumers_of(app_module: ModuleType) -> list[Consumer]:
    from chalice.app import SQSEventConfig

    return [
        Consumer(s.name, s.queue, s.batch_size, getattr(app_module, s.name))
        for s in app_module.app.event_sources
        if isinstance(s, SQSEventConfig) and s.queue
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


def outbox() -> dict[str, Any]:
    """Return what the emulator's SES and SNS 'sent' (local only; tests check reminders with it)."""
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends

    account = "123456789012"
    emails = [
        {
            "to": list((m.destinations or {}).get("ToAddresses", [])),
            "subject": getattr(m, "subject", None),
            "body": getattr(m, "body", None),
        }
        for m in ses_backends[account][REGION].sent_messages
    ]
    sms = [{"to": to, "body": body} for to, body in sns_backends[account][REGION].sms_messages.values()]
    return {"emails": emails, "sms": sms}
