"""Settlement arithmetic and closed sets: pure functions, no I/O.

Money is whole Rupiah. The platform fee of an order is `floor(total * bps / 10_000)`; a
refund gives back the fee in proportion, floored on the running total, so the fee shares of
an order's refunds add up to exactly its fee once the whole order is refunded.

A `Moves` is what one ledger entry does to the counters: the seller's buckets (pending,
available, in payout, paid out), the platform's fee, and what was charged and refunded. An
entry that is balanced keeps `charged - refunded == pending + available + in_payout +
paid_out + platform_fee` true, which is the money report's `difference_idr == 0`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

BPS = 10_000
# Every kind of entry in the ledger; the statement shows all but `release` (pending ->
# available) and `payout_hold` (available -> in payout: a payout made, not paid yet), which
# leave what the store is owed unchanged. `payout` is the payout paid (in payout -> paid out);
# `payout_failed` its money back in available (amount 0 on the statement, with its payout id).
EntryKind = Literal["earning", "release", "refund", "payout_hold", "payout", "payout_failed", "adjustment"]
ENTRY_KINDS: tuple[EntryKind, ...] = (
    "earning",
    "release",
    "refund",
    "payout_hold",
    "payout",
    "payout_failed",
    "adjustment",
)
StatementKind = Literal["earning", "refund", "payout", "payout_failed", "adjustment"]
STATEMENT_KINDS: tuple[StatementKind, ...] = ("earning", "refund", "payout", "payout_failed", "adjustment")
# The counters every balance and report item keeps (and every entry moves).
COUNTERS = (
    "pending_idr",
    "available_idr",
    "in_payout_idr",
    "paid_out_idr",
    "platform_fee_idr",
    "charged_idr",
    "refunded_idr",
)
STATEMENT_FORMATS = ("json", "csv")
CSV_COLUMNS = ("at", "kind", "order_id", "payout_id", "amount_idr", "platform_fee_idr", "balance_idr")


@dataclass(frozen=True)
class Moves:
    """What one entry adds to each counter (negative: takes away)."""

    pending_idr: int = 0
    available_idr: int = 0
    in_payout_idr: int = 0
    paid_out_idr: int = 0
    platform_fee_idr: int = 0
    charged_idr: int = 0
    refunded_idr: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @property
    def owed_idr(self) -> int:
        """The change in what the store is owed (pending + available + in payout): the statement's amount."""
        return self.pending_idr + self.available_idr + self.in_payout_idr

    @property
    def difference_idr(self) -> int:
        """Charged - refunded - (everything it went to): 0 for every balanced entry."""
        held = self.owed_idr + self.paid_out_idr + self.platform_fee_idr
        return self.charged_idr - self.refunded_idr - held


def platform_fee(total_idr: int, fee_bps: int) -> int:
    """The platform's fee of an order: `fee_bps` basis points of its total, floored to whole Rupiah."""
    return total_idr * fee_bps // BPS


def earning(total_idr: int, fee_bps: int) -> Moves:
    """A paid order: the buyer was charged its total (delivery fee included); the store's part is pending."""
    fee = platform_fee(total_idr, fee_bps)
    return Moves(pending_idr=total_idr - fee, platform_fee_idr=fee, charged_idr=total_idr)


def refund_fee_share(amount_idr: int, total_idr: int, fee_idr: int, refunded_before_idr: int) -> int:
    """The part of a refund that comes out of the platform's fee (in proportion, floored on the running sum)."""
    if total_idr <= 0:
        return 0
    after = min(total_idr, refunded_before_idr + amount_idr)
    return fee_idr * after // total_idr - fee_idr * refunded_before_idr // total_idr


def refund(amount_idr: int, total_idr: int, fee_idr: int, refunded_before_idr: int, released: bool) -> Moves:
    """A refund: the buyer gets `amount_idr` back, from the store's pending money (or, once released, available)."""
    fee_share = refund_fee_share(amount_idr, total_idr, fee_idr, refunded_before_idr)
    store_share = amount_idr - fee_share
    bucket = {"available_idr": -store_share} if released else {"pending_idr": -store_share}
    return Moves(platform_fee_idr=-fee_share, refunded_idr=amount_idr, **bucket)


def release(pending_idr: int) -> Moves:
    """An order's pending money becomes available (completed, hold passed, no open dispute)."""
    return Moves(pending_idr=-pending_idr, available_idr=pending_idr)


def payout_hold(amount_idr: int) -> Moves:
    """A payout made: its amount leaves available and is in payout until the result."""
    return Moves(available_idr=-amount_idr, in_payout_idr=amount_idr)


def payout_paid(amount_idr: int) -> Moves:
    """A payout the bank or Stripe paid: in payout -> paid out."""
    return Moves(in_payout_idr=-amount_idr, paid_out_idr=amount_idr)


def payout_failed(amount_idr: int) -> Moves:
    """A payout that failed: its money returns to available."""
    return Moves(in_payout_idr=-amount_idr, available_idr=amount_idr)


def payout_reversed(amount_idr: int) -> Moves:
    """Part of a paid payout taken back from the store (a Connect transfer reversal): paid out -> available."""
    return Moves(paid_out_idr=-amount_idr, available_idr=amount_idr)


def add(total: dict[str, int], moves: dict[str, int]) -> dict[str, int]:
    """Sum counters (missing ones count 0)."""
    return {name: int(total.get(name, 0)) + int(moves.get(name, 0)) for name in COUNTERS}
