from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.reports.fairness import gini, top_decile_share
from chalicelib.spending import model

NIP = "198501012010011001"


def test_grades_are_the_seventeen_golongan() -> None:
    assert len(model.GRADES) == 17 and model.GRADES[0] == "I/a" and model.GRADES[-1] == "IV/e"


@pytest.mark.parametrize(
    "row, field",
    [
        ({"nip": "12345"}, "nip"),
        ({"nip": NIP + "0"}, "nip"),
        ({"nip": "19850101201001100x"}, "nip"),
        ({"grade": "V/a"}, "grade"),
        ({"department": ""}, "department"),
        ({"email": "nope"}, "email"),
        ({"phone_number": "12"}, "phone_number"),
        ({"kecamatan": "Menteng"}, "kecamatan"),
        ({"salary": 1}, "salary"),
    ],
)
def test_bad_roster_rows_name_the_field(row: dict[str, object], field: str) -> None:
    good = {"nip": NIP, "name": "Budi", "department": "Dinkopdag", "grade": "III/a"}
    with pytest.raises(ValidationError) as caught:
        model.AsnRow.model_validate({**good, **row}, strict=True)
    assert caught.value.errors()[0]["loc"][0] == field


def test_quota_by_grade_falls_back_to_the_default() -> None:
    policy = model.Policy(default_quota_idr=300_000, quota_by_grade={"IV/a": 2_000_000})
    assert policy.quota("IV/a") == 2_000_000 and policy.quota("II/c") == 300_000
    with pytest.raises(ValidationError):
        model.Policy(default_quota_idr=300_000, quota_by_grade={"camat": 2_000_000})
    with pytest.raises(ValidationError):
        model.Policy(default_quota_idr=-1)


@pytest.mark.parametrize(
    "month, ok",
    [
        ("2026-11", True),
        ("2021-07", True),
        ("2021-06", False),
        ("2026-13", False),
        ("2026-1", False),
        ("2026-12", False),
        ("abcd-ef", False),
    ],
)
def test_months(month: str, ok: bool) -> None:
    assert model.valid_month(month, latest="2026-11") is ok


def test_reminder_stages_count_from_the_start_and_the_end() -> None:
    spec = "from_day_10:10,from_day_20:20,last_3_days:-3"
    assert [(s.name, s.from_day) for s in model.stages("2026-02", spec)] == [
        ("from_day_10", 10),
        ("from_day_20", 20),
        ("last_3_days", 26),
    ]
    assert model.current_stage("2026-11", 9, spec) is None
    assert model.current_stage("2026-11", 10, spec).name == "from_day_10"  # type: ignore[union-attr]
    assert model.current_stage("2026-11", 27, spec).name == "from_day_20"  # type: ignore[union-attr]
    assert model.current_stage("2026-11", 28, spec).name == "last_3_days"  # type: ignore[union-attr]


def test_gini_and_top_decile() -> None:
    assert gini([100, 100, 100, 100]) == pytest.approx(0.0)
    assert gini([0, 0, 0, 400]) == pytest.approx(0.75)
    assert gini([]) == 0.0 and gini([0, 0]) == 0.0
    assert top_decile_share([10] * 10) == pytest.approx(0.1)
    assert top_decile_share([0] * 19 + [50]) == pytest.approx(1.0)


def test_email_and_sms_wait_for_the_morning() -> None:
    from datetime import UTC, datetime

    from chalicelib.notifications.service import seconds_until_day

    assert seconds_until_day(datetime(2026, 11, 30, 3, 0, tzinfo=UTC)) == 0  # 10:00 in Surabaya
    assert seconds_until_day(datetime(2026, 11, 30, 15, 0, tzinfo=UTC)) == 9 * 3600 + 1  # 22:00 → 07:00
    assert seconds_until_day(datetime(2026, 11, 29, 23, 30, tzinfo=UTC)) == 1800 + 1  # 06:30
    assert seconds_until_day(datetime(2026, 11, 30, 13, 59, tzinfo=UTC)) == 0  # 20:59
