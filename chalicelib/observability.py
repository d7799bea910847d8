"""Create the Powertools logger once and carry a correlation id through every step."""

from __future__ import annotations

import re
from contextvars import ContextVar

from aws_lambda_powertools import Logger

from chalicelib.ids import new_id

SERVICE = "peken"
CORRELATION_HEADER = "x-correlation-id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_correlation: ContextVar[str] = ContextVar("correlation_id", default="")

logger = Logger(service=SERVICE)


def correlation_id() -> str:
    """Return the correlation id of the work in progress (empty outside of one)."""
    return _correlation.get()


def begin(incoming: str | None) -> str:
    """Start a unit of work under the caller's correlation id if it is safe, else a new one."""
    value = incoming if incoming and _SAFE_ID.match(incoming) else new_id()
    _correlation.set(value)
    logger.thread_safe_append_keys(correlation_id=value)
    return value


def end() -> None:
    """Forget the correlation id of the finished unit of work."""
    _correlation.set("")
    logger.thread_safe_clear_keys()
