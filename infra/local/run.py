"""`make run`: start the local marketplace in the foreground until SIGINT or SIGTERM.

Ports: the API on 127.0.0.1:$PEKEN_PORT (default 8000); every other port is free-picked,
so two stacks run side by side. State lives in $PEKEN_STATE_DIR (default: a fresh
temporary directory, removed at exit). With $PEKEN_STATE_DIR set, the whole state (tables,
queues, uploads, Stripe, the signing key) is saved there on stop and every 30 s when it
changed, and restored at the next start (`infra/local/persistence.py`).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType

from infra.local.processes import die_with_parent
from infra.local.stack import LocalStack

STOP_SECONDS = 6.0
SAVE_SECONDS = 120.0  # stopping with a state to save: saving a big state takes a while


def main() -> int:
    """Run until told to stop; return the exit status."""
    die_with_parent()
    configure_logging()
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    port = int(os.environ.get("PEKEN_PORT", "8000"))
    given_state = os.environ.get("PEKEN_STATE_DIR")
    state_dir = Path(given_state) if given_state else Path(tempfile.mkdtemp(prefix="peken-"))
    stack = LocalStack(
        port=port,
        state_dir=state_dir,
        automatic_schedules=os.environ.get("PEKEN_SCHEDULER", "on") != "off",
        retry_delay=int(os.environ.get("PEKEN_RETRY_DELAY_SECONDS", "2")),
        persist=bool(given_state),
    )
    try:
        stack.start()
        print(f"Peken is ready at {stack.url}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        # Stop in the background and give it a few seconds: a worker in the middle of a
        # batch is abandoned, as Lambda would be; SQS redelivers its messages.
        stopper = threading.Thread(target=stack.stop, name="stopper", daemon=True)
        stopper.start()
        stopper.join(SAVE_SECONDS if given_state else STOP_SECONDS)
        if not given_state:
            shutil.rmtree(state_dir, ignore_errors=True)
    sys.stdout.flush()
    os._exit(0)  # daemon threads may still hold the GIL; nothing else needs to run


def configure_logging() -> None:
    """Log at PEKEN_LOG_LEVEL, libraries only from WARNING (the stack and its workers' process)."""
    logging.basicConfig(level=os.environ.get("PEKEN_LOG_LEVEL", "INFO"), format="%(asctime)s %(name)s %(message)s")
    for noisy in ("werkzeug", "botocore", "pynamodb", "stripe"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


if __name__ == "__main__":
    sys.exit(main())
