"""`validators.choice`: a query parameter from a closed set, absent or empty meaning none."""

from __future__ import annotations

import pytest

from chalicelib.errors import ValidationFailed
from chalicelib.validators import choice

SET = ("open", "closed")


def test_a_member_is_returned_and_absent_or_empty_is_none() -> None:
    assert choice({"status": "closed"}, "status", SET) == "closed"
    assert choice({}, "status", SET) is None
    assert choice({"status": ""}, "status", SET) is None


def test_anything_else_is_refused_naming_the_field_and_the_set() -> None:
    with pytest.raises(ValidationFailed) as refused:
        choice({"status": "Open"}, "status", SET)
    assert refused.value.details["field"] == "status" and "open, closed" in refused.value.message
