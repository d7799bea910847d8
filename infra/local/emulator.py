"""Embed moto's server (DynamoDB, SQS, SES, SNS) on a loopback port, one request at a time.

moto is not atomic under concurrency (conditional transactions on one item oversold in
2 of 20 runs); real DynamoDB is. One lock around the WSGI app makes the emulator behave
like the real service, so concurrency tests test our code and not moto's races.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from infra.local import moto_patches, outbox
from infra.local.faults import Faults, FaultyApp


class _Serialised:
    """A WSGI app that handles one request at a time."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self._lock:
            # Drain the body inside the lock: moto streams nothing we need to keep open.
            return list(self._app(environ, start_response))


class Emulator:
    """moto in server mode on 127.0.0.1, in a daemon thread of this process."""

    def __init__(self, port: int = 0, faults: Faults | None = None) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

        moto_patches.apply()
        outbox.install()  # stamps what SES and SNS "send" with a time (GET /_local/outbox)
        app: Callable[..., Iterable[bytes]] = _Serialised(DomainDispatcherApplication(create_backend_app))
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
