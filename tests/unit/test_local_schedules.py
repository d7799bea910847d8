from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from infra.local.schedules import Schedule, cron_matches


def test_reminder_cron_fires_at_nine_in_jakarta() -> None:
    # 09:00 Asia/Jakarta is 02:00 UTC.
    assert cron_matches("0 2 * * ? *", datetime(2026, 11, 30, 2, 0, tzinfo=UTC))
    assert not cron_matches("0 2 * * ? *", datetime(2026, 11, 30, 2, 1, tzinfo=UTC))
    assert not cron_matches("0 2 * * ? *", datetime(2026, 11, 30, 9, 0, tzinfo=UTC))


def test_cron_steps_ranges_lists_and_weekdays() -> None:
    monday = datetime(2026, 11, 30, 10, 15, tzinfo=UTC)  # a Monday
    assert cron_matches("0/15 * * * ? *", monday)
    assert not cron_matches("0/20 * * * ? *", monday)
    assert cron_matches("15 9-11 * * ? *", monday)
    assert cron_matches("15 10 ? * 2 *", monday)  # AWS: 2 = Monday
    assert not cron_matches("15 10 ? * 1,7 *", monday)
    assert cron_matches("15 10 30 11 ? 2026", monday)


def test_rate_and_cron_planning() -> None:
    now = datetime(2026, 11, 30, 1, 59, 30, tzinfo=UTC)
    rate = Schedule("r", "rate(5 minutes)", lambda e, c: None)
    rate.plan_after(now)
    assert rate.next_at == now + timedelta(minutes=5)
    cron = Schedule("c", "cron(0 2 * * ? *)", lambda e, c: None)
    cron.plan_after(now)
    assert cron.next_at == datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def test_unknown_expression_is_refused() -> None:
    with pytest.raises(ValueError):
        Schedule("x", "every tuesday", lambda e, c: None).plan_after(datetime.now(UTC))
