"""Files for spreadsheets: text that would run as a formula is written as text; numbers stay numbers."""

from __future__ import annotations

import csv
import io

from chalicelib import csvfile
from chalicelib.payouts import model


def test_cells_a_spreadsheet_would_run_get_a_leading_quote_and_numbers_do_not() -> None:
    written = csvfile.write(("a", "b", "c"), [("=HYPERLINK(1)", -5000, "+62 812"), ("@SUM(A1)", None, "Sri")])
    rows = list(csv.reader(io.StringIO(written)))
    assert rows == [["a", "b", "c"], ["'=HYPERLINK(1)", "-5000", "'+62 812"], ["'@SUM(A1)", "", "Sri"]]


def test_the_bank_file_never_carries_a_formula_in_a_name() -> None:
    line = model.BankLine("01PAYOUT", "014", "1234567890", "-cmd|' /C calc'!A0", 50_000)
    rows = list(csv.reader(io.StringIO(model.bank_file([line]))))
    assert rows[1][3].startswith("'") and rows[1][4] == "50000"
    assert model.bank_file([line]).endswith("\r\n")  # banks' importers expect CRLF
