"""Correlation ids from callers are kept only when the whole value is safe to log and echo."""

from __future__ import annotations

import re

import pytest

from chalicelib import observability

ULID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")


@pytest.mark.parametrize("incoming", ["abc\n", "abc\r\n", "a\nSet-Cookie: x=1", "x" * 65, "a b", "", None])
def test_an_unsafe_correlation_id_is_replaced(incoming: str | None) -> None:
    try:
        assert ULID.fullmatch(observability.begin(incoming))
    finally:
        observability.end()


def test_a_safe_correlation_id_is_kept() -> None:
    try:
        assert observability.begin("trace-1.A_b") == "trace-1.A_b"
    finally:
        observability.end()
