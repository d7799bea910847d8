"""Embed moto's server (DynamoDB, SQS, SES, SNS, S3) on a loopback port, one request at a time.

moto is not atomic under concurrency (conditional transactions on one item oversold in
2 of 20 runs); real DynamoDB is. One lock around the WSGI app makes the emulator behave
like the real service, so concurrency tests test our code and not moto's races. The same
lock lets `infra/local/persistence.py` read a consistent snapshot (`paused`), and the
emulator counts the requests that may have changed something (`writes`) so it saves only
when needed.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from infra.local import moto_patches, outbox, s3_post_policy
from infra.local.faults import Faults, FaultyApp

# Operations (X-Amz-Target suffixes) that change nothing worth saving; every other request counts as a write.
READS = frozenset(
    {
        *("GetItem", "BatchGetItem", "TransactGetItems", "Query", "Scan", "DescribeTable", "ListTables"),
        *("ReceiveMessage", "GetQueueAttributes", "GetQueueUrl", "ListQueues", "ChangeMessageVisibility"),
    }
)


class _Serialised:
    """A WSGI app that handles one request at a time, and counts those that may write."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self.lock = threading.Lock()
        self.writes = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self.lock:
            operation = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2]
            if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") and operation not in READS:
                self.writes += 1
            # Drain the body inside the lock: moto streams nothing we need to keep open.
            return list(self._app(environ, start_response))


class Emulator:
    """moto in server mode on 127.0.0.1, in a daemon thread of this process."""

    def __init__(self, port: int = 0, faults: Faults | None = None) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

        moto_patches.apply()
        s3_post_policy.apply()  # S3 holds a browser POST to its signed policy, as AWS does
        outbox.install()  # stamps what SES and SNS "send" with a time (GET /_local/outbox)
        self._serialised = _Serialised(DomainDispatcherApplication(create_backend_app))
        app: Callable[..., Iterable[bytes]] = self._serialised
        if faults is not None:  # injected errors are answered outside the lock, as a busy service would
            app = FaultyApp(app, faults)
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)

    @property
    def url(self) -> str:
        """Return the endpoint for AWS_ENDPOINT_URL."""
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def writes(self) -> int:
        """Count the requests so far that may have changed a table, queue or bucket."""
        return self._serialised.writes

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Hold every request back while inside (no request is half-done when it is entered)."""
        with self._serialised.lock:
            yield

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
