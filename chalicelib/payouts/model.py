"""Payout account rules without I/O: methods, statuses, the bank list, inputs, masking.

The bank list ships with the app (`chalicelib/data/indonesian_bank_codes.csv`: common
Indonesian interbank transfer codes, three digits each, with the names people type); it is
read once per process. A bank code not on it is refused (422 naming `bank_code`), with the
codes whose bank's name matches what was sent, or codes close to it, as suggestions.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, Field, StringConstraints

from chalicelib import csvfile
from chalicelib.bodies import Body
from chalicelib.masking import mask_account_number
from chalicelib.text import normalise

Method = Literal["bank_transfer", "stripe_connect"]
METHODS: tuple[Method, ...] = get_args(Method)
DEFAULT_METHOD: Method = "bank_transfer"  # works for every seller with an Indonesian bank account
AccountStatus = Literal["pending_verification", "verified", "rejected"]
ACCOUNT_STATUSES: tuple[AccountStatus, ...] = get_args(AccountStatus)
BANK_FIELDS = ("bank_code", "account_number", "account_name")
ACCOUNT_NUMBER_PATTERN = r"^[0-9]{6,20}$"
MAX_ACCOUNT_NAME = 100
MAX_SUGGESTIONS = 3
DATA = Path(__file__).resolve().parents[1] / "data" / "indonesian_bank_codes.csv"


class UnknownBank(ValueError):
    """A bank code not on the shipped list; `suggestions` are codes of the list (ValidationFailed shows them)."""

    def __init__(self, suggestions: list[str]) -> None:
        hint = f"; did you mean {suggestions[0]}?" if suggestions else ""
        super().__init__("not a known Indonesian bank code (3 digits, e.g. 014 for BCA)" + hint)
        self.suggestions = suggestions


@lru_cache(maxsize=1)
def banks() -> dict[str, str]:
    """Bank code -> bank name, from the shipped list (read once per process)."""
    with open(DATA, encoding="utf-8") as fh:
        return {row["code"]: row["name"] for row in csv.DictReader(fh)}


@lru_cache(maxsize=1)
def _spellings() -> dict[str, str]:
    """Folded bank names and aliases -> code."""
    found: dict[str, str] = {}
    with open(DATA, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for spelling in (row["name"], *row["aliases"].split("|")):
                found.setdefault(normalise(spelling), row["code"])
    return found


def suggest_banks(value: str) -> list[str]:
    """Codes a wrong bank code may have meant: by bank name ("bca" -> 014), else codes that look alike."""
    folded = normalise(value)
    named = _spellings().get(folded)
    if named:
        return [named]
    close = difflib.get_close_matches(folded, list(_spellings()), n=MAX_SUGGESTIONS, cutoff=0.75)
    by_name = list(dict.fromkeys(_spellings()[c] for c in close))
    digits = re.sub(r"[^0-9]", "", value)
    by_code = [c for c in banks() if digits and (c == digits.zfill(3) or c.lstrip("0") == digits.lstrip("0"))]
    return list(dict.fromkeys(by_code + by_name))[:MAX_SUGGESTIONS]


def check_bank_code(value: str) -> str:
    """Return the code if it is on the shipped list, else raise UnknownBank with suggestions."""
    if value not in banks():
        raise UnknownBank(suggest_banks(value))
    return value


def fold_name(value: str) -> str:
    """An account holder's name as stored: Unicode-normalised (NFKC), spaces collapsed, trimmed."""
    text = " ".join(unicodedata.normalize("NFKC", value).split())
    if not text:
        raise ValueError("must not be empty")
    if len(text) > MAX_ACCOUNT_NAME:
        raise ValueError(f"at most {MAX_ACCOUNT_NAME} characters")
    if any(unicodedata.category(c).startswith("C") for c in text):
        raise ValueError("must not contain control characters")
    return text


def mask(account_number: str | None) -> str | None:
    """Show only the last digits: `••••••7890` (None stays None; `chalicelib.masking`)."""
    return mask_account_number(account_number)


BankCode = Annotated[
    str,
    StringConstraints(max_length=32),
    AfterValidator(check_bank_code),
    Field(
        description="Interbank code from the shipped list (e.g. 014 BCA, 002 BRI, 114 Bank Jatim).", examples=["014"]
    ),
]
AccountNumber = Annotated[
    str,
    StringConstraints(pattern=ACCOUNT_NUMBER_PATTERN),
    Field(description="6 to 20 digits, nothing else (no spaces or dashes).", examples=["1234567890"]),
]
AccountName = Annotated[
    str,
    StringConstraints(max_length=4 * MAX_ACCOUNT_NAME),
    AfterValidator(fold_name),
    Field(description=f"The account holder's name as the bank knows it (trimmed, at most {MAX_ACCOUNT_NAME})."),
]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class PayoutAccountInput(Body):
    """PUT /v1/stores/{store_id}/payout-account: a bank account, or Stripe Connect."""

    method: Method
    bank_code: BankCode | None = None
    account_number: AccountNumber | None = None
    account_name: AccountName | None = None

    def problems(self) -> list[dict[str, str]]:
        """Fields missing for a bank transfer, or sent with Stripe Connect (which keeps no bank details)."""
        if self.method == "bank_transfer":
            return [
                {"field": f, "message": "required for bank_transfer"} for f in BANK_FIELDS if getattr(self, f) is None
            ]
        return [{"field": f, "message": "only with bank_transfer"} for f in BANK_FIELDS if getattr(self, f) is not None]


class PayoutAccountVerification(Body):
    """POST /v1/admin/stores/{store_id}/payout-account/verify: empty to verify, `reject` to refuse."""

    reject: Reason | None = None


# --- payout batches ----------------------------------------------------------------------

# A batch is `building` while the run makes its payouts (a run that died is finished by the
# next run), `pending_approval` until finance approves, `processing` while payouts wait for
# their results (bank) or transfers, `completed` once every payout is paid or failed.
BatchStatus = Literal["building", "pending_approval", "processing", "completed"]
BATCH_STATUSES: tuple[BatchStatus, ...] = get_args(BatchStatus)
PayoutStatus = Literal["pending_approval", "processing", "paid", "failed"]
PAYOUT_STATUSES: tuple[PayoutStatus, ...] = get_args(PayoutStatus)
# A payout without a result yet (in an approved batch: being sent, or waiting for the bank).
WAITING: tuple[PayoutStatus, ...] = ("pending_approval", "processing")
ResultStatus = Literal["paid", "failed"]
MAX_RESULTS = 500
BANK_FILE_COLUMNS = ("payout_id", "bank_code", "account_number", "account_name", "amount_idr", "description")
Reference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class PayoutResult(Body):
    """The bank's (or the treasury's) result for one payout."""

    payout_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    status: ResultStatus
    reference: Reference | None = None
    reason: Reason | None = None


class PayoutResults(Body):
    """POST /v1/admin/payout-batches/{batch_id}/results."""

    results: Annotated[list[PayoutResult], Field(min_length=1, max_length=MAX_RESULTS)]


@dataclass(frozen=True)
class BankLine:
    """One row of the bulk-transfer file (the only place the whole account number is written)."""

    payout_id: str
    bank_code: str
    account_number: str
    account_name: str
    amount_idr: int


def description(payout_id: str) -> str:
    """The transfer's description the seller sees on their bank statement."""
    return f"e-Peken payout {payout_id}"


def bank_file(lines: list[BankLine]) -> str:
    """The bulk-transfer CSV: a header row, one row per bank payout (CRLF, as banks' importers expect)."""
    rows = (
        (
            line.payout_id,
            line.bank_code,
            line.account_number,
            line.account_name,
            line.amount_idr,
            description(line.payout_id),
        )
        for line in lines
    )
    return csvfile.write(BANK_FILE_COLUMNS, rows, line_end="\r\n")
