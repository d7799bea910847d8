"""Reminder delivery: email at most once, and never at night."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.messages import Notify
from chalicelib.notifications import service as notifications
from chalicelib.spending.tables import AsnRecord
from infra.local.pump import QueuePump

NIP = "199001012015031002"


def sent_to(address: str) -> int:
    from moto.ses.models import ses_backends

    backend = ses_backends["123456789012"]["ap-southeast-3"]
    return sum(1 for m in backend.sent_messages if address in (m.destinations or {}).get("ToAddresses", []))


def test_email_waits_for_morning_and_goes_once(
    aws: dict[str, Any], pump: QueuePump, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    boto3.client("ses", region_name="ap-southeast-3").verify_email_identity(EmailAddress="e-peken@peken.local")
    address = "sari@surabaya.go.id"
    AsnRecord(NIP, name="Sari", department="Dinas Y", grade="II/a", email=address).save()
    message = Notify(
        user_id="",
        kind="spending_reminder",
        params={"nip": NIP, "amount_idr": 120_000, "days_left": 5, "month": "2026-11"},
    )
    queue = pump.sqs.get_queue_url(QueueName="peken-local-notifications")["QueueUrl"]

    def delayed() -> int:
        attrs = pump.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessagesDelayed"])
        return int(attrs["Attributes"]["ApproximateNumberOfMessagesDelayed"])

    before = delayed()
    monkeypatch.setattr(notifications, "utcnow", lambda: datetime(2026, 11, 30, 16, 0, tzinfo=UTC))  # 23:00
    notifications.handle(message)
    assert sent_to(address) == 0 and delayed() == before + 1
    monkeypatch.setattr(notifications, "utcnow", lambda: datetime(2026, 12, 1, 1, 0, tzinfo=UTC))  # 08:00
    notifications.handle(message)
    notifications.handle(message)  # the night's re-queued copy arrives too
    assert sent_to(address) == 1
