"""Export rules without I/O: who may ask, headers, parameter checks, pages of the roster walk."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.errors import ValidationFailed
from chalicelib.exports import model, service, sources


def test_finance_sees_money_not_people() -> None:
    assert {kind for kind, groups in model.WHO_MAY.items() if "finance" in groups} == {"sales", "payouts"}
    assert all("admin" in groups for groups in model.WHO_MAY.values())
    assert set(model.WHO_MAY) == set(model.KINDS) == set(model.COLUMNS)


def test_every_kind_has_both_headers_and_no_contact_columns() -> None:
    for kind in model.KINDS:
        english, indonesian = model.header(kind, "en"), model.header(kind, "id")
        assert len(english) == len(set(english)) == len(indonesian) == len(set(indonesian))
        assert not {"email", "phone_number", "buyer_id", "address"} & set(english)
    assert model.header("compliance", "en") == [
        "nip",
        "name",
        "department",
        "grade",
        "quota_idr",
        "spent_idr",
        "compliant",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "compliance", "month": "2026-13"}, "month"),
        ({"kind": "compliance", "month": "2021-06"}, "month"),
        ({"kind": "sales", "from": "2026-02-30"}, "from"),
        ({"kind": "sales", "from": "20260201"}, "from"),
        ({"kind": "sales", "from": "2026-03-01", "to": "2026-02-01"}, "to"),
        ({"kind": "sales", "from": "2021-01-01", "to": "2021-08-01"}, "from"),
        ({"kind": "payouts", "from": "2024-01-01", "to": "2025-06-01"}, "to"),
        ({"kind": "sales", "month": "2026-01"}, "month"),
        ({"kind": "payouts", "department": "Dinas"}, "department"),
    ],
)
def test_bad_parameters_name_their_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        service.check(model.NewExport.model_validate(body))
    assert caught.value.details["field"] == field


def test_defaults_are_filled_in() -> None:
    month = service.check(model.NewExport.model_validate({"kind": "laggards"}))
    assert set(month) == {"month"}
    days = service.check(model.NewExport.model_validate({"kind": "sales", "to": "2026-01-31"}))
    assert days == {"from": "2026-01-02", "to": "2026-01-31"}


def test_the_request_model_refuses_unknown_kinds_fields_and_languages() -> None:
    for body in ({"kind": "all"}, {"kind": "sales", "lang": "fr"}, {"kind": "sales", "nip": "1"}, {}):
        with pytest.raises(ValidationError):
            model.NewExport.model_validate(body)


def test_roster_rows_are_grouped_into_pages_ending_with_none() -> None:
    rows: list[tuple[list[object], dict[str, str] | None]] = [
        (["a"], {"nip": "2"}),
        (["b"], {"nip": "2"}),
        (["c"], {"nip": "4"}),
        (["d"], None),
    ]
    assert list(sources._by_page(iter(rows))) == [
        ([["a"], ["b"]], {"nip": "2"}),
        ([["c"]], {"nip": "4"}),
        ([["d"]], None),
    ]
    # A walk that ends on a full page (its last key set) or yields nothing still ends with None.
    full: list[tuple[list[object], dict[str, str] | None]] = [(["a"], {"nip": "1"})]
    assert list(sources._by_page(iter(full))) == [([["a"]], {"nip": "1"}), ([], None)]
    assert list(sources._by_page(iter([]))) == [([], None)]
