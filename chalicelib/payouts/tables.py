"""The payout accounts table: one item per store, personal data kept apart from the public store item.

The bank details (`bank_code`, `account_number`, `account_name`) live only here (SSE at rest,
like every table), are rendered masked, and are never logged; switching to Stripe Connect
removes them. Who owns which attribute (a write sets only what it owns, under a condition):
- `method`, `bank_code`, `account_number`, `account_name`, `rev`, and the reset of `status`,
  `payouts_enabled`, `reason`, `verified_by`, `verified_at`: the owner's PUT
  (`accounts.put`), conditional on `rev` as read (absent for the first PUT); each change
  bumps `rev`, so a verification of the details read cannot land on newer ones;
- `status`, `payouts_enabled`, `reason`, `verified_by`, `verified_at` for `bank_transfer`:
  the admin's or finance officer's verify (`accounts.verify`), conditional on `rev` as read;
- the same for `stripe_connect`: the `account.updated` webhook (`accounts.follow_connect_account`),
  conditional on `method` and `stripe_account_id`;
- `stripe_account_id`: the first onboarding link (set once, `attribute_not_exists`); kept when
  the method changes, so a store that returns to Connect keeps its Express account;
- `owner_id`, `created_at`: the first PUT; `updated_at`: every write.
`payouts_enabled` is what the payout run reads: true only while the account is verified.
The `by_status` index (status, store_id) lets the run page through verified accounts (no Scan).

The `payouts` table holds the payout batches and their payouts, keyed (batch_id, item):
- (`<batch_id>`, `batch`): `batch_status`, `listing` ("batch", for the `batches` index of
  all batches by `created_at`; `by_status` (batch_status, created_at) filters), `created_at`,
  `payout_count`, `total_idr`, `open_count` (payouts without a result), `approved_by`,
  `approved_at`, `completed_at`;
- (`<batch_id>`, `payout#<payout_id>`): `payout_id`, `store_id`, `method`, `amount_idr`,
  `created_at` (the store's `by_store` index), `status`, `reference`, `failure_reason`,
  `result_at`; bank details are not copied here (the file reads the account at approval time).
- (`reversal#<store_id>`, `<refund entry id>`): a Connect transfer reversal after that refund:
  `payout_id` and `reversed_batch_id` (the payout reversed), `reference` (its transfer),
  `amount_idr`, `status` (pending -> done | refused), `created_at`; and the reversed payout's
  `reversed_idr` (ADDed in the same transaction as the reversal's settlement entry).
Who writes what (`chalicelib.payouts.batches`; reversals: `chalicelib.payouts.reversals`): the
run puts the batch (`building`) and each payout (in the settlement transaction that moves its
money), then sets counts and `pending_approval`; approval sets payout `status` processing then
the batch's, each conditional on the state read; a result (the bank's, or Stripe's transfer at
approval) sets the payout's result fields (conditional on `processing`, in the settlement
transaction) and ADDs -1 to the batch's `open_count`; the last one sets the batch `completed`.
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.dynamo import get_or_none, index, region, table_name


class PayoutAccountRecord(Model):
    """A store's payout account (hash key: the store id)."""

    class Meta:
        table_name = table_name("payout-accounts")
        region = region()

    store_id = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()
    method = UnicodeAttribute()
    bank_code = UnicodeAttribute(null=True)
    account_number = UnicodeAttribute(null=True)
    account_name = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    payouts_enabled = BooleanAttribute(default=False)
    reason = UnicodeAttribute(null=True)
    verified_by = UnicodeAttribute(null=True)
    verified_at = UnicodeAttribute(null=True)
    stripe_account_id = UnicodeAttribute(null=True)
    rev = NumberAttribute(default=0)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    by_status = index("by_status", "status", "store_id")


def find(store_id: str) -> PayoutAccountRecord | None:
    """Read a store's payout account (consistent), or None."""
    return get_or_none(PayoutAccountRecord, store_id)


def find_many(store_ids: list[str]) -> dict[str, PayoutAccountRecord]:
    """Several stores' payout accounts (BatchGetItem, 100 a request; consistent), by store id."""
    unique = list(dict.fromkeys(store_ids))  # BatchGetItem refuses a key twice
    return {a.store_id: a for a in PayoutAccountRecord.batch_get(unique, consistent_read=True)}


BATCH = "batch"  # the item of a batch itself


def payout_item(payout_id: str) -> str:
    return f"payout#{payout_id}"


def reversals_of(store_id: str) -> str:
    """The partition of a store's transfer reversals."""
    return f"reversal#{store_id}"


class PayoutRecord(Model):
    """A payout batch (item `batch`) or one payout of it (item `payout#<payout_id>`)."""

    class Meta:
        table_name = table_name("payouts")
        region = region()

    batch_id = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True)
    created_at = UnicodeAttribute()
    # batch
    batch_status = UnicodeAttribute(null=True)
    listing = UnicodeAttribute(null=True)
    payout_count = NumberAttribute(null=True)
    total_idr = NumberAttribute(null=True)
    open_count = NumberAttribute(null=True)
    approved_by = UnicodeAttribute(null=True)
    approved_at = UnicodeAttribute(null=True)
    completed_at = UnicodeAttribute(null=True)
    # payout
    payout_id = UnicodeAttribute(null=True)
    store_id = UnicodeAttribute(null=True)
    method = UnicodeAttribute(null=True)
    amount_idr = NumberAttribute(null=True)
    status = UnicodeAttribute(null=True)
    reference = UnicodeAttribute(null=True)
    failure_reason = UnicodeAttribute(null=True)
    result_at = UnicodeAttribute(null=True)
    reversed_idr = NumberAttribute(null=True)
    # reversal (a Connect payout's money taken back after a refund)
    reversed_batch_id = UnicodeAttribute(null=True)

    batches = index("batches", "listing", "created_at")
    batches_by_status = index("batches_by_status", "batch_status", "created_at")
    by_store = index("payouts_by_store", "store_id", "created_at")
