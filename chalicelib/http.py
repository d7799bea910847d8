"""Turn HTTP requests into checked input and every outcome into the API.md response shape."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote

from chalice.app import Chalice, Request, Response

from chalicelib import idempotency, metrics, observability
from chalicelib.auth import Principal, bearer_token, verify_token
from chalicelib.config import settings
from chalicelib.errors import (
    CHALICE_CODES,
    ApiError,
    BadJson,
    MethodNotAllowed,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
    ValidationFailed,
    error_body,
    field_errors,
    is_transient,
)

if TYPE_CHECKING:
    from pydantic import BaseModel

M = TypeVar("M", bound="BaseModel")
ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
CORS_ALLOW_HEADERS = "Authorization,Content-Type,Idempotency-Key,X-Correlation-Id"
MAX_BODY_BYTES = 256 * 1024
# Every id and SKU in a path is shorter; DynamoDB refuses a key over 2,048 bytes (a 500).
# Counted decoded: API Gateway (and Chalice locally) pass path parameters still percent-encoded.
MAX_PATH_PARAM_CHARS = 64


VERIFIED = "_peken_principal"  # the caller, once verified for this request


def _verified(request: Request, token: str) -> Principal:
    """Verify a request's token once, however many steps ask who is calling."""
    cached: Principal | None = getattr(request, VERIFIED, None)
    if cached is None:
        cached = verify_token(token)
        setattr(request, VERIFIED, cached)
    return cached


def principal(request: Request) -> Principal:
    """Return the verified caller or raise 401."""
    token = bearer_token(request.headers)
    if token is None:
        raise Unauthorized("sign in: missing bearer token")
    return _verified(request, token)


def member(request: Request, *groups: str) -> Principal:
    """Return the verified caller if in one of the groups: 401, then 403, before the body is read."""
    return principal(request).require(*groups)


def optional_principal(request: Request) -> Principal | None:
    """Return the verified caller, None when anonymous; a bad token is still 401."""
    token = bearer_token(request.headers)
    return _verified(request, token) if token is not None else None


def json_body(request: Request) -> Any:
    """Parse the raw body as JSON; an absent (empty) body is an empty object, blanks are malformed."""
    raw = request.raw_body
    if len(raw) > MAX_BODY_BYTES:
        raise ValidationFailed.field("body", f"larger than {MAX_BODY_BYTES} bytes")
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise BadJson("body: malformed JSON", {"field": "body"}) from exc


def parse(model: type[M], request: Request) -> M:
    """Validate the JSON body against a model, naming each bad field."""
    return validate(model, json_body(request))


def validate(model: type[M], data: Any) -> M:
    """Validate plain data against a model, naming each bad field."""
    from pydantic import ValidationError  # the model's module has loaded pydantic already

    if not isinstance(data, dict):
        raise ValidationFailed.field("body", "must be a JSON object")
    try:
        return model.model_validate(data, strict=True)
    except ValidationError as exc:
        raise ValidationFailed.fields(field_errors(exc)) from exc


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Build a JSON response."""
    return Response(body=body, status_code=status, headers={"Content-Type": "application/json", **(headers or {})})


def query(request: Request) -> dict[str, str]:
    """Return the query string parameters (empty dict when none)."""
    return dict(request.query_params or {})


def no_content() -> Response:
    """Build an empty 204 response."""
    return Response(body="", status_code=204)


def install(app: Chalice) -> None:
    """Install the error mapping, correlation ids and CORS on every route."""

    @app.middleware("http")
    def _api_middleware(event: Request, get_response: Callable[[Request], Response]) -> Response:
        cid = observability.begin(event.headers.get(observability.CORRELATION_HEADER))
        try:
            response = _idempotent(app, event, lambda: _render_errors(event, get_response))
        finally:
            observability.end()
            metrics.flush()
        response.headers.update(cors_headers(event.headers.get("origin")))
        response.headers["X-Correlation-Id"] = cid
        return response


def _idempotent(app: Chalice, event: Request, produce: Callable[[], Response]) -> Response:
    """Route a signed-in POST carrying an Idempotency-Key through the idempotency store."""
    if event.method != "POST" or idempotency.HEADER not in event.headers:
        return produce()
    try:
        token = bearer_token(event.headers)
        caller = _verified(event, token) if token else None
    except ApiError:
        return produce()  # let the route answer 401 itself (before any complaint about the key)
    if caller is None:
        return produce()
    try:
        key = idempotency.key_of(event.headers, required=False)
    except ValidationFailed as exc:
        return Response(body=exc.body(), status_code=exc.status, headers=_error_headers(exc))
    if key is None:
        return produce()
    target = json.dumps([event.method, event.path, event.uri_params or {}], sort_keys=True)
    raw = event.raw_body or b""
    fingerprint = target.encode() + b"\n" + (raw if isinstance(raw, bytes) else raw.encode())
    try:
        return idempotency.run(caller.user_id, key, fingerprint, getattr(app, "lambda_context", None), produce)
    except ApiError as exc:
        return Response(body=exc.body(), status_code=exc.status, headers=_error_headers(exc))


def _render_errors(event: Request, get_response: Callable[[Request], Response]) -> Response:
    try:
        if any(not value or len(unquote(value)) > MAX_PATH_PARAM_CHARS for value in (event.uri_params or {}).values()):
            raise NotFound("no such route")
        response = get_response(event)
    except ApiError as exc:
        if exc.status >= 500:
            observability.logger.warning("request failed", extra={"code": exc.code, "path": event.path})
        return Response(body=exc.body(), status_code=exc.status, headers=_error_headers(exc))
    return _reshape_chalice_error(response)


def _error_headers(exc: ApiError) -> dict[str, str | list[str]]:
    headers: dict[str, str | list[str]] = {"Content-Type": "application/json"}
    if isinstance(exc, MethodNotAllowed):
        headers["Allow"] = ",".join(exc.details.get("allowed", []))
    return headers


def _reshape_chalice_error(response: Response) -> Response:
    """Rewrite Chalice's own `{"Code", "Message"}` errors into the API.md shape."""
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or "Code" not in body:
        return response
    status, code = CHALICE_CODES.get(str(body["Code"]), (response.status_code, "error"))
    if status >= 500:
        message = "internal error; the correlation id identifies it in the logs"
    else:
        message = str(body.get("Message", code))
    response.body = error_body(code, message)
    response.status_code = status
    return response


def cors_headers(origin: str | None) -> dict[str, str]:
    """Allow the configured web origins, one at a time, as browsers require."""
    allowed = settings().allowed_origins
    if not origin or not (origin in allowed or "*" in allowed):
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": "X-Correlation-Id",
        "Vary": "Origin",
    }


def complete_routes(app: Chalice) -> None:
    """Read every body as JSON whatever its declared type, and answer preflight and wrong methods.

    Clients (and `curl -d`) often omit `Content-Type: application/json`; the body is
    still parsed strictly as JSON, so nothing is lost by not answering 415.
    """
    for index, (path, entries) in enumerate(sorted(app.routes.items())):
        for entry in entries.values():
            entry.content_types = ["*/*"]
            entry.view_function = _busy_as_503(entry.view_function)
        defined = sorted(entries)
        missing = [m for m in ALL_METHODS if m not in entries]
        if "OPTIONS" not in entries:
            app.route(path, methods=["OPTIONS"], name=f"preflight_{index}", content_types=["*/*"])(_preflight(defined))
        if missing:
            app.route(path, methods=missing, name=f"not_allowed_{index}", content_types=["*/*"])(_not_allowed(defined))


def _busy_as_503(view: Callable[..., Any]) -> Callable[..., Any]:
    """Answer 503 (try again) rather than 500 when DynamoDB was throttled or conflicted."""

    @functools.wraps(view)
    def guarded(**kwargs: Any) -> Any:
        try:
            return view(**kwargs)
        except ApiError:
            raise
        except Exception as exc:
            if is_transient(exc):
                raise ServiceUnavailable("the marketplace is busy; try again shortly") from exc
            raise

    return guarded


def _preflight(methods: list[str]) -> Callable[..., Response]:
    def preflight(**_: str) -> Response:
        return Response(
            body="",
            status_code=204,
            headers={
                "Access-Control-Allow-Methods": ",".join([*methods, "OPTIONS"]),
                "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
                "Access-Control-Max-Age": "600",
            },
        )

    return preflight


def _not_allowed(methods: list[str]) -> Callable[..., Response]:
    def not_allowed(**_: str) -> Response:
        raise MethodNotAllowed("method not allowed here", {"allowed": methods})

    return not_allowed


def is_fallback(view_name: str) -> bool:
    """Tell whether a route entry was added by add_fallbacks (not part of the API contract)."""
    return view_name.startswith(("preflight_", "not_allowed_"))
