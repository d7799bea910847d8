"""Pure rules: ids, places, phone numbers, paging, messages, texts."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from chalicelib import ids, wilayah
from chalicelib.errors import ValidationFailed
from chalicelib.messages import Notify, PoisonMessage, parse_message
from chalicelib.notifications import texts
from chalicelib.paging import decode_cursor, encode_cursor, page_request
from chalicelib.validators import check_email, normalise_phone


def test_ulids_sort_by_time_and_are_unique() -> None:
    earlier = ids.new_id(at_ms=1_700_000_000_000)
    later = ids.new_id(at_ms=1_700_000_000_001)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", earlier)
    assert earlier < later
    assert len({ids.new_id() for _ in range(1000)}) == 1000


def test_iso_is_utc_with_z() -> None:
    assert ids.iso(datetime(2026, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)) == "2026-01-02T03:04:05.678Z"


def test_month_is_jakarta_time() -> None:
    # 17:30 UTC on 30 Nov is 00:30 on 1 Dec in Surabaya.
    assert ids.jakarta_month(datetime(2026, 11, 30, 17, 30, tzinfo=UTC)) == "2026-12"
    assert ids.jakarta_month(datetime(2026, 11, 30, 16, 59, tzinfo=UTC)) == "2026-11"


def test_surabaya_has_31_kecamatan_and_153_kelurahan() -> None:
    data = wilayah.load()
    assert len(data.kecamatan) == 31
    assert sum(len(k.kelurahan) for k in data.kecamatan.values()) == 153


@pytest.mark.parametrize(
    "kecamatan, kelurahan, expected",
    [
        ("Gubeng", "airlangga", ("Gubeng", "Airlangga")),
        ("asemrowo", "Asemrowo", ("Asem Rowo", "Asem Rowo")),
        ("Pabean Cantikan", "Perak Timur", ("Pabean Cantian", "Tanjung Perak")),
        ("Rungkut", "Wonorejo", ("Rungkut", "Wonorejo")),
        ("Tegalsari", "WONOREJO", ("Tegalsari", "Wonorejo")),
        ("Tegalsari", "Dr Sutomo", ("Tegalsari", "Dr. Soetomo")),
    ],
)
def test_common_spellings_resolve_to_official_names(kecamatan: str, kelurahan: str, expected: tuple[str, str]) -> None:
    official = wilayah.find_kecamatan(kecamatan)
    assert official is not None
    assert (official, wilayah.find_kelurahan(official, kelurahan)) == expected


def test_kelurahan_must_lie_in_its_kecamatan() -> None:
    assert wilayah.find_kelurahan("Gubeng", "Ketabang") is None  # Ketabang is in Genteng
    assert wilayah.find_kelurahan("Sukolilo", "Sukolilo Baru") is None  # it is in Bulak
    assert wilayah.find_kecamatan("Jakarta Selatan") is None


@pytest.mark.parametrize(
    "raw, normalised",
    [("081234567890", "+6281234567890"), ("+62 812-3456-7890", "+6281234567890"), ("6281234567", "+6281234567")],
)
def test_phone_numbers_normalise_to_e164(raw: str, normalised: str) -> None:
    assert normalise_phone(raw) == normalised


@pytest.mark.parametrize("raw", ["12345", "+15551234567", "0212345678", "08abc", "+62812345678901234"])
def test_bad_phone_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        normalise_phone(raw)


def test_email_check() -> None:
    assert check_email("budi@surabaya.go.id") == "budi@surabaya.go.id"
    for bad in ("budi", "budi@", "@x.id", "a b@x.id", "budi@localhost"):
        with pytest.raises(ValueError):
            check_email(bad)


def test_page_request_limits() -> None:
    assert page_request({}, ("id",)).limit == 20
    assert page_request({"limit": "100"}, ("id",)).limit == 100
    for bad in ("0", "101", "-1", "abc", "1e3", ""):
        with pytest.raises(ValidationFailed) as caught:
            page_request({"limit": bad}, ("id",))
        assert caught.value.details["field"] == "limit"


def test_cursor_round_trip_and_tampering() -> None:
    cursor = encode_cursor({"id": "01ABC"})
    assert decode_cursor(cursor, ("id",)) == {"id": "01ABC"}
    for bad in ("!!!", encode_cursor({"id": "x", "user_id": "someone-else"}), encode_cursor({"id": 5}), "x" * 600):
        with pytest.raises(ValidationFailed):
            decode_cursor(bad, ("id",))


def test_messages_round_trip_and_poison() -> None:
    message = Notify(user_id="u1", kind="profile_updated", params={"fields": ["name"]}, correlation_id="c-1")
    again = parse_message(message.to_json())
    assert again == message
    for body in ("not json", '{"type": "unknown"}', '{"type": "notify"}', "[]"):
        with pytest.raises(PoisonMessage):
            parse_message(body)


def test_texts_speak_indonesian_by_default_and_english_on_request() -> None:
    title_id, body_id = texts.render("profile_updated", "id", {"fields": ["phone_number", "kecamatan"]})
    title_en, body_en = texts.render("profile_updated", "en", {"fields": ["phone_number"]})
    assert title_id == "Profil diperbarui" and "nomor telepon, kecamatan" in body_id
    assert title_en == "Profile updated" and "phone number" in body_en
    assert texts.render("profile_updated", "fr", {"fields": []})[0] == "Profil diperbarui"
