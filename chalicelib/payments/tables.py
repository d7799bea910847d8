"""The permanent ledger of Stripe events received (the only DynamoDB code of this domain)."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from chalicelib.dynamo import put_once, region, table_name


class StripeEventRecord(Model):
    """One Stripe event id, kept forever: a redelivered event is recognised, not re-queued."""

    class Meta:
        table_name = table_name("stripe-events")
        region = region()

    event_id = UnicodeAttribute(hash_key=True)
    event_type = UnicodeAttribute()
    object_id = UnicodeAttribute()
    received_at = UnicodeAttribute()


def record_once(record: StripeEventRecord) -> bool:
    """Store an event id unless present; True if this call stored it."""
    return put_once(record, StripeEventRecord.event_id)
