"""Risk rule self_dealing: a buyer who shares an identity field with the store's owner."""

from __future__ import annotations

from chalicelib.risk import self_dealing
from chalicelib.risk.model import Finding
from chalicelib.risk.self_dealing import identity

NIP = "198001012006041001"


def flag(buyer: self_dealing.Identity, owner: self_dealing.Identity, nip: str = NIP) -> Finding | None:
    return self_dealing.check(buyer, owner, "s1", "buyer-1", nip, "o1", 25_000)


def test_phone_numbers_match_whatever_their_spelling() -> None:
    assert self_dealing.normal_phone("+62 812-3456-7890") == self_dealing.normal_phone("081234567890")
    buyer, owner = identity(phones=["6281234567890"]), identity(phones=["0812 3456 7890"])
    assert self_dealing.matches(buyer, owner) == ["phone"]


def test_emails_match_without_case_and_spaces() -> None:
    assert self_dealing.matches(identity(emails=[" Budi@Mail.id"]), identity(emails=["budi@mail.id"])) == ["email"]


def test_the_payout_account_holder_is_compared_with_the_buyers_names() -> None:
    buyer, owner = identity(names=["Budi  Santoso"]), identity(names=["BUDI SANTOSO."])
    assert self_dealing.matches(buyer, owner) == ["payout_account_name"]


def test_a_shared_nip_and_several_fields_are_all_named_in_order() -> None:
    buyer = identity(nips=[NIP], emails=["a@b.id"], phones=["0811"])
    owner = identity(nips=[NIP], emails=["A@B.ID"], phones=["0811"])
    assert self_dealing.matches(buyer, owner) == ["nip", "phone", "email"]


def test_the_flag_keeps_which_fields_matched_never_the_values() -> None:
    found = flag(identity(emails=["budi@mail.id"]), identity(emails=["BUDI@mail.id"]))
    assert found is not None and found.rule == "self_dealing"
    assert found.subject == {"store_id": "s1", "buyer_id": "buyer-1", "nip": NIP}
    assert found.evidence == {"matched": ["email"], "order_id": "o1", "amount_idr": 25_000}
    assert "budi" not in repr(found).casefold()


def test_strangers_and_missing_values_do_not_match() -> None:
    assert flag(identity(emails=["a@b.id"], phones=["0811"]), identity(emails=["c@d.id"], phones=["0822"])) is None
    assert flag(identity(emails=[None], phones=[""]), identity(emails=[None], phones=[""])) is None
    assert flag(identity(names=["..."]), identity(names=["!!!"])) is None


def test_a_buyer_without_a_nip_has_no_nip_in_the_subject() -> None:
    found = flag(identity(phones=["0811"]), identity(phones=["0811"]), nip="")
    assert found is not None and found.subject == {"store_id": "s1", "buyer_id": "buyer-1"}


def test_one_flag_per_rule_subject_and_month() -> None:
    found = flag(identity(phones=["0811"]), identity(phones=["0811"]))
    assert found is not None
    again = self_dealing.check(identity(phones=["0811"]), identity(phones=["0811"]), "s1", "buyer-1", NIP, "o2", 9)
    assert again is not None and again.flag_id("2025-05") == found.flag_id("2025-05")
    assert found.flag_id("2025-06") != found.flag_id("2025-05")
    assert found.flag_id("2025-05").startswith("rf_")
