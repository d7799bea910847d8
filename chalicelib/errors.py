"""The error hierarchy of the API and its one mapping to HTTP."""

from __future__ import annotations

from typing import Any

from chalice.app import ChaliceUnhandledError


class ApiError(ChaliceUnhandledError):
    """An error the client caused or must know about, rendered in the API.md shape.

    It derives from ChaliceUnhandledError so Chalice lets it reach our middleware.
    """

    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def body(self) -> dict[str, Any]:
        """Return the response body in the API.md error shape."""
        return error_body(self.code, self.message, self.details)


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the one error body every 4xx/5xx uses."""
    return {"error": {"code": code, "message": message, "details": details or {}}}


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class MethodNotAllowed(ApiError):
    status, code = 405, "method_not_allowed"


class Conflict(ApiError):
    status, code = 409, "conflict"


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(ApiError):
    status, code = 415, "unsupported_media_type"


class ValidationFailed(ApiError):
    status, code = 422, "validation_error"

    @classmethod
    def field(cls, field: str, message: str) -> ValidationFailed:
        """Report one bad field."""
        return cls(f"{field}: {message}", {"field": field, "errors": [{"field": field, "message": message}]})

    @classmethod
    def fields(cls, errors: list[dict[str, str]]) -> ValidationFailed:
        """Report several bad fields; the first names the message."""
        first = errors[0]
        return cls(f"{first['field']}: {first['message']}", {"field": first["field"], "errors": errors})


class BadJson(ApiError):
    status, code = 400, "validation_error"


class ServiceUnavailable(ApiError):
    status, code = 503, "service_unavailable"


# DynamoDB's answers that mean "busy, try again": nothing was written, a retry may succeed.
TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionConflictException",
        "TransactionInProgressException",
        "InternalServerError",
    }
)
TRANSIENT_REASONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})


def error_code(exc: BaseException) -> str | None:
    """Return the AWS error code of a PynamoDB or botocore error (None for anything else)."""
    code = getattr(exc, "cause_response_code", None)
    if code is None:
        code = (getattr(exc, "response", None) or {}).get("Error", {}).get("Code")
    return str(code) if code else None


def cancellation_codes(exc: BaseException) -> set[str]:
    """Return the per-item reason codes of a cancelled transaction (empty for anything else)."""
    if error_code(exc) != "TransactionCanceledException":
        return set()
    return {str(r.code) for r in (getattr(exc, "cancellation_reasons", None) or []) if r is not None and r.code}


def condition_failed(exc: BaseException) -> bool:
    """Tell whether a write (or a transaction) was refused because one of its conditions failed.

    That means someone else wrote first: read again and decide again. A throttled or
    conflicting write is not this; it is transient (see `is_transient`).
    """
    return error_code(exc) == "ConditionalCheckFailedException" or "ConditionalCheckFailed" in cancellation_codes(exc)


def is_transient(exc: BaseException) -> bool:
    """Tell whether a PynamoDB or botocore error means the service was busy, not that a condition failed.

    A cancelled transaction is transient when some item conflicted or was throttled and no
    condition check failed.
    """
    if error_code(exc) in TRANSIENT_CODES:
        return True
    reasons = cancellation_codes(exc)
    return bool(reasons & TRANSIENT_REASONS) and "ConditionalCheckFailed" not in reasons


# Chalice's own error responses (`{"Code": ..., "Message": ...}`) mapped to our codes.
CHALICE_CODES: dict[str, tuple[int, str]] = {
    "BadRequestError": (400, "validation_error"),
    "UnauthorizedError": (401, "unauthorized"),
    "ForbiddenError": (403, "forbidden"),
    "NotFoundError": (404, "not_found"),
    "MethodNotAllowedError": (405, "method_not_allowed"),
    "ConflictError": (409, "conflict"),
    "UnprocessableEntityError": (422, "validation_error"),
    "UnsupportedMediaType": (415, "unsupported_media_type"),
    "RequestTimeoutError": (408, "request_timeout"),
    "EntityTooLargeError": (413, "payload_too_large"),
    "TooManyRequestsError": (429, "too_many_requests"),
    "BadRequest": (400, "validation_error"),
    "InternalServerError": (500, "internal_error"),
}
