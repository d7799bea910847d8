"""SQS long polling on the serialised emulator: a receive that finds nothing waits outside the lock.

moto answers a ReceiveMessage's WaitTimeSeconds by looping inside its handler, which on our
emulator (one request at a time, `emulator.py`) would block every other request. So the pump
polled with no wait, every 0.1 s on each of its threads, and an idle `make run` spent a third
of a core on about 100 empty receives a second; a soak spent about a fifth of its time on them.

Here a long poll is answered as SQS answers it: at once if a message is visible, otherwise as
soon as one becomes visible, or empty when the wait ends. Each try is moto's receive with no
wait, under the emulator's lock. Between tries the request waits outside the lock until:
- a send or a visibility change on its queue (it is woken at once);
- the moment a message delayed by DelaySeconds or hidden by ChangeMessageVisibility becomes
  visible (each such request leaves that time behind);
- at most BACKSTOP_SECONDS, for what no request announces (a receive's visibility timeout that
  lapses after a worker died).

Holding a queue (`hold`, behind the local `/_local/pump/{queue}/pause`) makes its long polls wait
without receiving: a paused worker gets nothing, even from a poll that was already waiting, and
once `hold` returns no receive of that queue is under way. Receives with no wait are not touched.

Cost: a long poll costs one moto receive per wake-up instead of one every 0.1 s; a send costs
one `notify_all` on its queue's waiters.
"""

from __future__ import annotations

import bisect
import io
import json
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

BACKSTOP_SECONDS = 2.0  # the longest a waiting poll goes without trying again
DUE_HISTORY_SECONDS = 60.0  # how long a past visibility time is kept for a poll that tried before it
# The requests that may make a message visible, and the field of each that says when.
ANNOUNCING = {
    "SendMessage": "DelaySeconds",
    "SendMessageBatch": "DelaySeconds",
    "ChangeMessageVisibility": "VisibilityTimeout",
    "ChangeMessageVisibilityBatch": "VisibilityTimeout",
}
WATCHED = frozenset({"ReceiveMessage", *ANNOUNCING})

# moto's WSGI app, called with the emulator's lock held
Run = Callable[[dict[str, Any], Callable[..., Any]], list[bytes]]


class LongPolls:
    """The waiting receives of every queue, woken by the requests that make messages visible."""

    def __init__(self, lock: threading.Lock, run: Run) -> None:
        self._lock = lock  # the emulator's: one moto request at a time
        self._run = run
        self._changed = threading.Condition()
        self._version: defaultdict[str, int] = defaultdict(int)  # bumped by every announcing request
        self._due: defaultdict[str, list[float]] = defaultdict(list)  # sorted monotonic times
        self._held: set[str] = set()

    def hold(self, queue: str) -> None:
        """Let no long poll of `queue` receive until `release`; a receive under way finishes first."""
        with self._lock, self._changed:
            self._held.add(queue)

    def release(self, queue: str) -> None:
        """Let the long polls of `queue` receive again, waking those that wait."""
        with self._changed:
            self._held.discard(queue)
            self._version[queue] += 1
            self._changed.notify_all()

    def held(self) -> list[str]:
        """Name the held queues."""
        with self._changed:
            return sorted(self._held)

    def answer(self, operation: str, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        """Answer one watched SQS request (`WATCHED`), waiting or waking as above."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            request = json.loads(body or b"{}")
            queue = str(request["QueueUrl"]).rstrip("/").rpartition("/")[2]
        except (ValueError, KeyError, TypeError, AttributeError):  # moto answers what it cannot read
            request, queue = {}, ""
        wait = request.get("WaitTimeSeconds") if operation == "ReceiveMessage" else None
        if queue and isinstance(wait, int) and wait > 0:
            return self._long_poll(queue, wait, request, environ, start_response)
        with self._lock:
            answer = self._run(environ, start_response)
        if queue and operation in ANNOUNCING:
            self._announce(queue, operation, request)
        return answer

    def _announce(self, queue: str, operation: str, request: dict[str, Any]) -> None:
        field = ANNOUNCING[operation]
        entries = request.get("Entries") if operation.endswith("Batch") else [request]
        now = time.monotonic()
        with self._changed:
            due = self._due[queue]
            for entry in entries if isinstance(entries, list) else []:
                seconds = entry.get(field) if isinstance(entry, dict) else None
                if isinstance(seconds, int) and seconds > 0:
                    bisect.insort(due, now + seconds)
            self._version[queue] += 1
            self._changed.notify_all()

    def _long_poll(
        self,
        queue: str,
        wait: int,
        request: dict[str, Any],
        environ: dict[str, Any],
        start_response: Callable[..., Any],
    ) -> list[bytes]:
        deadline = time.monotonic() + wait
        body = json.dumps({**request, "WaitTimeSeconds": 0}).encode()
        while True:
            with self._changed:
                seen = self._version[queue]
            tried_at = time.monotonic()
            answer = self._try(queue, body, environ)
            if answer is not None and (
                not answer[0].startswith("200") or _has_messages(answer[2]) or time.monotonic() >= deadline
            ):
                start_response(answer[0], answer[1])
                return answer[2]
            if time.monotonic() >= deadline:  # held to the end
                start_response(*empty_answer())
                return [b"{}"]
            self._sleep(queue, seen, tried_at, deadline)

    def _try(
        self, queue: str, body: bytes, environ: dict[str, Any]
    ) -> tuple[str, list[tuple[str, str]], list[bytes]] | None:
        """Receive with no wait, unless the queue is held (then None); return status, headers and body."""
        kept: list[Any] = []

        def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
            kept[:] = [status, headers]
            return lambda data: None

        with self._lock:
            with self._changed:
                if queue in self._held:
                    return None
            tried = dict(environ, CONTENT_LENGTH=str(len(body)))
            tried["wsgi.input"] = io.BytesIO(body)
            chunks = self._run(tried, keep)
        return kept[0], kept[1], chunks

    def _sleep(self, queue: str, seen: int, tried_at: float, deadline: float) -> None:
        """Wait until the queue may have a visible message for us, or the deadline."""
        with self._changed:
            now = time.monotonic()
            due = self._due[queue]
            del due[: bisect.bisect_left(due, now - DUE_HISTORY_SECONDS)]
            passed = bisect.bisect_right(due, tried_at)
            if passed < len(due) and due[passed] <= now:
                return  # a delayed message became visible after our try
            later = bisect.bisect_right(due, now)
            wake = min(deadline, due[later] if later < len(due) else deadline, now + BACKSTOP_SECONDS)
            self._changed.wait_for(lambda: self._version[queue] != seen, timeout=max(0.0, wake - now))


def _has_messages(chunks: Iterable[bytes]) -> bool:
    """Tell whether a JSON ReceiveMessage answer carries a message (moto answers `{}` when empty)."""
    return any(b'"Messages"' in chunk and b'"MessageId"' in chunk for chunk in chunks)


def empty_answer() -> tuple[str, list[tuple[str, str]]]:
    """Status and headers of an empty receive, as moto sends them (with a fresh request id)."""
    return "200 OK", [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-RequestId", uuid.uuid4().hex)]
