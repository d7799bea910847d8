"""Receive Stripe webhooks: verify, record once, queue, answer fast."""

from __future__ import annotations

from typing import Any

from chalicelib import queues
from chalicelib.ids import iso, utcnow
from chalicelib.messages import PaymentEvent
from chalicelib.observability import logger
from chalicelib.payments.store import StripeEventRecord, record_once


def receive(raw_body: bytes | str, signature: str | None) -> dict[str, Any]:
    """Verify the signature on the raw body; store the event id; queue it; duplicates are no-ops."""
    from chalicelib.payments import stripe_gateway

    payload = raw_body if isinstance(raw_body, bytes) else raw_body.encode()
    event = stripe_gateway.verify_webhook(payload, signature)
    event_id, event_type = str(event["id"]), str(event["type"])
    object_id = str((event.get("data") or {}).get("object", {}).get("id", ""))
    record = StripeEventRecord(event_id, event_type=event_type, object_id=object_id, received_at=iso(utcnow()))
    if not record_once(record):
        logger.info("stripe event again", extra={"event_type": event_type})
        return {"received": True, "duplicate": True}
    try:
        queues.publish(PaymentEvent(event_id=event_id, event_type=event_type, object_id=object_id))
    except Exception:
        record.delete()  # let Stripe's retry bring it again
        raise
    return {"received": True, "duplicate": False}
