"""The inbox table (the only DynamoDB code of this domain).

Who owns which attribute: the notifications worker writes an entry whole, once (`add_once`);
after that only `read` changes, set by its user (`mark_read`, an UpdateItem conditional on the
entry existing, so marking never creates an entry and marking twice changes nothing).
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.models import Model

from chalicelib.dynamo import put_once, region, table_name
from chalicelib.errors import condition_failed

INBOX_TTL_SECONDS = 400 * 24 * 3600  # a little over a year: last year's reminders still show


class InboxRecord(Model):
    """One inbox entry; the sort key is a ULID so Query returns newest first."""

    class Meta:
        table_name = table_name("inbox")
        region = region()

    user_id = UnicodeAttribute(hash_key=True)
    notification_id = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    created_at = UnicodeAttribute()
    read = BooleanAttribute(default=False)
    order_id = UnicodeAttribute(null=True)  # the order the entry is about, if any
    expires_at = NumberAttribute()  # DynamoDB TTL attribute (epoch seconds)


def add_once(record: InboxRecord) -> bool:
    """Write an entry unless that id is already there; True if this call wrote it."""
    return put_once(record, InboxRecord.notification_id)


def newest(user_id: str, limit: int, after: str | None) -> tuple[list[InboxRecord], str | None]:
    """Query one page of a user's inbox, newest first, with one Query."""
    start = {"user_id": {"S": user_id}, "notification_id": {"S": after}} if after else None
    result = InboxRecord.query(user_id, scan_index_forward=False, limit=limit, last_evaluated_key=start)
    items = list(result)
    last = result.last_evaluated_key
    return items, (last["notification_id"]["S"] if last else None)


def unread_among(user_id: str, ids: list[str]) -> list[str]:
    """Which of these ids are entries of the user's inbox not yet read (one BatchGetItem per 100)."""
    keys = [(user_id, i) for i in dict.fromkeys(ids)]
    return [r.notification_id for r in InboxRecord.batch_get(keys, consistent_read=True) if not r.read]


def mark_read(user_id: str, notification_id: str) -> bool:
    """Mark one entry read (one UpdateItem); False if the user has no such entry."""
    try:
        InboxRecord(user_id, notification_id).update(
            actions=[InboxRecord.read.set(True)], condition=InboxRecord.notification_id.exists()
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True
