"""The local stack's `/_local/` control routes (never deployed): one table of method, path and handler.

Tests and developers use them to look at queues, drain them, fire schedules, move the
app's clock, pause workers, stop Stripe's stand-in and inject faults (README "Local
stack"). Each handler is a small function of the stack, the path's named segments and the
request body; errors use the API's one error body (`chalicelib.errors.error_body`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.errors import error_body
from infra.local.faults import FaultError

if TYPE_CHECKING:
    from infra.local.stack import LocalStack

log = logging.getLogger("peken.stack")

Answer = tuple[int, dict[str, Any]]
Handler = Callable[["LocalStack", dict[str, str], bytes], Answer]


def no_route() -> Answer:
    """The answer to a path (or a method) no route serves."""
    return 404, error_body("not_found", "no such local route")


def _json(body: bytes) -> Any:
    return json.loads(body or b"{}")


# -- queues and workers


def emulator(stack: LocalStack, args: dict[str, str], body: bytes) -> Answer:
    """Where the emulator listens and the stage's buckets, for looking at them with any AWS client."""
    import os

    from chalicelib.config import BUCKET_ENVS
    from infra.local.prepare import REGION

    assert stack.emulator is not None
    buckets = {logical: os.environ.get(env, "") for logical, env in BUCKET_ENVS.items()}
    return 200, {"url": stack.emulator.url, "region": REGION, "buckets": buckets}


def queue_depths(stack: LocalStack, args: dict[str, str], body: bytes) -> Answer:
    """Depth of every queue and dead-letter queue."""
    return 200, {"queues": stack.queue_depths()}


def drain(stack: LocalStack, args: dict[str, str], body: bytes) -> Answer:
    """Wait until no message is visible or in flight (504 if the timeout comes first)."""
    idle = stack.drain(float(_json(body).get("timeout", 30)))
    return (200 if idle else 504), {"idle": idle, "queues": stack.queue_depths()}


def send_message(stack: LocalStack, args: dict[str, str], body: bytes) -> Answer:
    """Put a raw message body on a queue."""
    if args["queue"] not in stack.queue_urls:
        return 404, error_body("not_found", "no such queue")
    raw = _json(body).get("body", "")
    stack.sqs.send_message(QueueUrl=stack.queue_urls[args["queue"]], MessageBody=str(raw))
    return 200, {"sent": True}


def purge(stack: LocalStack, args: dict[str, str], body: bytes) -> Answer:
    """Drop every message of a queue."""
    if args["queue"] not in stack.queue_urls:
        return 404, error_body("not_found", "no such queue")
    stack.sqs.purge_queue(QueueUrl=stack.queue_urls[args["queue"]])
    return 200, {"purged": args["queue"]}


def redrive(stack: LocalStack, args: dict[str, str], body: bytes) -> Answer:
    """Move a dead-letter queue's messages back to its queue."""
    queue = args["queue"]
    if queue not in stack.queue_urls or not queue.endswith("-dlq"):
        return 404, error_body("not_found", "no such dead-letter queue")
    return 200, {"redriven": stack.redrive(queue)}


def pump(stack: LocalStack, args: dict[str, str], body: bytes) -> Answer:
    """Pause or resume a queue's worker (another verb changes nothing); list the paused queues.

    The emulator holds the queue's long polls: once paused, the worker receives nothing more.
    """
    assert stack.emulator is not None
    polls = stack.emulator.long_polls
    if args["verb"] == "pause":
        polls.hold(args["queue"])
    elif args["verb"] == "resume":
        polls.release(args["queue"])
    return 200, {"paused": polls.held()}


# -- schedules and the clock


def schedules(stack: LocalStack, args: dict[str, str], body: bytes) -> Answer:
    """Every schedule, its expression and its next run."""
    assert stack.scheduler is not None
    return 200, {
        "schedules": [
            {"name": s.name, "expression": s.expression, "next_at": s.next_at.isoformat()}
            for s in stack.scheduler.schedules.values()
        ]
    }


def run_schedule(stack: LocalStack, args: dict[str, str], body: bytes) -> Answer:
    """Fire one schedule now; a failed run answers 500 `job_failed` (EventBridge would retry it)."""
    assert stack.scheduler is not None
    name = args["name"]
    if name not in stack.scheduler.schedules:
        return 404, error_body("not_found", "no such schedule")
    try:
        return 200, {"result": stack.scheduler.run_now(name)}
    except Exception as exc:  # a failed run is an answer too
        log.exception("schedule %s failed", name)
        return 500, error_body("job_failed", repr(exc)[:300])


def clock(stack: LocalStack, args: dict[str, str], body: bytes) -> Answer:
    """Move the app's clock by `offset_seconds` from the real time."""
    from chalicelib import ids

    ids.CLOCK_OFFSET_SECONDS[0] = float(_json(body).get("offset_seconds", 0))
    return 200, {"offset_seconds": ids.CLOCK_OFFSET_SECONDS[0], "now": ids.iso(ids.utcnow())}


# -- Stripe's stand-in, faults, what was "sent"


def stripe(stack: LocalStack, args: dict[str, str], body: bytes) -> Answer:
    """The stand-in's URL and whether it runs."""
    if stack.stripe is None:
        return no_route()
    return 200, {"url": stack.stripe.url, "running": stack.stripe.running}


def stripe_switch(stack: LocalStack, args: dict[str, str], body: bytes) -> Answer:
    """Stop or start the stand-in (another verb changes nothing); a start registers the webhook again."""
    if stack.stripe is None:
        return no_route()
    verb = args["verb"]
    if verb == "stop":
        stack.stripe.stop()
    elif verb == "start":
        stack.stripe.start()
        stack.stripe.register_webhook(stack.webhook_url)
        if stack.faults.stripe():
            stack.stripe.faults(stack.faults.stripe())
    return 200, {"stripe": verb}


def set_faults(stack: LocalStack, args: dict[str, str], body: bytes) -> Answer:
    """Inject faults (`infra/local/faults.py`); answer what is in force."""
    try:
        spec = _json(body)
        if not isinstance(spec, dict):
            raise FaultError("a JSON object of fault sections")
        stack.faults.set(spec)
    except (ValueError, TypeError) as exc:
        return 422, error_body("validation_error", str(exc))
    if "stripe" in spec and stack.stripe is not None and stack.stripe.running:
        stack.stripe.faults(stack.faults.stripe())
    return show_faults(stack, args, body)


def clear_faults(stack: LocalStack, args: dict[str, str], body: bytes) -> Answer:
    """Clear every injected fault; answer the counts."""
    stack.faults.clear()
    if stack.stripe is not None and stack.stripe.running:
        stack.stripe.faults({})
    return show_faults(stack, args, body)


def show_faults(stack: LocalStack, args: dict[str, str], body: bytes) -> Answer:
    """The faults in force and how many of each were injected."""
    state = stack.faults.state()
    if stack.stripe is not None and stack.stripe.running:
        state["stripe_delayed"] = int(stack.stripe.faults().get("delayed", 0))
    return 200, state


def faults_method_not_allowed(stack: LocalStack, args: dict[str, str], body: bytes) -> Answer:
    """Any other method on the faults route."""
    return 405, error_body("method_not_allowed", "GET, POST or DELETE")


def outbox(stack: LocalStack, args: dict[str, str], body: bytes) -> Answer:
    """The emails and SMS the emulator's SES and SNS 'sent', newest first, with when (`infra/local/outbox.py`)."""
    assert stack.emulator is not None
    return 200, stack.emulator.outbox()


# -- the table


@dataclass(frozen=True)
class Route:
    """A method (None: any) and a path whose `{name}` segments match any one segment."""

    method: str | None
    path: str
    handler: Handler

    def match(self, method: str, segments: list[str]) -> dict[str, str] | None:
        """Return the named segments if the request is this route's, else None."""
        pattern = self.path.strip("/").split("/")
        if (self.method is not None and method != self.method) or len(pattern) != len(segments):
            return None
        args = {}
        for want, got in zip(pattern, segments, strict=True):
            if want.startswith("{") and want.endswith("}"):
                args[want[1:-1]] = got
            elif want != got:
                return None
        return args


# First match wins.
ROUTES = (
    Route("GET", "/_local/emulator", emulator),
    Route("GET", "/_local/queues", queue_depths),
    Route("POST", "/_local/drain", drain),
    Route("POST", "/_local/clock", clock),
    Route("POST", "/_local/queues/{queue}/messages", send_message),
    Route("POST", "/_local/queues/{queue}/purge", purge),
    Route("POST", "/_local/queues/{queue}/redrive", redrive),
    Route("GET", "/_local/stripe", stripe),
    Route("POST", "/_local/stripe/{verb}", stripe_switch),
    Route("GET", "/_local/faults", show_faults),
    Route("POST", "/_local/faults", set_faults),
    Route("DELETE", "/_local/faults", clear_faults),
    Route(None, "/_local/faults", faults_method_not_allowed),
    Route("POST", "/_local/pump/{queue}/{verb}", pump),
    Route("GET", "/_local/outbox", outbox),
    Route("GET", "/_local/schedules", schedules),
    Route("POST", "/_local/schedules/{name}", run_schedule),
)


def answer(stack: LocalStack, method: str, path: str, body: bytes) -> Answer:
    """Answer one control request: the first route that matches, else 404."""
    segments = path.split("?")[0].strip("/").split("/")
    for route in ROUTES:
        args = route.match(method, segments)
        if args is not None:
            return route.handler(stack, args, body)
    return no_route()
