"""Deliver outside the app: email through SES, SMS through SNS (the emulator's, locally)."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from chalicelib.dynamo import region

SENDER_ENV = "PEKEN_EMAIL_FROM"
DEFAULT_SENDER = "e-peken@peken.local"


def sender() -> str:
    """The From address (an SES-verified identity)."""
    return os.environ.get(SENDER_ENV, DEFAULT_SENDER)


@lru_cache(maxsize=2)
def _client(service: str) -> Any:
    import boto3

    session: Any = boto3
    return session.client(service, region_name=region())


def email(to: str, subject: str, body: str) -> None:
    """Send one plain-text email."""
    _client("ses").send_email(
        Source=sender(),
        Destination={"ToAddresses": [to]},
        Message={
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
        },
    )


def sms(to: str, body: str) -> None:
    """Send one SMS."""
    _client("sns").publish(
        PhoneNumber=to,
        Message=body,
        MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
    )
