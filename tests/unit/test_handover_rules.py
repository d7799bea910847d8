"""The handover code's rules without a stack: the code, the wrong-code count and its lockout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from chalicelib.errors import ValidationFailed
from chalicelib.ids import iso
from chalicelib.orders import handover
from chalicelib.orders.handover import Attempts, after_failure, locked_for

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
NONE_YET = Attempts()


def fail(times: int, start: Attempts = NONE_YET, at: datetime = NOW, every: timedelta = timedelta(0)) -> Attempts:
    attempts = start
    for n in range(times):
        attempts = after_failure(attempts, at + n * every)
    return attempts


def test_a_code_is_six_digits_and_codes_differ() -> None:
    codes = {handover.new_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 190  # random, not a counter or a constant


def test_four_wrong_codes_count_but_do_not_lock() -> None:
    attempts = fail(4, every=timedelta(seconds=10))
    assert (attempts.failures, attempts.window_at, attempts.locked_until) == (4, iso(NOW), None)
    assert locked_for(attempts, NOW + timedelta(minutes=1)) == 0


def test_the_fifth_wrong_code_locks_for_fifteen_minutes_from_it() -> None:
    fifth_at = NOW + timedelta(minutes=4)
    attempts = after_failure(fail(4, every=timedelta(minutes=1)), fifth_at)
    assert attempts.failures == 5
    assert attempts.locked_until == iso(fifth_at + timedelta(minutes=15))
    assert locked_for(attempts, fifth_at) == 15 * 60
    assert locked_for(attempts, fifth_at + timedelta(minutes=14, seconds=59)) == 1
    assert locked_for(attempts, fifth_at + timedelta(minutes=15)) == 0


def test_wrong_codes_older_than_the_window_are_forgotten() -> None:
    attempts = fail(4, every=timedelta(minutes=1))  # 08:00 .. 08:03
    later = after_failure(attempts, NOW + timedelta(minutes=15))  # the window began at 08:00
    assert (later.failures, later.window_at, later.locked_until) == (1, iso(NOW + timedelta(minutes=15)), None)


def test_after_a_lockout_the_count_starts_again() -> None:
    locked = fail(5)
    assert locked.locked_until
    after = after_failure(locked, NOW + timedelta(minutes=16))
    assert (after.failures, after.locked_until) == (1, None)
    assert fail(3, start=after, at=NOW + timedelta(minutes=17)).locked_until is None
    again = fail(4, start=after, at=NOW + timedelta(minutes=17))
    assert again.failures == 5 and again.locked_until == iso(NOW + timedelta(minutes=32))


def test_the_request_takes_an_optional_code_and_nothing_else() -> None:
    assert handover.CompleteRequest.model_validate({}).handover_code is None
    assert handover.CompleteRequest.model_validate({"handover_code": " 012345 "}).handover_code == "012345"
    for bad in ({"handover_code": 12345}, {"code": "123456"}, {"handover_code": "1" * 33}):
        with pytest.raises(ValidationError):
            handover.CompleteRequest.model_validate(bad, strict=True)


@pytest.mark.parametrize("given", [None, ""])
def test_the_store_without_a_code_gets_a_validation_error_naming_it(given: str | None) -> None:
    with pytest.raises(ValidationFailed) as refused:
        handover.check("01ORDER", given, NOW)  # refused before any read
    assert refused.value.details["field"] == "handover_code"
