"""Notification use cases: deliver a Notify message, list a user's inbox."""

from __future__ import annotations

import time
from typing import Any

from chalicelib.auth import Principal
from chalicelib.ids import iso, utcnow
from chalicelib.messages import Message, Notify, PoisonMessage
from chalicelib.notifications import texts
from chalicelib.notifications.store import INBOX_TTL_SECONDS, InboxRecord, add_once, newest
from chalicelib.observability import logger
from chalicelib.paging import PageRequest, encode_cursor, page
from chalicelib.profiles.service import locale_of

CURSOR_FIELDS = ("id",)


def handle(message: Message) -> None:
    """Deliver one message from the notifications queue (idempotent by message id)."""
    if not isinstance(message, Notify) or message.kind not in texts.TEMPLATES:
        raise PoisonMessage(f"notifications cannot handle {message.TYPE}")
    title, body = texts.render(message.kind, locale_of(message.user_id), message.params)
    written = add_once(
        InboxRecord(
            message.user_id,
            message.message_id,
            kind=message.kind,
            title=title,
            body=body,
            created_at=iso(utcnow()),
            read=False,
            expires_at=int(time.time()) + INBOX_TTL_SECONDS,
        )
    )
    logger.info("inbox entry", extra={"kind": message.kind, "written": written})


def inbox(principal: Principal, request: PageRequest) -> dict[str, Any]:
    """Return one page of the caller's inbox, newest first."""
    after = request.after["id"] if request.after else None
    records, last = newest(principal.user_id, request.limit, after)
    items = [
        {
            "id": r.notification_id,
            "kind": r.kind,
            "title": r.title,
            "body": r.body,
            "created_at": r.created_at,
            "read": bool(r.read),
        }
        for r in records
    ]
    return page(items, encode_cursor({"id": last}) if last else None)
