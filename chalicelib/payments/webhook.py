"""Receive Stripe webhooks: verify, record once, queue, answer fast."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib import queues
from chalicelib.errors import ValidationFailed
from chalicelib.ids import iso, utcnow
from chalicelib.messages import PaymentEvent
from chalicelib.observability import logger
from chalicelib.payments.tables import StripeEventRecord, record_once

if TYPE_CHECKING:
    from chalicelib import shapes

# The events that change an order or a refund; Stripe may send others, which are acknowledged only.
HANDLED = frozenset(
    {
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "payment_intent.canceled",
        "charge.refunded",
        "charge.refund.updated",
        "refund.created",
        "refund.updated",
        "refund.failed",
        "account.updated",  # a Connect account's payouts enabled or disabled (chalicelib.payouts)
    }
)
MAX_FIELD_CHARS = 255  # Stripe's ids are ~30 characters; a DynamoDB key may not pass 2,048 bytes


def receive(raw_body: bytes | str, signature: str | None) -> shapes.WebhookReceipt:
    """Verify the signature on the raw body; store the event id; queue it; duplicates are no-ops."""
    from chalicelib import stripe_gateway

    payload = raw_body if isinstance(raw_body, bytes) else raw_body.encode()
    event_id, event_type, object_id, object_type = _fields(stripe_gateway.verify_webhook(payload, signature))
    if event_type not in HANDLED:
        # e.g. payment_intent.created: its requires_payment_method status is no decline.
        return {"received": True, "ignored": True}
    record = StripeEventRecord(event_id, event_type=event_type, object_id=object_id, received_at=iso(utcnow()))
    if not record_once(record):
        logger.info("stripe event again", extra={"event_type": event_type})
        return {"received": True, "duplicate": True}
    try:
        queues.publish(
            PaymentEvent(event_id=event_id, event_type=event_type, object_id=object_id, object_type=object_type)
        )
    except Exception:
        record.delete()  # let Stripe's retry bring it again
        raise
    return {"received": True, "duplicate": False}


def _fields(event: dict[str, Any]) -> tuple[str, str, str, str]:
    """Return the event's id, type, object id and object type; a signed body without them is refused (422)."""
    event_id, event_type, data = event.get("id"), event.get("type"), event.get("data")
    target = data.get("object") if isinstance(data, dict) else None
    for field, value in (("id", event_id), ("type", event_type)):
        if not isinstance(value, str) or not 0 < len(value) <= MAX_FIELD_CHARS:
            raise ValidationFailed.field(field, f"must be a string of 1 to {MAX_FIELD_CHARS} characters")
    if not isinstance(target, dict):
        raise ValidationFailed.field("data.object", "must be an object")
    object_type = target.get("object")
    return (
        str(event_id),
        str(event_type),
        str(target.get("id", "")),
        object_type if isinstance(object_type, str) else "",
    )
