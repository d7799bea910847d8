"""Field rules shared by every domain: phone numbers, emails, places, days, closed sets.

No pydantic here: the body field types built on these rules are in `chalicelib.bodies`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from chalicelib import wilayah
from chalicelib.errors import ValidationFailed

Choice = TypeVar("Choice", bound=str)

_PHONE_DIGITS = re.compile(r"^\+628[0-9]{7,11}\Z")  # ASCII digits: \d takes any script
EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def normalise_phone(value: str) -> str:
    """Write an Indonesian mobile number as E.164 `+628…`; accept `08…`, `628…`, spaces and dashes."""
    digits = re.sub(r"[\s\-().]", "", value)
    if digits.startswith("08"):
        digits = "+62" + digits[1:]
    elif digits.startswith("628"):
        digits = "+" + digits
    if not _PHONE_DIGITS.match(digits):
        raise ValueError("must be an Indonesian mobile number like 0812… or +62812…")
    return digits


def check_email(value: str) -> str:
    """Accept a plausible email address."""
    if len(value) > 254 or not EMAIL.match(value):
        raise ValueError("must be an email address")
    return value


class UnknownPlace(ValueError):
    """A kecamatan or kelurahan not on the official list, with the closest official names.

    `ValidationFailed` puts `suggestions` in an error's details, whether the place was checked
    by a pydantic model (the error's context) or by a service that raised `from` this error.
    """

    def __init__(self, message: str, suggestions: list[str]) -> None:
        hint = f"; did you mean {suggestions[0]}?" if suggestions else ""
        super().__init__(message + hint)
        self.suggestions = suggestions


def check_kecamatan(value: str) -> str:
    """Return the official name of a Surabaya kecamatan, accepting common spellings."""
    official = wilayah.find_kecamatan(value)
    if official is None:
        raise UnknownPlace("unknown kecamatan of Surabaya", wilayah.suggest_kecamatan(value))
    return official


def kelurahan_in(kecamatan: str, value: str) -> str:
    """Return the official kelurahan name if it lies in the kecamatan, else raise."""
    official = wilayah.find_kelurahan(kecamatan, value)
    if official is None:
        raise UnknownPlace(f"not a kelurahan of kecamatan {kecamatan}", wilayah.suggest_kelurahan(kecamatan, value))
    return official


_PLACE_PREFIX = re.compile(r"^(kecamatan|kelurahan|kec|kel|desa)\b\.?\s*", re.IGNORECASE)


def places_in(address: str) -> tuple[str | None, str | None]:
    """The official kecamatan and kelurahan an address text names as comma-separated parts, if any.

    "Jl. Airlangga 4, Kel. Airlangga, Kec. Gubeng, Surabaya" -> ("Gubeng", "Airlangga"). Only a
    whole part counts ("Jl. Gubeng Kertajaya 5" names no kecamatan); the last kecamatan wins.
    """
    parts = [_PLACE_PREFIX.sub("", part.strip()) for part in address.split(",")]
    found = [(i, k) for i, k in enumerate(wilayah.find_kecamatan(part) if part else None for part in parts) if k]
    if not found:
        return None, None
    at, kecamatan = found[-1]
    others = (wilayah.find_kelurahan(kecamatan, part) for i, part in enumerate(parts) if part and i != at)
    return kecamatan, next((k for k in others if k), None)


def place_change(
    given: set[str], kecamatan: str | None, kelurahan: str | None, saved: tuple[str | None, str | None]
) -> dict[str, str | None]:
    """The kecamatan and kelurahan after a change of either (`given`: the fields sent), over the `saved` pair.

    A kelurahan must lie in the kecamatan; a new kecamatan drops a saved kelurahan outside it;
    no kecamatan, no kelurahan. Empty when neither was sent.
    """
    if "kecamatan" not in given and "kelurahan" not in given:
        return {}
    kecamatan = kecamatan if "kecamatan" in given else saved[0]
    kelurahan = kelurahan if "kelurahan" in given else saved[1]
    if kecamatan is None:
        if "kelurahan" in given and kelurahan is not None:
            raise ValidationFailed.field("kelurahan", "needs a kecamatan")
        return {"kecamatan": None, "kelurahan": None}
    if kelurahan is not None:
        try:
            kelurahan = kelurahan_in(kecamatan, kelurahan)
        except UnknownPlace as exc:
            if "kelurahan" in given:
                raise ValidationFailed.field("kelurahan", str(exc)) from exc
            kelurahan = None
    return {"kecamatan": kecamatan, "kelurahan": kelurahan}


def day(name: str, value: object) -> date:
    """The calendar day `value` writes (`YYYY-MM-DD`); 422 naming the field when it is no day."""
    from chalicelib.ids import parse_day

    try:
        return parse_day(value)
    except ValueError as exc:
        raise ValidationFailed.field(name, "must be a date YYYY-MM-DD") from exc


FIRST_DAY = date(2021, 7, 1)  # e-Peken started in July 2021: no report or export reaches before it
MAX_RANGE_DAYS = 366  # one report or export covers at most a year


def day_range(start_text: str | None, end_text: str | None) -> tuple[date, date]:
    """The Jakarta days `from`..`to` (inclusive) a report or export covers, each checked.

    Defaults: `to` today, `from` 30 days before `to` (not before FIRST_DAY). 422 naming the
    field for a day that is no day, before FIRST_DAY, after today, a `from` after `to` or a
    range longer than MAX_RANGE_DAYS (blaming `to` when it was given, as the one to move).
    """
    from chalicelib.ids import JAKARTA, utcnow

    today = utcnow().astimezone(JAKARTA).date()
    end = day("to", end_text) if end_text else today
    start = day("from", start_text) if start_text else max(FIRST_DAY, end - timedelta(days=29))
    blamed = "to" if end_text else "from"
    if start < FIRST_DAY:
        raise ValidationFailed.field("from", f"must be {FIRST_DAY.isoformat()} or later")
    if end > today + timedelta(days=1):
        raise ValidationFailed.field("to", "must not be after today")
    if start > end:
        raise ValidationFailed.field(blamed, "need from <= to")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ValidationFailed.field(blamed, f"at most {MAX_RANGE_DAYS} days from `from` to `to`")
    return start, end


def day_param(query: Mapping[str, str], name: str) -> str:
    """A `from`/`to` day as given (`YYYY-MM-DD`), or "" when absent; 422 naming it when it is no day."""
    value = query.get(name) or ""
    if value:
        day(name, value)
    return value


def day_span(query: Mapping[str, str]) -> tuple[datetime | None, datetime | None]:
    """The first moment of `from` and the last millisecond of `to` (Jakarta days, inclusive), each None when absent.

    422 naming the field for a day that is no day, or `from` after `to`.
    """
    from chalicelib.ids import JAKARTA, parse_day

    start, end = day_param(query, "from"), day_param(query, "to")
    if start and end and start > end:
        raise ValidationFailed.field("from", "must not be after to")
    low = datetime.combine(parse_day(start), time(), JAKARTA) if start else None
    high = (
        datetime.combine(parse_day(end) + timedelta(days=1), time(), JAKARTA) - timedelta(milliseconds=1)
        if end
        else None
    )
    return low, high


def choice(query: Mapping[str, str], name: str, options: tuple[Choice, ...]) -> Choice | None:
    """`?name=` as one of a closed set's `options`; None when absent or empty; 422 naming it otherwise."""
    given = query.get(name) or None
    if given is None:
        return None
    for option in options:
        if option == given:
            return option
    raise ValidationFailed.field(name, "must be one of " + ", ".join(options))
