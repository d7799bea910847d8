"""Every error the API answers, each a class with its HTTP status and `code`, and the one error body.

This module is the list of error codes: route declarations (app.py) name the classes an
operation may raise beyond those every operation of its kind answers, and the OpenAPI
document enumerates each status's codes from them. A domain raises these classes; it
does not define its own.
"""

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
    def fields(cls, errors: list[dict[str, Any]]) -> ValidationFailed:
        """Report several bad fields; the first names the message (and the first suggestions, if any)."""
        first = errors[0]
        details: dict[str, Any] = {"field": first["field"], "errors": errors}
        suggestions = next((e["suggestions"] for e in errors if e.get("suggestions")), None)
        if suggestions:
            details["suggestions"] = suggestions
        return cls(f"{first['field']}: {first['message']}", details)

    def body(self) -> dict[str, Any]:
        """The error body; a misspelt place raised `from` (validators.UnknownPlace) adds its suggestions."""
        suggestions = getattr(self.__cause__, "suggestions", None)
        if suggestions and "suggestions" not in self.details:
            self.details = {**self.details, "suggestions": list(suggestions)}
        return super().body()


def field_errors(exc: Any, whole: str = "body") -> list[dict[str, Any]]:
    """Name each field a pydantic ValidationError found bad, with pydantic's message (less "Value error, ").

    A misspelt place (validators.UnknownPlace) adds its `suggestions`.
    """
    found: list[dict[str, Any]] = []
    for err in exc.errors():
        entry: dict[str, Any] = {
            "field": ".".join(str(part) for part in err.get("loc", ())) or whole,
            "message": str(err.get("msg", "invalid")).removeprefix("Value error, "),
        }
        suggestions = getattr((err.get("ctx") or {}).get("error"), "suggestions", None)
        if suggestions:
            entry["suggestions"] = list(suggestions)
        found.append(entry)
    return found


class BadJson(ApiError):
    status, code = 400, "validation_error"


class ServiceUnavailable(ApiError):
    status, code = 503, "service_unavailable"


# Answered by API Gateway before any function runs (timeout, body size, rate limits), and
# by Chalice locally; listed so the document and clients know them.
class RequestTimeout(ApiError):
    status, code = 408, "request_timeout"


class TooManyRequests(ApiError):
    status, code = 429, "too_many_requests"


# Refused by the HTTP front door before routing (locally infra/local/api_server.py answers them).
class BadRequest(ApiError):
    status, code = 400, "bad_request"


class LengthRequired(ApiError):
    status, code = 411, "length_required"


class UriTooLong(ApiError):
    status, code = 414, "request_uri_too_long"


class HeadersTooLarge(ApiError):
    status, code = 431, "request_header_fields_too_large"


class Blocked(Forbidden):
    """The firewall (AWS WAF in front of the API) refused the request, whatever the route."""


FRONT_DOOR = (
    BadRequest,
    Blocked,
    LengthRequired,
    PayloadTooLarge,
    UriTooLong,
    HeadersTooLarge,
    RequestTimeout,
    TooManyRequests,
)


class InternalError(ApiError):
    """Something we did not foresee failed; the body carries no detail, the correlation id finds it in the logs."""

    status, code = 500, "internal_error"


class InvalidTransition(ApiError):
    """The object is not in a status this action applies to (an order, a store)."""

    status, code = 409, "invalid_transition"


class OutOfStock(ApiError):
    status, code = 409, "out_of_stock"


class StoreUnavailable(ApiError):
    """The store is not active and open (buying from it, or adding products to it)."""

    status, code = 409, "store_unavailable"


class DeliveryUnavailable(ApiError):
    """A store of the cart cannot hand over that way: no delivery there, or no pickup (`details.store_id`)."""

    status, code = 422, "delivery_unavailable"


class OwnStore(ApiError):
    """Sellers may not buy from their own store: the obligation would be met with money that comes back."""

    status, code = 422, "own_store"


class PriceAboveReference(ApiError):
    status, code = 422, "price_above_reference"


class ReferenceRequired(ApiError):
    """A staple whose name matches a reference price must name it (`details.suggested_skus`)."""

    status, code = 422, "reference_required"


class CartEmpty(ApiError):
    status, code = 422, "cart_empty"


class AmountOutOfRange(ApiError):
    """A total Stripe will not charge in IDR: below its minimum or above its maximum."""

    status, code = 422, "amount_too_small"
    codes = ("amount_too_small", "amount_too_large")

    def __init__(self, too_small: bool, total_idr: int, min_idr: int, max_idr: int) -> None:
        words, limit = ("at least", min_idr) if too_small else ("at most", max_idr)
        super().__init__(
            f"a payment must be {words} Rp{limit:,} (this one is Rp{total_idr:,})".replace(",", "."),
            {"total_idr": total_idr, "min_idr": min_idr, "max_idr": max_idr},
        )
        self.code = self.codes[0] if too_small else self.codes[1]


class PaymentUnavailable(ApiError):
    status, code = 503, "payment_unavailable"


class PaymentProviderError(ApiError):
    """Stripe refused a request of ours for a reason no retry fixes."""

    status, code = 502, "payment_provider_error"


class BadSignature(ApiError):
    status, code = 400, "bad_signature"


class IdempotencyKeyRequired(ApiError):
    status, code = 400, "idempotency_key_required"


class IdempotencyKeyReused(ApiError):
    status, code = 422, "idempotency_key_reused"


class InvalidHandoverCode(ApiError):
    """The code the store typed is not the one its buyer holds (`details.attempts_left`)."""

    status, code = 422, "invalid_handover_code"


class TooManyAttempts(ApiError):
    """Too many wrong handover codes: the order's handover is locked for a while (`details.retry_after_seconds`)."""

    status, code = 429, "too_many_attempts"


def codes_of(error: type[ApiError]) -> tuple[str, ...]:
    """Return the codes an error class may carry (most carry one)."""
    return tuple(getattr(error, "codes", (error.code,)))


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
