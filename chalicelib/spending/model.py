"""Spending rules without I/O: roster rows, grades, quotas, months, reminder stages."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from chalicelib.validators import Email, KecamatanName, KelurahanName, PersonName, Phone

# Civil-servant ranks (golongan/ruang) I/a .. IV/e.
GRADES = tuple(f"{g}/{r}" for g, rs in (("I", "abcd"), ("II", "abcd"), ("III", "abcd"), ("IV", "abcde")) for r in rs)
NIP = re.compile(r"^[0-9]{18}\Z")  # ASCII digits (\d takes any script), no final newline
MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])\Z")
FIRST_MONTH = "2021-07"  # e-Peken started in July 2021
MAX_ROWS = 500
MAX_DEPARTMENT_CHARS = 100
DEFAULT_QUOTA_IDR = 300_000  # e-Bakul's published floor; the city sets its own


class AsnRow(BaseModel):
    """One roster row."""

    model_config = ConfigDict(extra="forbid")

    nip: Annotated[str, StringConstraints(pattern=r"^[0-9]{18}$")]
    name: PersonName
    department: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_DEPARTMENT_CHARS)]
    grade: str
    email: Email | None = None
    phone_number: Phone | None = None
    kecamatan: KecamatanName | None = None
    kelurahan: KelurahanName | None = None

    @field_validator("grade")
    @classmethod
    def _known_grade(cls, value: str) -> str:
        if value not in GRADES:
            raise ValueError(f"unknown grade; use one of {', '.join(GRADES)}")
        return value


class Policy(BaseModel):
    """PUT /v1/admin/spending-policy."""

    model_config = ConfigDict(extra="forbid")

    default_quota_idr: int = Field(ge=0, le=1_000_000_000)
    quota_by_grade: dict[str, Annotated[int, Field(ge=0, le=1_000_000_000)]] = Field(default_factory=dict)

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
    return bool(MONTH.match(value)) and FIRST_MONTH <= value <= latest


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
