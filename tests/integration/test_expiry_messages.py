"""The checkout's delayed expiry message ends as soon as its checkout is paid (issue 18: cost per order)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.ids import iso, utcnow
from chalicelib.messages import ExpireCheckout, Message
from chalicelib.orders import expiry
from chalicelib.orders.tables import CheckoutRecord


def _checkout(status: str, expires_at: str) -> str:
    checkout_id = f"c-{uuid.uuid4().hex}"
    CheckoutRecord(
        checkout_id,
        buyer_id="b",
        order_ids=[],
        total_idr=1_000,
        payment_intent_id=f"pi_{uuid.uuid4().hex}",
        client_secret="s",
        status=status,
        expires_at=expires_at,
        created_at=iso(utcnow()),
    ).save()
    return checkout_id


@pytest.mark.parametrize(("status", "queued_again"), [("awaiting_payment", 1), ("paid", 0), ("expired", 0)])
def test_a_settled_checkout_ends_its_expiry_message(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, status: str, queued_again: int
) -> None:
    published: list[Message] = []
    monkeypatch.setattr("chalicelib.queues.publish", lambda message, **_: published.append(message))
    later = iso(utcnow() + timedelta(minutes=15))
    checkout_id = _checkout(status, later)
    expiry.handle(ExpireCheckout(checkout_id=checkout_id, expires_at=later))
    assert len(published) == queued_again
