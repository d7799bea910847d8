"""Audit entries keep only the changed fields and never a whole NIP, phone, email or account number."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from chalicelib.audit import actor, model
from chalicelib.auth import Principal


def test_only_changed_fields_are_kept() -> None:
    before, after = model.diff({"a": 1, "b": "x", "c": None}, {"a": 2, "b": "x", "d": 5})
    assert before == {"a": 1}
    assert after == {"a": 2, "d": 5}


def test_a_creation_keeps_every_given_field_and_a_removal_every_old_one() -> None:
    assert model.diff(None, {"name": "Toko", "status": "pending"}) == ({}, {"name": "Toko", "status": "pending"})
    assert model.diff({"department": "Dinas"}, None) == ({"department": "Dinas"}, {})


def test_no_change_is_an_empty_entry() -> None:
    assert model.diff({"a": 1}, {"a": 1}) == ({}, {})


@pytest.mark.parametrize(
    ("field", "value", "kept"),
    [
        ("account_number", "1234567890", "7890"),
        ("nip", "198001012006041001", "1001"),
        ("phone_number", "081234567890", "890"),
    ],
)
def test_numbers_keep_only_their_last_digits(field: str, value: str, kept: str) -> None:
    shown = model.mask_value(field, value)
    assert shown.endswith(kept) and value not in shown and not any(c.isdigit() for c in shown[: -len(kept)])


def test_emails_and_personal_names_keep_a_letter() -> None:
    assert model.mask_value("email", "budi.santoso@surabaya.go.id") == "b•••@surabaya.go.id"
    assert model.masked("asn", {"name": "Budi Santoso"}) == {"name": "B•••"}
    assert model.masked("store", {"name": "Toko Sumber Rejeki"}) == {"name": "Toko Sumber Rejeki"}  # not a person


def test_masking_reaches_nested_values_and_lists() -> None:
    fields: dict[str, Any] = {
        "nip": ["198001012006041001", "198001012006041002"],
        "contacts": {"email": "a@b.id", "phone_number": "081234567890"},
        "rows": [{"account_number": "1234567890"}],
    }
    shown = str(model.masked("roster", fields))
    for whole in ("198001012006041001", "198001012006041002", "a@b.id", "081234567890", "1234567890"):
        assert whole not in shown


def test_entry_fields_diff_then_mask() -> None:
    before, after = model.entry_fields(
        "payout_account",
        {"account_number": "1111111111", "bank_code": "014"},
        {"account_number": "2222222222", "bank_code": "014"},
    )
    assert before == {"account_number": "••••••1111"} and after == {"account_number": "••••••2222"}


def test_a_nip_target_is_a_keyed_pseudonym_found_from_the_nip(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.audit.service import filed_under

    nip = "198001012006041001"
    monkeypatch.setenv("PEKEN_PSEUDONYM_KEY", "first-key")
    filed = filed_under("asn", nip)
    assert nip not in filed and filed.startswith("asn-")
    assert filed_under("", nip) == filed  # the audit read's filter finds it from the NIP
    assert filed_under("store", "01JDZQ8V6W3X5Y7Z9A1B2C3D4E") == "01JDZQ8V6W3X5Y7Z9A1B2C3D4E"
    # Without the key nobody can try NIPs against it: the plain hash is not it, another key gives another.
    assert filed[4:] not in hashlib.sha256(nip.encode()).hexdigest()
    monkeypatch.setenv("PEKEN_PSEUDONYM_KEY", "second-key")
    assert filed_under("asn", nip) != filed


def test_no_pseudonym_without_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.audit.service import filed_under

    monkeypatch.delenv("PEKEN_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("PEKEN_PSEUDONYM_SECRET_ARN", raising=False)
    assert filed_under("store", "s1") == "s1"  # entries about anything else need no key
    with pytest.raises(RuntimeError, match="pseudonym key"):
        filed_under("asn", "198001012006041001")


def test_only_admins_finance_and_sellers_are_audited() -> None:
    for groups, audited in ((("buyer",), False), (("seller",), True), (("admin",), True), (("finance",), True)):
        token = actor.begin(Principal("u1", groups))
        try:
            assert (actor.current() is not None) == audited
        finally:
            actor.end(token)
    assert actor.current() is None  # outside a request (workers, schedules): nobody
