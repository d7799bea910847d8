"""Notification use cases: deliver a Notify message, list a user's inbox, mark entries read.

Delivery is asynchronous: a change queues a Notify message and the notifications worker
writes the inbox entry, usually about a second later. An entry about an order keeps the
order's id (`order_id`). Marking read: one BatchGetItem, then one UpdateItem per unread entry
(at most MAX_MARK); ids that are not the caller's entries are ignored, marking is idempotent.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, StringConstraints

from chalicelib import metrics, queues
from chalicelib.auth import Principal
from chalicelib.bodies import Body
from chalicelib.dynamo import put_once
from chalicelib.errors import NotFound
from chalicelib.ids import JAKARTA, iso, utcnow
from chalicelib.ledger import LedgerRecord
from chalicelib.messages import ADMIN_INBOX, Message, Notify, PoisonMessage
from chalicelib.notifications import channels, texts
from chalicelib.notifications.tables import INBOX_TTL_SECONDS, InboxRecord, add_once, mark_read, newest, unread_among
from chalicelib.observability import logger
from chalicelib.paging import PageRequest, encode_cursor
from chalicelib.profiles.service import Preferences, preferences
from chalicelib.spending import contacts

if TYPE_CHECKING:
    from chalicelib import shapes

CURSOR_FIELDS = ("id",)
MAX_MARK = 100  # ids one POST /v1/me/notifications/read may name
DAY_HOURS = range(7, 21)  # email and SMS go out between 07:00 and 21:00 in Surabaya


def seconds_until_day(now: datetime) -> int:
    """Return 0 by day in Surabaya, else the seconds until 07:00."""
    local = now.astimezone(JAKARTA)
    if local.hour in DAY_HOURS:
        return 0
    morning = local.replace(hour=DAY_HOURS.start, minute=0, second=0, microsecond=0)
    if morning <= local:
        morning += timedelta(days=1)
    return int((morning - local).total_seconds()) + 1


def handle(message: Message) -> None:
    """Deliver one message: the inbox always (when we know the user), email and SMS when wanted.

    The inbox entry's id is the message id, so a redelivery adds nothing; email and SMS are
    sent at most once per message (a ledger entry is written first).
    """
    if not isinstance(message, Notify) or message.kind not in texts.TEMPLATES:
        raise PoisonMessage(f"notifications cannot handle {message.TYPE}")
    prefs = preferences(message.user_id) if message.user_id else Preferences()
    title, body = texts.render(message.kind, prefs.locale, message.params)
    if message.user_id:
        written = add_once(
            InboxRecord(
                message.user_id,
                message.message_id,
                kind=message.kind,
                title=title,
                body=body,
                created_at=iso(utcnow()),
                read=False,
                order_id=str(message.params["order_id"]) if message.params.get("order_id") else None,
                expires_at=int(time.time()) + INBOX_TTL_SECONDS,
            )
        )
        logger.info("inbox entry", extra={"kind": message.kind, "written": written})
        if written and message.kind == "spending_reminder":
            metrics.count(metrics.REMINDERS_SENT)
    nip = message.params.get("nip")
    contact = contacts.of_nip(str(nip)) if nip else None
    if contact is None or not any(contact):
        return
    wait = seconds_until_day(utcnow())
    if wait > 0:
        # Email and SMS never wake anyone: come back in the morning (the inbox is already written).
        queues.publish(message, delay_seconds=min(queues.MAX_DELAY_SECONDS, wait))  # a night in 15-minute steps
        return
    address, phone = contact
    if address and prefs.email and put_once(LedgerRecord(f"email:{message.message_id}"), LedgerRecord.entry_id):
        channels.email(address, title, body)
        metrics.count(metrics.EMAILS_SENT)
    if phone and prefs.sms and put_once(LedgerRecord(f"sms:{message.message_id}"), LedgerRecord.entry_id):
        channels.sms(phone, f"{title}: {body}")
        metrics.count(metrics.SMS_SENT)


def inbox(principal: Principal, request: PageRequest) -> shapes.NotificationPage:
    """Return one page of the caller's inbox, newest first."""
    return _page(principal.user_id, request)


class MarkRead(Body):
    """POST /v1/me/notifications/read."""

    ids: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(min_length=1, max_length=MAX_MARK)


def read_many(principal: Principal, body: MarkRead) -> None:
    """Mark the caller's entries among these ids read; ids that are not theirs are ignored."""
    for notification_id in unread_among(principal.user_id, body.ids):
        mark_read(principal.user_id, notification_id)


def read_one(principal: Principal, notification_id: str) -> None:
    """Mark one of the caller's entries read (again is fine); 404 if they have no such entry."""
    if not mark_read(principal.user_id, notification_id):
        raise NotFound("no such notification")


def admin_inbox(principal: Principal, request: PageRequest) -> shapes.NotificationPage:
    """Return one page of the admins' shared inbox (e.g. refunds Stripe could not make), newest first."""
    return _page(ADMIN_INBOX, request)


def _page(inbox_id: str, request: PageRequest) -> shapes.NotificationPage:
    after = request.after["id"] if request.after else None
    records, last = newest(inbox_id, request.limit, after)
    items: list[shapes.Notification] = [
        {
            "id": r.notification_id,
            "kind": r.kind,
            "title": r.title,
            "body": r.body,
            "created_at": r.created_at,
            "read": bool(r.read),
            "order_id": r.order_id,
        }
        for r in records
    ]
    return {"items": items, "next_cursor": encode_cursor({"id": last}) if last else None}
