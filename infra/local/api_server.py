"""Serve the Chalice app over HTTP on loopback, as API Gateway would, plus local control routes.

Chalice's local gateway answers an unknown path with API Gateway's 403 "Missing
Authentication Token"; the deploy template maps that gateway response to 404 in our
error shape, and so does this server. GET and HEAD outside /v1/ and /_local/ get the built web
app and its /config.json (infra/local/web.py), as CloudFront serves them on AWS.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import HTTPServer
from typing import Any

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
    LocalChalice,
    LocalGatewayException,
    ThreadedHTTPServer,
)

from chalicelib.errors import error_body
from infra.local import audit
from infra.local.web import WebApp

API_FUNCTION = "api_handler"  # Chalice deploys every route as this one function
NOT_FOUND = json.dumps(error_body("not_found", "no such route")).encode()
MAX_BODY_BYTES = 1024 * 1024

Control = Callable[[str, str, bytes], tuple[int, dict[str, Any]]]


class _Handler(ChaliceRequestHandler):
    control: Control | None = None
    web: WebApp | None = None
    # Headers and body go out in separate writes: without TCP_NODELAY a keep-alive client
    # waits for the delayed ACK (~40 ms) on every request after its first.
    disable_nagle_algorithm = True

    def _generic_handle(self) -> None:
        if self.path.startswith("/_local/") and self.control is not None:
            return self._handle_control()
        refused = self._refused_framing()
        if refused is not None:
            self.close_connection = True  # the unread body must not be parsed as the next request
            return self._send_json(*refused)
        if self.web is not None and self.web.serves(self.command, self.path) and self._handle_web(self.web):
            return None
        with audit.running(API_FUNCTION):
            super()._generic_handle()

    def _refused_framing(self) -> tuple[int, dict[str, Any]] | None:
        """Refuse a body this server cannot frame safely: chunked, a bad or a too large Content-Length."""
        if self.headers.get("transfer-encoding") is not None:
            return 411, error_body("length_required", "send the body with a Content-Length")
        length = self.headers.get("content-length") or "0"
        if not (length.isascii() and length.isdigit()):
            return 400, error_body("bad_request", "Content-Length must be a number of bytes")
        if int(length) > MAX_BODY_BYTES:
            return 413, error_body("payload_too_large", f"body over {MAX_BODY_BYTES} bytes")
        return None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Answer the HTTP parser's own refusals (431, 414, 400...) in the API's error shape, not HTML.

        An unknown method or HTTP version is the client's fault: 405 and 400, as API Gateway answers, not 501/505.
        """
        self.close_connection = True
        self.request_version = self.protocol_version  # a garbled request line left "HTTP/0.9": no status line
        code = {501: 405, 505: 400}.get(code, code)
        phrase = next((s.phrase for s in HTTPStatus if s.value == code), "error")
        self._send_json(code, error_body(re.sub(r"[^a-z0-9]+", "_", phrase.lower()), message or phrase))

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle  # noqa: N815

    def _send_error_response(self, error: LocalGatewayException) -> None:
        self._send_http_response(404, {"Content-Type": "application/json"}, NOT_FOUND)

    def _handle_control(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        assert self.control is not None
        status, payload = self.control(self.command, self.path, body)
        self._send_json(status, payload)

    def _handle_web(self, web: WebApp) -> bool:
        """Answer from the built app; False when it has nothing to say (no build: the API's 404)."""
        answer = web.answer(self.path, self.headers.get("accept-encoding") or "")
        if answer is None:
            return False
        self.rfile.read(int(self.headers.get("content-length") or 0))  # a GET's body, if any: not the next request
        status, headers, body = answer
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return True

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        self._send_http_response(status, {"Content-Type": "application/json"}, json.dumps(payload).encode())

    def log_message(self, format: str, *args: Any) -> None:
        """Keep access logs out of the console; the app logs what matters."""


class _Server(ThreadedHTTPServer):
    """A threaded server with a listen backlog fit for bursts of concurrent clients."""

    request_queue_size = 256


class ApiServer:
    """The app on http://127.0.0.1:<port>, one thread per connection."""

    def __init__(self, app: Chalice, port: int, control: Control | None = None, web: WebApp | None = None) -> None:
        config = Config.create(chalice_stage="local", app_name="peken", lambda_timeout=30, lambda_memory_size=1024)
        attributes = {"control": staticmethod(control) if control else None, "web": web}
        handler = type("PekenHandler", (_Handler,), attributes)
        _make_thread_local(app)
        self._server: HTTPServer = _Server(("127.0.0.1", port), _partial(handler, app, config))
        self._thread = threading.Thread(target=self._server.serve_forever, name="api", daemon=True)

    @property
    def port(self) -> int:
        """Return the bound port."""
        return int(self._server.server_address[1])

    def start(self) -> ApiServer:
        """Serve in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting requests and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _make_thread_local(app: Chalice) -> None:
    """Give the app a per-thread current_request, as `chalice local` does."""
    if not isinstance(app, LocalChalice):
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice


def _partial(handler: type, app: Chalice, config: Config) -> Callable[..., Any]:
    def build(request: Any, client_address: Any, server: Any) -> Any:
        return handler(request, client_address, server, app_object=app, config=config)

    return build
