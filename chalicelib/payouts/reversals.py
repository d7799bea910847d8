"""Money taken back from a Stripe Connect store after a refund of money already paid out.

A refund of released money is debited from the store's `available_idr` (settlement); when that
leaves the balance negative, the store was paid money the buyer got back. A bank store's debt
is netted from its next payouts (the run only pays a positive balance). A Connect store's is
taken back from its latest paid transfer that has something left: amount = the least of what
the refund took from available, the balance's deficit and what is left on that transfer.
Where Stripe refuses (the connected balance is short, the transfer reversed already), nothing
is recorded and the next payouts net the debt, as for a bank store. One transfer per refund:
a debt larger than the last transfer's rest is netted for the rest.

Once, whatever is redelivered: the intent (`reversal#<store_id>`, <refund entry id>) is put
first with its amount and transfer (conditional on not existing; a redelivery reads it
back); the Stripe reversal's idempotency key is that intent; the settlement entry
`reversal:<refund entry id>`, the intent's `done` and the payout's `reversed_idr` ADD are ONE
transaction. Stripe down: PaymentUnavailable reaches the order-events worker, whose message
is retried; the intent makes the retry the same reversal.

Cost per refund event: one GetItem (the payout account); for a Connect store whose refund
came from available and left a deficit, also the refund entry and the balance (GetItem each),
one Query page of the store's payouts (newest first), a PutItem, one Stripe call and one
transaction of 5 items.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError

from chalicelib.dynamo import get_or_none
from chalicelib.errors import condition_failed
from chalicelib.ids import iso, utcnow
from chalicelib.observability import logger
from chalicelib.payouts import providers
from chalicelib.payouts.tables import PayoutRecord, find, payout_item, reversals_of
from chalicelib.settlement import service as settlement
from chalicelib.settlement import tables as settlement_tables

PAYOUTS_LOOKED_AT = 20  # the store's latest payouts searched for a paid transfer


def _latest_transfer(store_id: str) -> PayoutRecord | None:
    """The store's latest paid Connect payout with something left to reverse."""
    payouts: list[PayoutRecord] = list(
        PayoutRecord.by_store.query(store_id, scan_index_forward=False, limit=PAYOUTS_LOOKED_AT)
    )
    for payout in payouts:
        left = int(payout.amount_idr or 0) - int(payout.reversed_idr or 0)
        if payout.method == "stripe_connect" and payout.status == "paid" and payout.reference and left > 0:
            return payout
    return None


def _intend(store_id: str, refund_entry: str) -> PayoutRecord | None:
    """The reversal this refund calls for, put once (or read back), or None if none is due."""
    found: PayoutRecord | None = get_or_none(PayoutRecord, reversals_of(store_id), refund_entry)
    if found is not None:
        return found
    taken = settlement.taken_from_available(refund_entry)
    deficit = -int(settlement_tables.balance(store_id)["available_idr"])
    payout = _latest_transfer(store_id) if min(taken, deficit) > 0 else None
    if payout is None:
        return None
    amount = min(taken, deficit, int(payout.amount_idr or 0) - int(payout.reversed_idr or 0))
    intent = PayoutRecord(
        reversals_of(store_id),
        refund_entry,
        created_at=iso(utcnow()),
        payout_id=payout.payout_id,
        reversed_batch_id=payout.batch_id,
        reference=payout.reference,
        amount_idr=amount,
        status="pending",
    )
    try:
        intent.save(condition=PayoutRecord.item.does_not_exist())
    except PutError as exc:
        if not condition_failed(exc):
            raise
        return get_or_none(PayoutRecord, reversals_of(store_id), refund_entry)
    return intent


def after_refund(store_id: str, refund_entry: str) -> bool:
    """Take a refund's paid-out money back from a Connect store (once); True if a reversal was recorded."""
    account = find(store_id)
    if account is None or account.method != "stripe_connect":
        return False  # bank stores: netted from the next payouts
    intent = _intend(store_id, refund_entry)
    if intent is None or intent.status != "pending":
        return False
    amount = int(intent.amount_idr or 0)
    key = f"reversal-{store_id}-{refund_entry}"
    metadata = {"store_id": store_id, "payout_id": str(intent.payout_id), "refund": refund_entry}
    reversal = providers.provider("stripe_connect").reclaim(str(intent.reference), amount, key, metadata)
    at = iso(utcnow())
    if reversal is None:
        intent.update(actions=[PayoutRecord.status.set("refused")], condition=PayoutRecord.status == "pending")
        logger.info("transfer reversal refused: netted from the next payouts", extra={"store_id": store_id})
        return False

    def also(tx: Any) -> None:
        done = [PayoutRecord.status.set("done"), PayoutRecord.result_at.set(at)]
        tx.update(intent, actions=done, condition=PayoutRecord.status == "pending")
        reversed_payout = PayoutRecord(str(intent.reversed_batch_id), payout_item(str(intent.payout_id)))
        tx.update(reversed_payout, actions=[PayoutRecord.reversed_idr.add(amount)])

    try:
        written = settlement.reclaim_payout(store_id, refund_entry, str(intent.payout_id), amount, at, also)
    except TransactWriteError as exc:
        if condition_failed(exc):
            return False  # another delivery of the same event recorded it
        raise
    logger.info("transfer reversed after a refund", extra={"store_id": store_id, "amount_idr": amount})
    return written
