"""Embed moto's server (DynamoDB, SQS, SES, SNS, S3) on a loopback port, one request at a time.

The stack runs it in a process of its own (`EmulatorProcess`, `children.py`); integration
tests and benches embed it in theirs (`Emulator`). Both offer the same snapshot, restore,
outbox, held queues and write count.

moto is not atomic under concurrency (conditional transactions on one item oversold in
2 of 20 runs); real DynamoDB is. One lock around the WSGI app makes the emulator behave
like the real service, so concurrency tests test our code and not moto's races. The same
lock gives `infra/local/persistence.py` a consistent snapshot (`snapshot`), and the
emulator counts the requests that may have changed something (`writes`) so it saves only
when needed. SQS long polls wait outside that lock (`long_poll.py`). Inside it, DynamoDB,
Streams and SQS calls go straight to moto's handler, other requests through moto's server
(`moto_patches.Direct`).

Connections are kept alive (HTTP/1.1). werkzeug's development server closes every
connection ("Connection: close" on each answer, then a 10 ms wait to drain the socket), so
each boto3 and PynamoDB call opened a new TCP connection and the emulator a new thread for
it (a 500-operation soak: 22 s of system time, 10 s kept alive; its operations 78 s, 62 s
kept alive). `_KeepAlive` reads the whole body by its
Content-Length, answers with a Content-Length and keeps the connection and its thread for
the client's next request (a chunked request is answered by werkzeug as before, and closed).
Cost per request: one read of the body, one write of the answer, no connect, no new thread.
"""

from __future__ import annotations

import contextlib
import io
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.serving import BaseWSGIServer, make_server

from infra.local import moto_patches, outbox, s3_post_policy
from infra.local.children import Child, FaultsService, RemoteFaults, Served
from infra.local.faults import FaultyApp, ServiceFaults
from infra.local.long_poll import WATCHED, LongPolls

# Operations (X-Amz-Target suffixes) that change nothing worth saving; every other request counts as a write.
READS = frozenset(
    {
        *("GetItem", "BatchGetItem", "TransactGetItems", "Query", "Scan", "DescribeTable", "ListTables"),
        *("ReceiveMessage", "GetQueueAttributes", "GetQueueUrl", "ListQueues", "ChangeMessageVisibility"),
    }
)


log = logging.getLogger("peken.emulator")
NO_BODY = frozenset({204, 304})  # statuses that never carry a body (and 1xx, never sent by moto)


class _KeepAlive(MotoRequestHandler):
    """moto's request handler, answering over one kept-alive HTTP/1.1 connection per client."""

    protocol_version = "HTTP/1.1"  # http.server then keeps the connection unless the client closes it
    # Headers and body go out in separate writes: without TCP_NODELAY a kept-alive client
    # waits for the delayed ACK (~40 ms) on every request after its first.
    disable_nagle_algorithm = True

    def run_wsgi(self) -> None:
        """Answer one request in full: its body read by Content-Length, the answer sent with one."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True  # werkzeug's own path reads chunks; it closes the connection
            return super().run_wsgi()
        length = self.headers.get("Content-Length") or "0"
        if not (length.isascii() and length.isdigit()):
            self.close_connection = True
            return self.send_error(400, "Content-Length must be a number of bytes")
        self.environ = environ = self.make_environ()
        environ["wsgi.input"] = io.BytesIO(self.rfile.read(int(length)) if int(length) else b"")
        answer: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
            answer[:] = [status, headers]
            return lambda data: None  # moto never writes through it

        try:
            chunks = self.server.app(environ, start_response)
            try:
                body = b"".join(chunks)
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()
        except Exception:
            log.exception("the emulator failed on %s %s", self.command, self.path)
            self.close_connection = True
            return self.send_error(500, "the emulator failed")
        code, _, reason = answer[0].partition(" ")
        status = int(code)
        self.send_response(status, reason)
        given = False
        for name, value in answer[1]:
            lowered = name.lower()
            if lowered in ("connection", "transfer-encoding"):
                continue
            if lowered == "content-length":
                if self.command != "HEAD":
                    continue  # ours, below: the body's real length
                given = True
            self.send_header(name, value)
        if self.command != "HEAD" and status not in NO_BODY:
            self.send_header("Content-Length", str(len(body)))
        elif not given and self.command == "HEAD":
            self.send_header("Content-Length", "0")
        self.end_headers()
        if self.command != "HEAD" and status not in NO_BODY and body:
            self.wfile.write(body)
        return None

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Keep one access-log line per request out of the way, as werkzeug's logger is (run.py)."""


class _Serialised:
    """A WSGI app that handles one request at a time, and counts those that may write.

    SQS's receives, sends and visibility changes go through `long_polls`, which takes the same
    lock for each moto call and lets a long poll wait outside it.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self.lock = threading.Lock()
        self.writes = 0
        self.long_polls = LongPolls(self.lock, self._run)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        service, _, operation = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")
        if service == "AmazonSQS" and operation in WATCHED:
            return self.long_polls.answer(operation, environ, start_response)
        with self.lock:
            return self._run(environ, start_response)

    def _run(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        """Call moto; the caller holds the lock."""
        operation = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2]
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") and operation not in READS:
            self.writes += 1
        # Drain the body inside the lock: moto streams nothing we need to keep open.
        return list(self._app(environ, start_response))


class Emulator:
    """moto in server mode on 127.0.0.1, in a daemon thread of this process."""

    def __init__(self, port: int = 0, faults: ServiceFaults | None = None) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        moto_patches.apply()
        s3_post_policy.apply()  # S3 holds a browser POST to its signed policy, as AWS does
        outbox.install()  # stamps what SES and SNS "send" with a time (GET /_local/outbox)
        self._serialised = _Serialised(moto_patches.Direct(DomainDispatcherApplication(create_backend_app)))
        app: Callable[..., Iterable[bytes]] = self._serialised
        if faults is not None:  # injected errors are answered outside the lock, as a busy service would
            app = FaultyApp(app, faults)
        self._server: BaseWSGIServer = make_server("127.0.0.1", port, app, threaded=True, request_handler=_KeepAlive)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)

    @property
    def url(self) -> str:
        """Return the endpoint for AWS_ENDPOINT_URL."""
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def long_polls(self) -> LongPolls:
        """Return SQS's waiting receives, to hold and release a queue's (`long_poll.py`)."""
        return self._serialised.long_polls

    @property
    def writes(self) -> int:
        """Count the requests so far that may have changed a table, queue or bucket."""
        return self._serialised.writes

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Hold every request back while inside (no request is half-done when it is entered)."""
        with self._serialised.lock:
            yield

    def snapshot(self) -> dict[str, Any]:
        """Every table, queue and bucket as data, read at one moment (`persistence.py`)."""
        from infra.local import persistence

        with self.paused():
            return persistence.dump_emulator()

    def restore(self, snapshot: dict[str, Any]) -> dict[str, int]:
        """Load a snapshot's data into the provisioned emulator; return counts (`persistence.py`)."""
        from infra.local import persistence

        with self.paused():
            return persistence.restore_emulator(snapshot)

    def outbox(self) -> dict[str, list[dict[str, Any]]]:
        """The emails and SMS its SES and SNS took, newest first, with when (`outbox.py`)."""
        from infra.local.prepare import ACCOUNT, REGION

        return outbox.messages(ACCOUNT, REGION)

    def start(self) -> Emulator:
        """Serve in the background, starting empty (moto keeps its state per process, not per server)."""
        from moto.moto_api._internal.models import moto_api_backend

        moto_api_backend.reset()
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _HeldQueues:
    """A child emulator's `LongPolls.hold`, `release` and `held`, asked over its pipe."""

    def __init__(self, child: Child) -> None:
        self._child = child

    def hold(self, queue: str) -> None:
        self._child.ask("hold", queue)

    def release(self, queue: str) -> None:
        self._child.ask("release", queue)

    def held(self) -> list[str]:
        return list(self._child.ask("held"))


class EmulatorProcess:
    """The emulator in a process of its own (`children.py`): the same surface, asked over a pipe.

    moto's work was two thirds of the busy time of the stack's one process in a soak; in its
    own process it runs beside the API and the workers, on the other core.
    """

    def __init__(self, faults: FaultsService) -> None:
        self._child = Child("peken-emulator")
        self._faults = faults
        self._url = ""
        self.long_polls = _HeldQueues(self._child)

    def start(self) -> EmulatorProcess:
        """Start the child; return once it serves."""
        self._url = str(self._child.spawn(_start, self._faults.handle()))
        return self

    @property
    def url(self) -> str:
        """Return the endpoint for AWS_ENDPOINT_URL."""
        return self._url

    @property
    def writes(self) -> int:
        """Count the requests so far that may have changed a table, queue or bucket."""
        return int(self._child.ask("writes"))

    def snapshot(self) -> dict[str, Any]:
        """Every table, queue and bucket as data, read at one moment."""
        return dict(self._child.ask("snapshot"))

    def restore(self, snapshot: dict[str, Any]) -> dict[str, int]:
        """Load a snapshot's data into the provisioned emulator; return counts."""
        return dict(self._child.ask("restore", snapshot))

    def outbox(self) -> dict[str, list[dict[str, Any]]]:
        """The emails and SMS its SES and SNS took, newest first, with when."""
        return dict(self._child.ask("outbox"))

    def stop(self) -> None:
        """Stop serving and the process."""
        self._child.stop()


def _start(faults: tuple[Any, ...]) -> Served:
    """In the child: serve the emulator; answer for it."""
    emulator = Emulator(faults=RemoteFaults(faults)).start()
    polls = emulator.long_polls
    answers: dict[str, Callable[..., Any]] = {
        "writes": lambda: emulator.writes,
        "snapshot": emulator.snapshot,
        "restore": emulator.restore,
        "outbox": emulator.outbox,
        "hold": polls.hold,
        "release": polls.release,
        "held": polls.held,
    }
    return Served(emulator.url, answers, emulator.stop)
