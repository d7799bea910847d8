"""Run localstripe, the Stripe API stand-in, on loopback only, with its state in our state dir.

Run as `python -m infra.local.stripe_server --port N [--state FILE]`. Stock localstripe binds
every interface and pickles its whole store to one shared /tmp file on every write, which
two stacks side by side would trample; this launcher fixes both.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import pickle
from pathlib import Path

DUMP_DELAY_SECONDS = 0.5


def main() -> None:
    """Parse arguments and serve until killed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state", type=Path, default=None)
    args = parser.parse_args()

    from aiohttp import web
    from localstripe import resources
    from localstripe.server import app

    _persist_to(resources.Store, args.state)
    _allow_retry_after_decline(resources.PaymentIntent)
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
