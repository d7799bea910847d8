"""The permanent ledger of Stripe events received (the only DynamoDB code of this domain)."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from chalicelib.dynamo import region, table_name


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
    try:
        record.save(condition=StripeEventRecord.event_id.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True
