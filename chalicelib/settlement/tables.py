"""Settlement tables (the only DynamoDB code of this domain): the entries and the accounts.

`settlement-entries` is append-only: one item per effect, keyed by a deterministic id
(`earning:<order>`, `release:<order>`, `refund:<order or refund>`, `payout:<payout>` (available ->
in payout), `payout_paid:<payout>` (in payout -> paid out), `payout_failed:<payout>` (back to
available), `reversal:<refund>` (a Connect transfer reversal: paid out -> available)),
put once (conditional on the id not existing) and never updated or deleted. Its `by_store`
index (store_id, at) lists a store's entries in time order for statements.

`settlement-accounts` holds counters and per-order state, keyed (account, period):
- (`store#<store_id>`, `all`): the store's balance counters;
- (`store#<store_id>`, `<YYYY-MM>`): what that Jakarta month's entries moved (statements:
  opening balance = the months before, one Query);
- (`platform`, `<YYYY-MM>`): the same, platform-wide (the money report sums the months);
- (`order#<order_id>`, `earning`): the order's settlement state: `total_idr`, `fee_idr`,
  `store_id`, `earned_at` (written once with its earning), `pending_idr` and `refunded_idr`
  (what of it is still pending, what was refunded), `completed_at` and `release_flag`
  (set by the completion hook; `release_flag` is "1" while the release is due, the sparse
  `releasable` index (release_flag, completed_at) the release job queries), `released_at`.

Who writes what: only `chalicelib.settlement.service`, and only through `write`: every
effect is ONE TransactWriteItems of its entry (conditional put) with ADDs to the counters it
moves and the conditional update of the order state it decides on (refunds and releases are
conditional on `released_at` as read, a release on the order's `pending_idr` as read; a payout
on the store's `available_idr` still covering it, together with the payout item it moves), so a
redelivered event changes nothing and a refund racing a release makes one of them retry.
The completion hook (`mark_completed`) sets `completed_at`/`release_flag` with a plain
conditional update (no money moves). Counter attributes are only ever ADDed.

Cost: an effect is one transaction of 4-5 items; a balance one GetItem; a statement one
Query of month counters plus the month's entries (paged Query); the money report one Query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.dynamo import get_or_none, index, region, table_name
from chalicelib.settlement.model import COUNTERS, Moves

ALL = "all"  # the period of a store's running balance
EARNING = "earning"  # the period of an order's settlement state
PLATFORM = "platform"


def store_account(store_id: str) -> str:
    return f"store#{store_id}"


def order_account(order_id: str) -> str:
    return f"order#{order_id}"


class Counted:
    """The counter attributes (`model.COUNTERS`) an entry moves and an account keeps, declared once."""

    pending_idr = NumberAttribute(default=0)
    available_idr = NumberAttribute(default=0)
    in_payout_idr = NumberAttribute(default=0)
    paid_out_idr = NumberAttribute(default=0)
    platform_fee_idr = NumberAttribute(default=0)
    charged_idr = NumberAttribute(default=0)
    refunded_idr = NumberAttribute(default=0)

    def counters(self) -> dict[str, int]:
        return {name: int(getattr(self, name) or 0) for name in COUNTERS}


class EntryRecord(Counted, Model):
    """One money effect on a store (append-only)."""

    class Meta:
        table_name = table_name("settlement-entries")
        region = region()

    entry_id = UnicodeAttribute(hash_key=True)
    store_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    at = UnicodeAttribute()  # when it happened (the event's time)
    month = UnicodeAttribute()  # the Jakarta month of `at`
    order_id = UnicodeAttribute(null=True)
    refund_id = UnicodeAttribute(null=True)
    payout_id = UnicodeAttribute(null=True)

    by_store = index("by_store", "store_id", "at")

    def moves(self) -> Moves:
        return Moves(**self.counters())


class AccountRecord(Counted, Model):
    """Counters of a store or the platform (all time or one month), or one order's settlement state."""

    class Meta:
        table_name = table_name("settlement-accounts")
        region = region()

    account = UnicodeAttribute(hash_key=True)
    period = UnicodeAttribute(range_key=True)
    # order state only
    store_id = UnicodeAttribute(null=True)
    total_idr = NumberAttribute(null=True)
    fee_idr = NumberAttribute(null=True)
    earned_at = UnicodeAttribute(null=True)
    completed_at = UnicodeAttribute(null=True)
    release_flag = UnicodeAttribute(null=True)  # "1" while completed and not released (sparse index)
    released_at = UnicodeAttribute(null=True)

    releasable = index("releasable", "release_flag", "completed_at")


def order_state(order_id: str) -> AccountRecord | None:
    """Read an order's settlement state (consistent), None before its earning."""
    return get_or_none(AccountRecord, order_account(order_id), EARNING)


def entry(entry_id: str) -> EntryRecord | None:
    """One ledger entry by its id, or None."""
    return get_or_none(EntryRecord, entry_id)


def balance(store_id: str) -> dict[str, int]:
    """A store's balance counters (zeros before its first entry)."""
    found = get_or_none(AccountRecord, store_account(store_id), ALL)
    return found.counters() if found is not None else {name: 0 for name in COUNTERS}


def balances(store_ids: list[str]) -> dict[str, dict[str, int]]:
    """Several stores' balance counters (BatchGetItem: one request per 100 stores; zeros for a store never paid)."""
    found = {
        record.account.removeprefix("store#"): record.counters()
        for record in AccountRecord.batch_get([(store_account(s), ALL) for s in store_ids])
    }
    return {s: found.get(s) or {name: 0 for name in COUNTERS} for s in store_ids}


def months(account: str, first: str, last: str) -> list[AccountRecord]:
    """An account's month counters from `first` to `last` (inclusive; one paged Query)."""
    condition = AccountRecord.period.between(first, last)
    return list(AccountRecord.query(account, range_key_condition=condition, consistent_read=True))


def entries(store_id: str, start: str, end: str) -> list[EntryRecord]:
    """A store's entries with `start <= at <= end`, oldest first (paged Query)."""
    return list(EntryRecord.by_store.query(store_id, range_key_condition=EntryRecord.at.between(start, end)))


def due(cutoff: str, limit: int, after: dict[str, Any] | None) -> tuple[list[AccountRecord], dict[str, Any] | None]:
    """One page of order states completed before `cutoff` and not released yet (Query, no Scan)."""
    result = AccountRecord.releasable.query(
        "1", range_key_condition=AccountRecord.completed_at < cutoff, limit=limit, last_evaluated_key=after
    )
    found = list(result)
    return found, result.last_evaluated_key


def _adds(moves: dict[str, int]) -> list[Any]:
    return [getattr(AccountRecord, name).add(value) for name, value in moves.items() if value]


def write(
    entry: EntryRecord,
    order_put: AccountRecord | None = None,
    order_actions: list[Any] | None = None,
    order_condition: Any = None,
    store_condition: Any = None,
    also: Callable[[Any], None] | None = None,
) -> bool:
    """Write one effect: its entry, the counters it moves and the order state, in ONE transaction.

    `store_condition` guards the store's balance item (a payout: available still covers it);
    `also` adds the caller's own items to the same transaction (the payout item it moves).
    Returns False when the entry exists already (a redelivery: nothing changes); any other
    refusal (a condition on the order state or balance: someone moved it first) raises
    TransactWriteError.
    """
    from pynamodb.exceptions import TransactWriteError
    from pynamodb.transactions import TransactWrite

    from chalicelib.dynamo import connection

    moves = entry.moves().as_dict()
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(entry, condition=EntryRecord.entry_id.does_not_exist())
            adds = _adds(moves)
            if adds:
                for account, period in (
                    (store_account(entry.store_id), ALL),
                    (store_account(entry.store_id), entry.month),
                    (PLATFORM, entry.month),
                ):
                    guard = store_condition if (account, period) == (store_account(entry.store_id), ALL) else None
                    tx.update(AccountRecord(account, period), actions=adds, condition=guard)
            if order_put is not None:
                tx.save(order_put, condition=AccountRecord.account.does_not_exist())
            elif order_actions:
                key = AccountRecord(order_account(str(entry.order_id)), EARNING)
                tx.update(key, actions=order_actions, condition=order_condition)
            if also is not None:
                also(tx)
    except TransactWriteError:
        if get_or_none(EntryRecord, entry.entry_id) is None:
            raise  # refused by a condition (or busy): the caller decides; not a redelivery
        return False
    return True


def mark_completed(order_id: str, completed_at: str) -> bool:
    """Make a paid order's earning due for release (once); False if it was marked or released before."""
    from pynamodb.exceptions import UpdateError

    from chalicelib.errors import condition_failed

    condition = (
        AccountRecord.account.exists()
        & AccountRecord.completed_at.does_not_exist()
        & AccountRecord.released_at.does_not_exist()
    )
    try:
        AccountRecord(order_account(order_id), EARNING).update(
            actions=[AccountRecord.completed_at.set(completed_at), AccountRecord.release_flag.set("1")],
            condition=condition,
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True
