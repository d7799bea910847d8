"""Seller settlement use cases: earnings, refunds, release after the hold; balance, statement, money report.

Invariant: every money effect is one append-only entry written in ONE transaction with the
counters it moves (`tables.write`), keyed by a deterministic id, so a redelivered event
changes nothing: for every store the sum of its entries equals its balance counters, and
platform-wide charged - refunded = pending + available + in payout + paid out + platform fee
(`difference_idr` = 0; API.md's formula leaves out the fee, which is 0 by default).

Fed by the order-events worker (`chalicelib.orders.events`): a paid order credits the
store's pending balance with its total minus the platform fee (`platform_fee_bps`, floored);
its completion makes it due for release `payout_hold_days` after `completed_at` (the hold
in force when the release job runs applies); the hourly release job moves it to available
unless a dispute is open; a refund is a debit from pending while the order's money is still
pending, from available once released (which may go negative: netted from later payouts).
A refund's debit from available that leaves a Connect store's balance negative is taken back
from its last transfer (`chalicelib.payouts.reversals`): `reversal:<refund>` moves paid out ->
available (statement kind `adjustment`).
Payouts (`chalicelib.payouts.batches`): a payout made moves available -> in payout
(`payout:<id>`, conditional on available covering it); its result moves in payout -> paid out
(`payout_paid:<id>`, statement kind `payout`) or back to available (`payout_failed:<id>`), each
in one transaction with the payout item, so a result lands once.
An order's earning is created from the order itself if its refund or completion arrives
first, so events in any order give the same ledger.

The statement's `balance_idr` is what the store is owed: pending + available + in payout
(a release moves nothing owed, so the statement leaves release entries out).

Cost: an effect is one TransactWriteItems (plus a GetItem of the order state for refunds and
releases, of the settings for earnings); a balance one GetItem; a statement two Queries; the
money report one Query; the release job one Query page per RELEASE_PAGE due orders and one
transaction per release.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import TransactWriteError

from chalicelib import csvfile, dispute_holds, marketplace_settings
from chalicelib.auth import STAFF_GROUPS, Principal
from chalicelib.catalog import stores
from chalicelib.dynamo import WRITE_ATTEMPTS
from chalicelib.errors import ValidationFailed, condition_failed
from chalicelib.ids import JAKARTA, iso, jakarta_month, parse_iso, utcnow
from chalicelib.observability import logger
from chalicelib.settlement import model, tables
from chalicelib.settlement.tables import AccountRecord, EntryRecord
from chalicelib.spending.model import FIRST_MONTH
from chalicelib.spending.service import month_of

if TYPE_CHECKING:
    from chalice.app import Response

    from chalicelib import shapes

RELEASE_PAGE = 100  # due orders per Query page
RELEASE_MAX_PAGES = 20  # per run; the rest waits for the next (hourly) run


@dataclass(frozen=True)
class Sale:
    """A paid order as settlement sees it."""

    order_id: str
    store_id: str
    total_idr: int
    paid_at: str


def has_open_dispute(order_id: str) -> bool:
    """Tell whether a dispute on the order is undecided (open or contested): its money stays pending meanwhile.

    One GetItem of the order's hold item in the disputes table (`chalicelib.dispute_holds`).
    """
    return dispute_holds.has_open(order_id)


# --- effects (the order-events worker and the release job) ------------------------------


def _month_of_time(at: str) -> str:
    return jakarta_month(parse_iso(at))


def _entry(entry_id: str, kind: model.EntryKind, store_id: str, at: str, moves: model.Moves, **ids: str) -> EntryRecord:
    attributes: dict[str, Any] = {**ids, **moves.as_dict()}
    return EntryRecord(entry_id, store_id=store_id, kind=kind, at=at, month=_month_of_time(at), **attributes)


def record_earning(sale: Sale) -> bool:
    """Credit a paid order to its store's pending balance (once); False if it was credited before.

    The fee is the one in force now, read fresh (one GetItem): a worker's container may have
    cached the settings before an admin changed them (the payout minimum is read so too).
    """
    fee_bps = int(marketplace_settings.current(fresh=True)["platform_fee_bps"])
    moves = model.earning(sale.total_idr, fee_bps)
    entry = _entry(f"earning:{sale.order_id}", "earning", sale.store_id, sale.paid_at, moves, order_id=sale.order_id)
    state = AccountRecord(
        tables.order_account(sale.order_id),
        tables.EARNING,
        store_id=sale.store_id,
        total_idr=sale.total_idr,
        fee_idr=moves.platform_fee_idr,
        earned_at=sale.paid_at,
        pending_idr=moves.pending_idr,
        refunded_idr=0,
    )
    return tables.write(entry, order_put=state)


def _state(sale: Sale) -> AccountRecord:
    """The order's settlement state, its earning recorded first if its paid event has not come yet."""
    state = tables.order_state(sale.order_id)
    if state is None:
        record_earning(sale)
        state = tables.order_state(sale.order_id)
    assert state is not None  # written just now (or by whoever won)
    return state


def refund_entry_id(order_id: str, refund_id: str | None = None) -> str:
    """A refund's ledger id: `refund:<order_id>` (the whole order) or `refund:<refund_id>` (a partial one)."""
    return f"refund:{refund_id or order_id}"


def record_refund(sale: Sale, amount_idr: int, at: str, refund_id: str | None = None) -> bool:
    """Debit a refund from where the order's money is (pending, or available once released), once.

    Keyed `refund:<order_id>` for today's whole-order refunds; partial refunds pass their own
    `refund_id` (`refund:<refund_id>`), so several per order fit.
    """
    entry_id = refund_entry_id(sale.order_id, refund_id)
    for _ in range(WRITE_ATTEMPTS):  # a refund that lost a race with a release (or another refund) reads again
        state = _state(sale)
        released = state.released_at is not None
        refunded_before = int(state.refunded_idr or 0)
        moves = model.refund(amount_idr, int(state.total_idr or 0), int(state.fee_idr or 0), refunded_before, released)
        actions: list[Any] = [AccountRecord.refunded_idr.add(amount_idr)]
        if not released:
            actions.append(AccountRecord.pending_idr.add(moves.pending_idr))
        where = AccountRecord.released_at.exists() if released else AccountRecord.released_at.does_not_exist()
        condition = where & (AccountRecord.refunded_idr == refunded_before)
        ids = {"order_id": sale.order_id, **({"refund_id": refund_id} if refund_id else {})}
        entry = _entry(entry_id, "refund", sale.store_id, at, moves, **ids)
        try:
            return tables.write(entry, order_actions=actions, order_condition=condition)
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
    raise RuntimeError("the order's settlement kept changing; the message will be retried")


def mark_completed(sale: Sale, completed_at: str) -> bool:
    """Make a completed order's earning due for release after the hold (once)."""
    _state(sale)
    return tables.mark_completed(sale.order_id, completed_at)


def release_due(now: datetime | None = None) -> dict[str, Any]:
    """Move every earning completed more than `payout_hold_days` ago (no open dispute) to available.

    Idempotent: a release is an entry `release:<order_id>` conditional on the order's pending
    amount as read; Query pages of the sparse `releasable` index only (no Scan), bounded.
    """
    hold = int(marketplace_settings.current()["payout_hold_days"])
    moment = now or utcnow()
    cutoff = iso(moment - timedelta(days=hold))
    released = held = 0
    after: dict[str, Any] | None = None
    for _ in range(RELEASE_MAX_PAGES):
        page, after = tables.due(cutoff, RELEASE_PAGE, after)
        for state in page:
            order_id = state.account.removeprefix("order#")
            if has_open_dispute(order_id):
                held += 1
            elif _release(state, iso(moment)):
                released += 1
        if not after:
            break
    logger.info("earnings released", extra={"released": released, "held": held})
    return {"released": released, "held_by_dispute": held}


def _release(state: AccountRecord, at: str) -> bool:
    order_id = state.account.removeprefix("order#")
    pending = int(state.pending_idr or 0)
    entry = _entry(f"release:{order_id}", "release", str(state.store_id), at, model.release(pending), order_id=order_id)
    actions = [
        AccountRecord.released_at.set(at),
        AccountRecord.release_flag.remove(),
        AccountRecord.pending_idr.add(-pending),
    ]
    condition = (
        AccountRecord.released_at.does_not_exist()
        & AccountRecord.release_flag.exists()
        & (AccountRecord.pending_idr == pending)
    )
    try:  # the order's hold checked again in the same transaction: a dispute opened since the read keeps it
        return tables.write(
            entry,
            order_actions=actions,
            order_condition=condition,
            also=lambda tx: dispute_holds.require_none_open(tx, order_id),
        )
    except TransactWriteError as exc:
        if condition_failed(exc):
            return False  # a refund or a dispute came first: the next run releases what is left, if anything
        raise


# --- payouts (the payout run, approval and the bank's results: chalicelib.payouts.batches) ---


def hold_payout(store_id: str, payout_id: str, amount_idr: int, at: str, also: Callable[[Any], None]) -> bool:
    """Move a payout's amount from available to in payout (entry `payout:<id>`), with the payout item.

    ONE transaction, conditional on the store's `available_idr` still covering the amount (a
    refund racing the run); `also` puts the payout item. False if the entry exists already;
    raises TransactWriteError if the balance no longer covers it.
    """
    moves = model.payout_hold(amount_idr)
    entry = _entry(f"payout:{payout_id}", "payout_hold", store_id, at, moves, payout_id=payout_id)
    return tables.write(entry, store_condition=AccountRecord.available_idr >= amount_idr, also=also)


def settle_payout(
    store_id: str, payout_id: str, amount_idr: int, paid: bool, at: str, also: Callable[[Any], None]
) -> bool:
    """Record a payout's result once: paid (in payout -> paid out) or failed (back to available).

    Entry `payout_paid:<id>` or `payout_failed:<id>`, in ONE transaction with the payout item's
    conditional update (`also`), so two different results cannot both land. False if recorded before.
    """
    kind: model.EntryKind = "payout" if paid else "payout_failed"
    moves = model.payout_paid(amount_idr) if paid else model.payout_failed(amount_idr)
    prefix = "payout_paid" if paid else "payout_failed"
    entry = _entry(f"{prefix}:{payout_id}", kind, store_id, at, moves, payout_id=payout_id)
    return tables.write(entry, also=also)


def taken_from_available(refund_entry: str) -> int:
    """What a recorded refund took from the store's available money (0: it came from pending, or is unknown)."""
    entry = tables.entry(refund_entry)
    return max(0, -int(entry.available_idr or 0)) if entry is not None else 0


def reclaim_payout(
    store_id: str, reversal_id: str, payout_id: str, amount_idr: int, at: str, also: Callable[[Any], None]
) -> bool:
    """Record money of a paid payout taken back (a Connect transfer reversal): paid out -> available, once.

    Entry `reversal:<id>` (statement kind `adjustment`, with the payout's id), in ONE transaction
    with the caller's items (`also`: the reversal done, the payout's `reversed_idr`).
    """
    moves = model.payout_reversed(amount_idr)
    entry = _entry(f"reversal:{reversal_id}", "adjustment", store_id, at, moves, payout_id=payout_id)
    return tables.write(entry, also=also)


def balances(store_ids: list[str]) -> dict[str, dict[str, int]]:
    """Balance counters of several stores (one BatchGetItem per 100; the payout run reads a page at a time)."""
    return tables.balances(store_ids)


# --- reads (the API) -------------------------------------------------------------------


def format_of(query: Mapping[str, str]) -> str:
    """Read `?format=` (json, the default, or csv)."""
    wanted = query.get("format") or "json"
    if wanted not in model.STATEMENT_FORMATS:
        raise ValidationFailed.field("format", "must be json or csv")
    return wanted


def _render_balance(counters: Mapping[str, int]) -> shapes.Balance:
    return {
        "pending_idr": int(counters["pending_idr"]),
        "available_idr": int(counters["available_idr"]),
        "in_payout_idr": int(counters["in_payout_idr"]),
        "paid_out_idr": int(counters["paid_out_idr"]),
    }


def balance(principal: Principal, store_id: str) -> shapes.Balance:
    """A store's balance (GET /v1/stores/{store_id}/balance)."""
    stores.owned_or_read_by(principal, store_id, STAFF_GROUPS)  # staff read any store's money
    return _render_balance(tables.balance(store_id))


def _bounds(month: str) -> tuple[str, str]:
    """The first and last millisecond of a Jakarta month, as API timestamps."""
    year, number = (int(p) for p in month.split("-"))
    start = datetime(year, number, 1, tzinfo=JAKARTA)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=JAKARTA)
    return iso(start), iso(end - timedelta(milliseconds=1))


def _owed(counters: Mapping[str, int]) -> int:
    return int(counters["pending_idr"]) + int(counters["available_idr"]) + int(counters["in_payout_idr"])


def statement(principal: Principal, store_id: str, month: str) -> shapes.Statement:
    """A store's statement of a month: opening balance, every entry with the balance after it, closing balance.

    Balances are what the store is owed (pending + available + in payout); opening and closing
    come from the month counters, the entries from the ledger (they agree: one transaction each).
    """
    stores.owned_or_read_by(principal, store_id, STAFF_GROUPS)  # staff read any store's money
    opening: dict[str, int] = {}
    this_month: dict[str, int] = {}
    for record in tables.months(tables.store_account(store_id), FIRST_MONTH, month):
        if record.period == month:
            this_month = record.counters()
        else:
            opening = model.add(opening, record.counters())
    running = _owed(model.add(opening, {}))
    rows: list[shapes.StatementEntry] = []
    for entry in tables.entries(store_id, *_bounds(month)):
        if entry.kind not in model.STATEMENT_KINDS:
            continue  # release, payout_hold: what the store is owed does not change
        moves = entry.moves()
        running += moves.owed_idr
        row: shapes.StatementEntry = {
            "at": entry.at,
            "kind": entry.kind,
            "amount_idr": moves.owed_idr,
            "balance_idr": running,
        }
        if entry.order_id:
            row["order_id"] = entry.order_id
        if entry.payout_id:
            row["payout_id"] = entry.payout_id
        if moves.platform_fee_idr:
            row["platform_fee_idr"] = moves.platform_fee_idr
        rows.append(row)
    start = _owed(model.add(opening, {}))
    return {
        "store_id": store_id,
        "month": month,
        "opening_balance_idr": start,
        "closing_balance_idr": start + _owed(model.add(this_month, {})),
        "platform_fee_idr": int(this_month.get("platform_fee_idr", 0)),
        "entries": rows,
    }


def statement_csv(found: shapes.Statement) -> Response:
    """The statement as `text/csv`: a header row, an opening row, one row per entry, a closing row."""
    from chalice.app import Response

    start, end = _bounds(found["month"])
    rows: list[list[object]] = [[start, "opening_balance", "", "", "", "", found["opening_balance_idr"]]]
    for row in found["entries"]:
        rows.append(
            [
                row["at"],
                row["kind"],
                row.get("order_id", ""),
                row.get("payout_id", ""),
                row["amount_idr"],
                row.get("platform_fee_idr", ""),
                row["balance_idr"],
            ]
        )
    rows.append([end, "closing_balance", "", "", "", "", found["closing_balance_idr"]])
    name = f"statement-{found['store_id']}-{found['month']}.csv"
    headers: dict[str, str | list[str]] = {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{name}"',
    }
    return Response(body=csvfile.write(model.CSV_COLUMNS, rows), status_code=200, headers=headers)


def statement_answer(principal: Principal, store_id: str, query: Mapping[str, str]) -> Any:
    """GET /v1/stores/{store_id}/statement: the statement as JSON, or (`format=csv`) as text/csv."""
    wanted = format_of(query)
    found = statement(principal, store_id, month_of(query))
    return statement_csv(found) if wanted == "csv" else found


def money_report(month: str) -> shapes.MoneyReport:
    """Platform-wide money over all time up to the end of `month` (one Query of the month counters)."""
    total: dict[str, int] = {}
    for record in tables.months(tables.PLATFORM, FIRST_MONTH, month):
        total = model.add(total, record.counters())
    total = model.add(total, {})
    moves = model.Moves(**total)
    return {
        "month": month,
        "charged_idr": total["charged_idr"],
        "refunded_idr": total["refunded_idr"],
        "pending_idr": total["pending_idr"],
        "available_idr": total["available_idr"],
        "in_payout_idr": total["in_payout_idr"],
        "paid_out_idr": total["paid_out_idr"],
        "platform_fee_idr": total["platform_fee_idr"],
        "difference_idr": moves.difference_idr,
    }
