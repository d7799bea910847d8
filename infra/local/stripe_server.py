"""Run localstripe, the Stripe API stand-in, on loopback only, with its state in our state dir.

Run as `python -m infra.local.stripe_server --port N [--state FILE]`. Stock localstripe binds
every interface and pickles its whole store to one shared /tmp file on every write, which
two stacks side by side would trample; this launcher fixes both.

It also adds what Stripe does and localstripe does not: `Idempotency-Key` on POST (the first
answer is replayed for the same parameters, other parameters are refused with
`idempotency_error`; kept in memory, not across restarts); refund events (`refund.created`,
and `charge.refunded` carrying the Charge, as Stripe sends them); Stripe's test card
4000000000005126, whose refunds answer `pending` and turn `failed` a moment later
(`charge.refund.updated`, `refund.failed`); and local fault injection:
`POST /_config/peken/faults {"delay_seconds": 3, "paths": ["/v1/refunds"]}` answers matching
API requests only after the delay (the request itself is processed at once, as a slow
network would do it), `GET` shows it and how many answers were delayed. Stripe Connect
(accounts, account links, transfers and their reversals, `account.updated`), which
localstripe lacks, is `infra.local.stripe_connect`, with its shortcuts.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import pickle
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiohttp import web

DUMP_DELAY_SECONDS = 0.5
UNDELIVERED = {"events": 0}  # events (and refund timers that will make some) not yet sent to the webhook
IDEMPOTENCY_MISMATCH = (
    "Keys for idempotent requests can only be used with the same parameters they were first used with. "
    "Try using a key other than '{key}' if you meant to execute a different request."
)


def main() -> None:
    """Parse arguments and serve until killed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state", type=Path, default=None)
    args = parser.parse_args()

    from aiohttp import web
    from localstripe import resources
    from localstripe.server import app

    from infra.local import stripe_connect

    _persist_to(resources.Store, args.state)
    stripe_connect.install(app, f"http://127.0.0.1:{args.port}")  # before the state is read: it pickles its classes
    _allow_retry_after_decline(resources.PaymentIntent)
    _refunds_as_stripe_makes_them(resources)
    _add_idempotency_and_faults(app)
    _count_webhooks_in_flight(app)
    if args.state is not None and args.state.exists():
        with open(args.state, "rb") as fh:
            resources.store.update(pickle.load(fh))
    logging.basicConfig(level=logging.WARNING)
    _exit_with_parent(args.state, resources.store)
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None)
    if args.state is not None:  # SIGTERM ends run_app gracefully: keep the last writes
        _write(args.state, resources.store)


def _exit_with_parent(state: Path | None, store: dict[str, object]) -> None:
    """Stop when the stack that started us is gone (it may have started us from any thread)."""
    import os
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        if state is not None:
            _write(state, store)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _write(path: Path, store: dict[str, object]) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(dict(store), fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)


def _allow_retry_after_decline(intent_cls: type) -> None:
    """Make a declined intent confirmable again once it gets a new payment method, as on Stripe.

    Stock localstripe keeps the failed charge, so the intent stays `requires_payment_method`
    forever and a buyer could never retry with another card.
    """
    original = intent_cls._update  # type: ignore[attr-defined]

    def _update(self: object, **data: object) -> None:
        original(self, **data)
        charge = getattr(self, "latest_charge", None)
        if "payment_method" in data and charge is not None and charge.status == "failed":
            self.latest_charge = None  # type: ignore[attr-defined]

    intent_cls._update = _update  # type: ignore[attr-defined]


REFUND_FAILS_CARD = "4000000000005126"  # Stripe's test card: the charge succeeds, its refunds fail later
REFUND_FAILS_AFTER_SECONDS = 0.5


def _refunds_as_stripe_makes_them(resources: Any) -> None:
    """Send the events Stripe sends when a refund is made, and fail the refunds Stripe's test card fails."""
    from localstripe.webhooks import schedule_webhook

    original = resources.Refund.__init__
    pending: set[asyncio.Future[None]] = set()  # keep the timers alive until they fire

    def make_refund(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)  # raises before creating anything if the request is bad
        charge = resources.Charge._api_retrieve(self.charge)
        method = resources.PaymentMethod._api_retrieve(charge.payment_method)
        if getattr(method, "_card_number", None) != REFUND_FAILS_CARD:
            schedule_webhook(resources.Event("refund.created", self))
            schedule_webhook(resources.Event("charge.refunded", charge))
            return
        self.status = "pending"

        async def fail_later() -> None:
            UNDELIVERED["events"] += 1
            try:
                await asyncio.sleep(REFUND_FAILS_AFTER_SECONDS)
                self.status, self.failure_reason = "failed", "expired_or_canceled_card"
                schedule_webhook(resources.Event("charge.refund.updated", self))
                schedule_webhook(resources.Event("refund.failed", self))
            finally:
                UNDELIVERED["events"] -= 1

        timer = asyncio.ensure_future(fail_later())
        pending.add(timer)
        timer.add_done_callback(pending.discard)

    resources.Refund.__init__ = make_refund


_Handler = Callable[["web.Request"], Awaitable["web.StreamResponse"]]


def _add_idempotency_and_faults(app: Any) -> None:
    """Put Stripe's idempotent POSTs and the local fault hooks in front of every API route."""
    from aiohttp import web

    faults: dict[str, Any] = {"delay_seconds": 0.0, "paths": [], "delayed": 0}
    answers: dict[str, tuple[str, int, bytes]] = {}  # key -> (parameters digest, status, body)

    @web.middleware
    async def slow(request: web.Request, handler: _Handler) -> web.StreamResponse:
        response = await handler(request)
        delay = float(faults["delay_seconds"])
        paths = faults["paths"] or ["/v1/"]
        if delay > 0 and any(request.path.startswith(p) for p in paths):
            faults["delayed"] += 1
            await asyncio.sleep(delay)
        return response

    @web.middleware
    async def idempotent(request: web.Request, handler: _Handler) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key or not request.path.startswith("/v1/"):
            return await handler(request)
        digest = hashlib.sha256(request.path.encode() + b"\n" + await request.read()).hexdigest()
        if key in answers:
            first, status, body = answers[key]
            if first != digest:
                error = {"type": "idempotency_error", "message": IDEMPOTENCY_MISMATCH.format(key=key)}
                return web.json_response({"error": error}, status=400)
            return web.Response(
                body=body, status=status, content_type="application/json", headers={"Idempotent-Replayed": "true"}
            )
        response = await handler(request)
        if isinstance(response, web.Response) and response.status < 500 and isinstance(response.body, bytes):
            answers[key] = (digest, response.status, response.body)
        return response

    async def set_faults(request: web.Request) -> web.Response:
        given = json.loads(await request.read() or b"{}")
        faults["delay_seconds"] = float(given.get("delay_seconds") or 0)
        faults["paths"] = [str(p) for p in given.get("paths") or []]
        return web.json_response(faults)

    async def get_faults(request: web.Request) -> web.Response:
        return web.json_response(faults)

    # Outermost first: the delay holds even a replayed answer; errors become responses inside.
    app.middlewares.insert(0, idempotent)
    app.middlewares.insert(0, slow)
    app.router.add_post("/_config/peken/faults", set_faults)
    app.router.add_get("/_config/peken/faults", get_faults)


def _count_webhooks_in_flight(app: Any) -> None:
    """Count events not yet delivered (localstripe sends each a second later), for `/_local/drain`.

    `GET /_config/peken/webhooks` answers `{"pending": n}`; a drain that looked only at the
    queues could end while an event is still on its way to our webhook.
    """
    from aiohttp import web
    from localstripe import webhooks

    send = webhooks._send_webhook

    async def counted(event: Any) -> None:
        UNDELIVERED["events"] += 1
        try:
            await send(event)
        finally:
            UNDELIVERED["events"] -= 1

    webhooks._send_webhook = counted  # schedule_webhook looks it up on every call

    async def get_pending(request: web.Request) -> web.Response:
        return web.json_response({"pending": UNDELIVERED["events"]})

    app.router.add_get("/_config/peken/webhooks", get_pending)


def _persist_to(store_cls: type, path: Path | None) -> None:
    """Replace the per-write dump with one debounced dump to our own file (or none)."""
    pending: dict[str, bool] = {"scheduled": False}

    def dump(store: dict[str, object]) -> None:
        pending["scheduled"] = False
        if path is not None:
            _write(path, store)

    def dump_to_disk(self: dict[str, object]) -> None:
        if path is None or pending["scheduled"]:
            return
        pending["scheduled"] = True
        asyncio.get_event_loop().call_later(DUMP_DELAY_SECONDS, dump, self)

    store_cls.dump_to_disk = dump_to_disk  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
