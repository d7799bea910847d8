"""Create the Powertools logger on first use and carry a correlation id through every step."""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from chalicelib.ids import new_id

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger

SERVICE = "peken"
CORRELATION_HEADER = "x-correlation-id"
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # whole value only: "$" would let a final newline in
_correlation: ContextVar[str] = ContextVar("correlation_id", default="")


class _CorrelationFilter(logging.Filter):
    """Stamp every record with the correlation id of the work in progress (Powertools logs extra keys)."""

    def filter(self, record: logging.LogRecord) -> bool:
        cid = _correlation.get()
        if cid:
            record.correlation_id = cid
        return True


@lru_cache(maxsize=1)
def _logger() -> Logger:
    # Powertools' logger costs ~30 ms to import: a request that logs nothing never pays it.
    from aws_lambda_powertools import Logger

    created = Logger(service=SERVICE)
    created.addFilter(_CorrelationFilter())
    return created


class _LazyLogger:
    def __getattr__(self, name: str) -> Any:
        return getattr(_logger(), name)


logger = cast("Logger", _LazyLogger())


def correlation_id() -> str:
    """Return the correlation id of the work in progress (empty outside of one)."""
    return _correlation.get()


def begin(incoming: str | None) -> str:
    """Start a unit of work under the caller's correlation id if it is safe, else a new one."""
    value = incoming if incoming and _SAFE_ID.fullmatch(incoming) else new_id()
    _correlation.set(value)
    return value


def end() -> None:
    """Forget the correlation id of the finished unit of work."""
    _correlation.set("")
