"""Deliver outside the app: email through SES, SMS through SNS (the emulator's, locally).

SES and SNS put the recipient's address or number in their error messages, so a failure
is re-raised as DeliveryFailed carrying only the service's error code, with the original
error dropped from the chain: nothing personal reaches the logs or the dead-letter queue.
"""

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


class DeliveryFailed(RuntimeError):
    """An email or SMS the provider refused, described by its error code only."""


@lru_cache(maxsize=2)
def _client(service: str) -> Any:
    import boto3

    session: Any = boto3
    return session.client(service, region_name=region())


def email(to: str, subject: str, body: str) -> None:
    """Send one plain-text email."""
    _send(
        "ses",
        "send_email",
        Source=sender(),
        Destination={"ToAddresses": [to]},
        Message={
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
        },
    )


def sms(to: str, body: str) -> None:
    """Send one SMS."""
    _send(
        "sns",
        "publish",
        PhoneNumber=to,
        Message=body,
        MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
    )


def _send(service: str, operation: str, **params: Any) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        getattr(_client(service), operation)(**params)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code") or "unknown")
        raise DeliveryFailed(f"{service} {operation} refused: {code}") from None
    except BotoCoreError as exc:  # no answer at all (connection, timeout): its class says enough
        raise DeliveryFailed(f"{service} {operation} failed: {type(exc).__name__}") from None
