"""Spending rules without I/O: roster rows, grades, quotas, months, reminder stages."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints, field_validator

from chalicelib.auth import NIP_PATTERN
from chalicelib.bodies import Body, Email, KecamatanName, KelurahanName, PersonName, Phone

# Civil-servant ranks (golongan/ruang) I/a .. IV/e.
GRADES = tuple(f"{g}/{r}" for g, rs in (("I", "abcd"), ("II", "abcd"), ("III", "abcd"), ("IV", "abcde")) for r in rs)
# `YYYY-MM` in ASCII digits; `$` ends the text in JSON Schema, and `re.fullmatch` refuses a final newline.
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
FIRST_MONTH = "2021-07"  # e-Peken started in July 2021
MAX_ROWS = 500  # rows of one roster upload
MAX_DEPARTMENT_CHARS = 100
DEFAULT_QUOTA_IDR = 300_000  # e-Bakul's published floor; the city sets its own
# The header of a roster upload in CSV (`Content-Type: text/csv`): these columns, in any order.
CSV_COLUMNS = ("nip", "name", "department", "grade", "email", "phone_number", "kecamatan", "kelurahan")


def _known_grade(value: str) -> str:
    if value not in GRADES:
        raise ValueError(f"unknown grade; use one of {', '.join(GRADES)}")
    return value


Department = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_DEPARTMENT_CHARS)]
Grade = Annotated[str, AfterValidator(_known_grade), Field(json_schema_extra={"enum": list(GRADES)})]


class AsnRow(Body):
    """One roster row."""

    nip: Annotated[str, StringConstraints(pattern=NIP_PATTERN)]
    name: PersonName
    department: Department
    grade: Grade
    email: Email | None = None
    phone_number: Phone | None = None
    kecamatan: KecamatanName | None = None
    kelurahan: KelurahanName | None = None


class AsnChange(Body):
    """PATCH /v1/admin/asn/{nip}: the fields to change, checked like an upload's.

    `active` false deactivates, true reactivates; null removes a contact or a place (not the
    name, department, grade or flag).
    """

    active: bool | None = None
    name: PersonName | None = None
    department: Department | None = None
    grade: Grade | None = None
    email: Email | None = None
    phone_number: Phone | None = None
    kecamatan: KecamatanName | None = None
    kelurahan: KelurahanName | None = None


class _DocumentedAsRows:
    """Document a list of raw rows as a list of AsnRow (each row is validated on its own)."""

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema: dict[str, Any] = handler(core_schema)
        schema["items"] = handler(AsnRow.__pydantic_core_schema__)
        return schema


class RosterUpload(Body):
    """POST /v1/admin/asn: each row is checked on its own (bad rows are reported, good rows kept)."""

    rows: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=MAX_ROWS), _DocumentedAsRows()]


class ReminderRunRequest(Body):
    """POST /v1/admin/reminders/run: the month and the day to run as (both optional)."""

    month: Annotated[str, StringConstraints(pattern=MONTH_PATTERN)] | None = None
    as_of: Annotated[str, Field(json_schema_extra={"format": "date"})] | None = None


class Policy(Body):
    """PUT /v1/admin/spending-policy."""

    default_quota_idr: int = Field(ge=0, le=1_000_000_000)
    quota_by_grade: dict[str, Annotated[int, Field(ge=0, le=1_000_000_000)]] = Field(
        default_factory=dict, json_schema_extra={"propertyNames": {"enum": list(GRADES)}}
    )

    @field_validator("quota_by_grade")
    @classmethod
    def _known_grades(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = [g for g in value if g not in GRADES]
        if unknown:
            raise ValueError(f"unknown grade {unknown[0]!r}")
        return value

    def quota(self, grade: str) -> int:
        """Return the monthly quota of a grade."""
        return int(self.quota_by_grade.get(grade, self.default_quota_idr))


def valid_month(value: str, latest: str) -> bool:
    """Tell whether a `YYYY-MM` month lies between e-Peken's start and the given latest month."""
    return re.fullmatch(MONTH_PATTERN, value) is not None and FIRST_MONTH <= value <= latest


def days_in(month: str) -> int:
    """Return the number of days of a month."""
    year, number = (int(p) for p in month.split("-"))
    return calendar.monthrange(year, number)[1]


@dataclass(frozen=True)
class Stage:
    """A reminder stage: from a day of the month, or a number of days before its end."""

    name: str
    from_day: int


def stages(month: str, spec: str) -> list[Stage]:
    """Read the stage setting (e.g. `day10:10,day20:20,last3:-3`); negative days count from the end."""
    out = []
    for part in spec.split(","):
        name, _, day = part.strip().partition(":")
        start = int(day)
        out.append(Stage(name, days_in(month) + start + 1 if start < 0 else start))
    return sorted(out, key=lambda s: s.from_day)


def current_stage(month: str, day: int, spec: str) -> Stage | None:
    """Return the latest stage that has begun by this day of the month, if any."""
    begun = [s for s in stages(month, spec) if s.from_day <= day]
    return begun[-1] if begun else None
