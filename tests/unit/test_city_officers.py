"""Day one for the city officers, without I/O: place suggestions, roster rows and CSV, sales dates, lists."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from chalicelib import http, wilayah
from chalicelib.bodies import KecamatanName
from chalicelib.catalog.categories import list_categories
from chalicelib.errors import ValidationFailed
from chalicelib.spending import model, roster
from chalicelib.validators import UnknownPlace, check_kecamatan, kelurahan_in

NIP = "198501012010011001"
GOOD = {"nip": NIP, "name": "Budi", "department": "Dinkopdag", "grade": "III/a"}
HEADER = ",".join(model.CSV_COLUMNS)


def test_the_wilayah_list_has_31_kecamatan_and_153_kelurahan_with_codes() -> None:
    items = wilayah.listing()["items"]
    assert len(items) == 31 and sum(len(k["kelurahan"]) for k in items) == 153
    tegalsari = next(k for k in items if k["kecamatan"] == "Tegalsari")
    assert tegalsari["kode"].startswith("35.78.")
    assert all(kel["kode"].startswith(tegalsari["kode"] + ".") for kel in tegalsari["kelurahan"])
    assert "Dr. Soetomo" in {kel["name"] for kel in tegalsari["kelurahan"]}


@pytest.mark.parametrize(
    ("typed", "suggested"), [("Tegalsary", "Tegalsari"), ("gubenk", "Gubeng"), ("Rungkud", "Rungkut")]
)
def test_a_misspelt_kecamatan_gets_a_suggestion(typed: str, suggested: str) -> None:
    with pytest.raises(UnknownPlace) as caught:
        check_kecamatan(typed)
    assert f"did you mean {suggested}?" in str(caught.value)
    assert caught.value.suggestions[0] == suggested


def test_kelurahan_suggestions_stay_in_the_kecamatan() -> None:
    with pytest.raises(UnknownPlace) as caught:
        kelurahan_in("Gubeng", "Airlanga")
    assert caught.value.suggestions == ["Airlangga"] and "did you mean Airlangga?" in str(caught.value)
    # Ketabang lies in Genteng: no suggestion of it for Gubeng.
    assert "Ketabang" not in wilayah.suggest_kelurahan("Gubeng", "Ketabang")
    assert wilayah.suggest_kecamatan("Jakarta Selatan") == []


class _Place(BaseModel):
    kecamatan: KecamatanName


def test_suggestions_reach_the_error_details_from_a_model_and_from_a_service() -> None:
    with pytest.raises(ValidationFailed) as from_model:
        http.validate(_Place, {"kecamatan": "Tegalsary"})
    details = from_model.value.body()["error"]["details"]
    assert details["field"] == "kecamatan" and details["suggestions"] == ["Tegalsari"]
    assert details["errors"][0]["suggestions"] == ["Tegalsari"]
    assert "did you mean Tegalsari?" in from_model.value.body()["error"]["message"]
    try:  # what the services do (stores, profiles, listing): raise from the validator's error
        try:
            kelurahan_in("Tegalsari", "Dr Sutomoo")
        except ValueError as exc:
            raise ValidationFailed.field("kelurahan", str(exc)) from exc
    except ValidationFailed as error:
        assert error.body()["error"]["details"]["suggestions"] == ["Dr. Soetomo"]


def test_every_bad_field_of_a_roster_row_is_reported() -> None:
    row, errors = roster.check_row({**GOOD, "nip": "123", "grade": "V/a", "email": "nope"})
    assert row is None
    assert [e["field"] for e in errors] == ["nip", "grade", "email"]


def test_a_roster_row_checks_its_kelurahan_in_its_kecamatan() -> None:
    row, errors = roster.check_row({**GOOD, "kecamatan": "gubeng", "kelurahan": "airlangga"})
    assert errors == [] and row is not None and (row.kecamatan, row.kelurahan) == ("Gubeng", "Airlangga")
    row, errors = roster.check_row({**GOOD, "grade": "X", "kecamatan": "Gubeng", "kelurahan": "Airlanga"})
    assert row is None and [e["field"] for e in errors] == ["grade", "kelurahan"]
    assert errors[1]["suggestions"] == ["Airlangga"]
    _, errors = roster.check_row({**GOOD, "kelurahan": "Airlangga"})
    assert errors == [{"field": "kelurahan", "message": "needs a kecamatan"}]


def test_csv_rows_follow_the_header_in_any_order() -> None:
    columns = list(reversed(model.CSV_COLUMNS))
    values = {**GOOD, "email": "budi@example.id", "phone_number": "", "kecamatan": "Gubeng", "kelurahan": ""}
    text = ",".join(columns) + "\r\n" + ",".join(values[c] for c in columns) + "\r\n\r\n"
    assert roster.csv_rows(("\ufeff" + text).encode()) == [{**GOOD, "email": "budi@example.id", "kecamatan": "Gubeng"}]
    assert roster.csv_rows(f'{HEADER}\n{NIP},"Santoso, Budi",Dinkopdag,III/a,,,,\n'.encode())[0]["name"] == (
        "Santoso, Budi"
    )


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        (b"", "body", "header row"),
        (b"nip,name,department,grade\n" + NIP.encode() + b",Budi,D,I/a\n", "header", "missing columns: email"),
        ((HEADER + ",salary\n").encode(), "header", "unknown columns: salary"),
        ((HEADER + ",nip\n").encode(), "header", "repeated columns: nip"),
        ((HEADER + "\n" + NIP + ",Budi\n").encode(), "body", "2 cells"),
        (b"\xff\xfe\x00", "body", "UTF-8"),
    ],
)
def test_bad_csv_is_a_clear_422(raw: bytes, field: str, words: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        roster.csv_rows(raw)
    assert caught.value.details["field"] == field and words in caught.value.message


class _Request:
    def __init__(self, content_type: str, raw: bytes) -> None:
        self.headers = {"content-type": content_type}
        self.raw_body = raw


def test_an_upload_is_json_unless_it_says_text_csv() -> None:
    csv_body = f"{HEADER}\n{NIP},Budi,Dinkopdag,III/a,,,,\n".encode()
    upload = roster.read_upload(_Request("text/csv; charset=utf-8", csv_body))
    assert upload.rows == [GOOD]
    assert roster.read_upload(_Request("application/json", b'{"rows": [{"nip": "1"}]}')).rows == [{"nip": "1"}]
    with pytest.raises(ValidationFailed):  # no rows at all
        roster.read_upload(_Request("text/csv", HEADER.encode()))
    too_many = HEADER + "\n" + f"{NIP},Budi,D,I/a,,,,\n" * (model.MAX_ROWS + 1)
    with pytest.raises(ValidationFailed):
        roster.read_upload(_Request("text/csv", too_many.encode()))


@pytest.mark.parametrize("nip", ["123", NIP + "0", "19850101201001100x", "".join(chr(0xFF10 + int(d)) for d in NIP)])
def test_a_malformed_nip_in_a_path_is_422(nip: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        roster.nip_of(nip)
    assert caught.value.details["field"] == "nip"


def test_an_asn_change_validates_like_an_upload() -> None:
    change = http.validate(model.AsnChange, {"active": False, "grade": "IV/a", "email": None})
    assert change.model_fields_set == {"active", "grade", "email"}
    for bad, field in (({"grade": "V/a"}, "grade"), ({"nip": NIP}, "nip"), ({"phone_number": "12"}, "phone_number")):
        with pytest.raises(ValidationFailed) as caught:
            http.validate(model.AsnChange, bad)
        assert caught.value.details["field"] == field


def _sales_dates(query: dict[str, str]) -> Any:
    from chalicelib.reports import service

    return service._dates(query)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"to": "2026-02-30"}, "to"),
        ({"from": "2026-02-30"}, "from"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "to"),
        ({"to": "2099-01-01"}, "to"),
        ({"from": "2019-01-01"}, "from"),
        ({"to": "2021-06-30"}, "to"),  # before e-Peken began (the default `from` starts with it)
        ({"from": "2022-01-01", "to": "2024-01-01"}, "to"),
    ],
)
def test_a_bad_sales_date_is_reported_as_itself(query: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _sales_dates(query)
    assert caught.value.details["field"] == field


def test_categories_answer_the_list_once() -> None:
    answer: dict[str, Any] = dict(list_categories())
    assert set(answer) == {"items", "next_cursor"} and len(answer["items"]) == 5
