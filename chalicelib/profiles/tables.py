"""The profiles table (the only DynamoDB code of this domain).

Every write is an UpdateItem of the attributes the user gave: two devices changing
different fields both keep their change.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.dynamo import get_or_none, region, set_or_remove, table_name


class ProfileRecord(Model):
    """One user's profile, keyed by the token's `sub`."""

    class Meta:
        table_name = table_name("users")
        region = region()

    user_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    phone_number = UnicodeAttribute(null=True)
    kecamatan = UnicodeAttribute(null=True)
    kelurahan = UnicodeAttribute(null=True)
    locale = UnicodeAttribute(null=True)
    notify_email = BooleanAttribute(null=True)
    notify_sms = BooleanAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)


def get_profile(user_id: str) -> ProfileRecord | None:
    """Read a profile with one GetItem, None if the user never saved one."""
    return get_or_none(ProfileRecord, user_id, consistent=False)


def update_profile(user_id: str, changes: dict[str, Any]) -> ProfileRecord:
    """Set only the given attributes with one UpdateItem and return the whole item after."""
    record = ProfileRecord(user_id)
    record.update(actions=[set_or_remove(ProfileRecord, key, value) for key, value in changes.items()])
    return record
