"""Payout account rules without I/O: the bank list, account numbers and names, masking, the provider boundary."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import http
from chalicelib.errors import InvalidTransition, ValidationFailed
from chalicelib.payouts import model, providers

BANK = {"method": "bank_transfer", "bank_code": "014", "account_number": "1234567890", "account_name": "Sri Rejeki"}


def details(error: ValidationFailed) -> dict[str, Any]:
    return dict(error.body()["error"]["details"])


def test_the_shipped_bank_list_has_the_common_codes_each_three_digits() -> None:
    banks = model.banks()
    assert len(banks) >= 30
    assert all(len(code) == 3 and code.isdigit() for code in banks)
    wanted = {"002": "BRI", "008": "Mandiri", "009": "BNI", "014": "BCA", "114": "Jatim", "200": "BTN", "451": "BSI"}
    for code, name in wanted.items():
        assert name in banks[code], (code, banks[code])


def test_a_bank_account_is_read_as_sent_with_the_name_tidied() -> None:
    account = http.validate(model.PayoutAccountInput, {**BANK, "account_name": "  Sri \t Rejeki  "})
    assert (account.bank_code, account.account_number, account.account_name) == ("014", "1234567890", "Sri Rejeki")
    assert account.problems() == []


@pytest.mark.parametrize(
    ("code", "suggested"),
    [("BCA", "014"), ("bank jatim", "114"), ("14", "014"), ("999", None), ("0140", None)],
)
def test_an_unknown_bank_code_is_refused_naming_the_field_with_suggestions(code: str, suggested: str | None) -> None:
    with pytest.raises(ValidationFailed) as caught:
        http.validate(model.PayoutAccountInput, {**BANK, "bank_code": code})
    found = details(caught.value)
    assert found["field"] == "bank_code"
    if suggested:
        assert found["suggestions"][0] == suggested


@pytest.mark.parametrize(
    "number", ["12345", "1" * 21, "1234 5678", "1234-5678", "١٢٣٤٥٦٧", "12345678\n", "", 1234567890]
)
def test_an_account_number_is_6_to_20_ascii_digits(number: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        http.validate(model.PayoutAccountInput, {**BANK, "account_number": number})
    assert details(caught.value)["field"] == "account_number"


@pytest.mark.parametrize("number", ["123456", "0" * 20, "0012345678"])
def test_leading_zeros_and_both_lengths_are_kept(number: str) -> None:
    assert http.validate(model.PayoutAccountInput, {**BANK, "account_number": number}).account_number == number


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "Sri\x00Rejeki"])
def test_an_account_name_is_1_to_100_printable_characters(name: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        http.validate(model.PayoutAccountInput, {**BANK, "account_name": name})
    assert details(caught.value)["field"] == "account_name"


def test_a_bank_transfer_needs_every_bank_field_and_connect_takes_none() -> None:
    partial = http.validate(model.PayoutAccountInput, {"method": "bank_transfer", "bank_code": "014"})
    assert [p["field"] for p in partial.problems()] == ["account_number", "account_name"]
    connect = http.validate(model.PayoutAccountInput, {"method": "stripe_connect", "bank_code": "014"})
    assert [p["field"] for p in connect.problems()] == ["bank_code"]
    assert http.validate(model.PayoutAccountInput, {"method": "stripe_connect"}).problems() == []
    with pytest.raises(ValidationFailed):
        http.validate(model.PayoutAccountInput, {"method": "xendit"})


def test_the_mask_shows_only_the_last_four_digits_and_hides_the_length() -> None:
    assert model.mask("1234567890") == "\u2022" * 6 + "7890"
    assert model.mask("00123456789012345678") == "\u2022" * 6 + "5678"
    assert model.mask(None) is None
    assert "123456" not in (model.mask("1234567890") or "")


def test_verification_takes_nothing_or_a_reason() -> None:
    assert http.validate(model.PayoutAccountVerification, {}).reject is None
    assert http.validate(model.PayoutAccountVerification, {"reject": " nama tidak cocok "}).reject == "nama tidak cocok"
    with pytest.raises(ValidationFailed):
        http.validate(model.PayoutAccountVerification, {"reject": ""})


def test_one_provider_per_method_and_bank_transfer_is_the_default() -> None:
    assert set(providers.PROVIDERS) == set(model.METHODS)
    assert model.DEFAULT_METHOD == "bank_transfer"
    with pytest.raises(InvalidTransition):
        providers.provider("bank_transfer").verify_from_webhook("acct_1")


def test_connect_account_events_reach_the_payments_worker() -> None:
    from chalicelib.payments import webhook, worker

    assert "account.updated" in webhook.HANDLED
    assert worker.OBJECT_PREFIXES["acct_"] == "account"
