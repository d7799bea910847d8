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
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.dynamo import region, table_name


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


def find(store_id: str) -> PayoutAccountRecord | None:
    """Read a store's payout account (consistent), or None."""
    from pynamodb.exceptions import DoesNotExist

    try:
        return PayoutAccountRecord.get(store_id, consistent_read=True)
    except DoesNotExist:
        return None
