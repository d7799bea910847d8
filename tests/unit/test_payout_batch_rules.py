"""Payout batch rules without I/O: the bulk-transfer file, the result bodies, the payout moves."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from chalicelib import http
from chalicelib.errors import ValidationFailed
from chalicelib.payouts import model
from chalicelib.settlement import model as settlement


def test_the_bank_file_has_the_header_and_one_row_per_payout_with_the_whole_number_and_a_description() -> None:
    lines = [
        model.BankLine("01PAYOUTA", "014", "0012345678", "Sri Rejeki", 50_000),
        model.BankLine("01PAYOUTB", "114", "9876543210", 'Toko "Maju", Jaya', 12_345),
    ]
    text = model.bank_file(lines)
    assert text.startswith("payout_id,bank_code,account_number,account_name,amount_idr,description\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == model.BANK_FILE_COLUMNS
    assert rows[1] == ["01PAYOUTA", "014", "0012345678", "Sri Rejeki", "50000", "e-Peken payout 01PAYOUTA"]
    assert rows[2][3] == 'Toko "Maju", Jaya'  # quoted, read back whole
    assert rows[2][1] == "114" and rows[2][2] == "9876543210"  # leading zeros and digits kept as text
    assert len(rows) == 3


def test_an_empty_bank_file_is_just_the_header() -> None:
    assert list(csv.reader(io.StringIO(model.bank_file([])))) == [list(model.BANK_FILE_COLUMNS)]


def test_results_name_paid_or_failed_and_nothing_else() -> None:
    body = http.validate(model.PayoutResults, {"results": [{"payout_id": "p1", "status": "failed", "reason": " x "}]})
    assert body.results[0].reason == "x"
    bad: dict[str, Any]
    for bad in (
        {"results": []},
        {"results": [{"payout_id": "p1", "status": "sent"}]},
        {"results": [{"status": "paid"}]},
    ):
        with pytest.raises(ValidationFailed):
            http.validate(model.PayoutResults, bad)


def test_a_payout_moves_available_to_in_payout_then_paid_out_or_back_and_stays_balanced() -> None:
    hold, paid, failed = settlement.payout_hold(700), settlement.payout_paid(700), settlement.payout_failed(700)
    assert (hold.available_idr, hold.in_payout_idr, hold.owed_idr) == (-700, 700, 0)
    assert (paid.in_payout_idr, paid.paid_out_idr, paid.owed_idr) == (-700, 700, -700)
    assert (failed.in_payout_idr, failed.available_idr, failed.owed_idr) == (-700, 700, 0)
    assert hold.difference_idr == paid.difference_idr == failed.difference_idr == 0
