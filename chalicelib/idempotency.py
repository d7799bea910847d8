"""Idempotency-Key on POST: the same key and body within 24 h gets the first response again.

Built on Powertools' idempotency utility (a DynamoDB record per key, in progress, then
completed with the response). Keys are scoped to the caller, so two users' keys never
collide. Responses below 500 are kept; a 5xx or a crash removes the record so the client
may retry with the same key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from chalice.app import Response

from chalicelib.errors import (
    Conflict,
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
    ServiceUnavailable,
    ValidationFailed,
)

HEADER = "idempotency-key"
TTL_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 64


class _NotKept(Exception):
    """Carry a 5xx response out of the idempotent function so its record is dropped."""

    def __init__(self, response: Response) -> None:
        super().__init__("not kept")
        self.response = response


def key_of(headers: Any, required: bool) -> str | None:
    """Read and check the Idempotency-Key header (1-64 printable characters)."""
    key = headers.get(HEADER)
    if key is None:
        if required:
            raise IdempotencyKeyRequired("this request needs an Idempotency-Key header")
        return None
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationFailed.field("Idempotency-Key", f"must be 1 to {MAX_KEY_LENGTH} printable characters")
    return str(key)


@lru_cache(maxsize=1)
def _persistence() -> Any:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from chalicelib.dynamo import table_name

    return DynamoDBPersistenceLayer(table_name=table_name("idempotency"))


def run(user_id: str, key: str, fingerprint: bytes, lambda_context: Any, produce: Callable[[], Response]) -> Response:
    """Produce the response once per (user, key); replay it for the same body, refuse another body."""
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="fingerprint",
        expires_after_seconds=TTL_SECONDS,
        raise_on_no_idempotency_key=True,
    )
    if lambda_context is not None and hasattr(lambda_context, "get_remaining_time_in_millis"):
        config.register_lambda_context(lambda_context)

    produced: list[Response] = []

    @idempotent_function(data_keyword_argument="request", persistence_store=_persistence(), config=config)
    def execute(request: dict[str, str]) -> dict[str, Any]:
        response = produce()
        if response.status_code >= 500:
            raise _NotKept(response)
        produced.append(response)
        return {
            "status": response.status_code,
            "body": response.body,
            "headers": {k: v for k, v in response.headers.items() if k.lower() in ("content-type", "location")},
        }

    request = {"key": f"{user_id}\n{key}", "fingerprint": hashlib.sha256(fingerprint).hexdigest()}
    try:
        kept = execute(request=request)
    except _NotKept as exc:
        return exc.response
    except IdempotencyValidationError as exc:
        raise IdempotencyKeyReused("this Idempotency-Key was used with a different request") from exc
    except IdempotencyAlreadyInProgressError as exc:
        raise Conflict("a request with this Idempotency-Key is still in progress") from exc
    except IdempotencyPersistenceLayerError as exc:
        if produced:  # the work is done, only its record failed: say what happened (a retry answers 409)
            return produced[0]
        raise ServiceUnavailable("the marketplace is busy; try again shortly with the same Idempotency-Key") from exc
    return Response(body=kept["body"], status_code=int(kept["status"]), headers=dict(kept["headers"]))
