"""What the local stack "sent": the emulator's emails (SES) and SMS (SNS), newest first, with when.

moto keeps what it "sends" in its backends (`ses_backends[account][region].sent_messages`,
`sns_backends[account][region].sms_messages`) without a time. `install` wraps moto's sending
calls so each message is stamped with the app's clock as it is sent; the app's code is
unchanged (it calls SES and SNS as on AWS). Local stack only: GET /_local/outbox reads it.
"""

from __future__ import annotations

import functools
from typing import Any

SENT_AT: dict[str, str] = {}  # "ses:<message id>" or "sms:<message id>" -> when it was sent (ISO, app clock)
SES_CALLS = ("send_email", "send_templated_email", "send_bulk_templated_email", "send_raw_email")
_INSTALLED: list[bool] = []


def _now() -> str:
    from chalicelib.ids import iso, utcnow

    return iso(utcnow())


def install() -> None:
    """Wrap moto's SES sends and SNS publish once per process to stamp each message."""
    if _INSTALLED:
        return
    from moto.ses.models import SESBackend
    from moto.sns.models import SNSBackend

    for name in SES_CALLS:
        setattr(SESBackend, name, _stamping(getattr(SESBackend, name), "sent_messages", "ses"))
    SNSBackend.publish = _stamping(SNSBackend.publish, "sms_messages", "sms")  # type: ignore[method-assign]
    _INSTALLED.append(True)


def _stamping(send: Any, kept: str, kind: str) -> Any:
    """Wrap a backend's send so the messages it adds to `kept` get a time."""

    @functools.wraps(send)
    def stamped(self: Any, *args: Any, **kwargs: Any) -> Any:
        before = len(getattr(self, kept))
        result = send(self, *args, **kwargs)
        added = list(getattr(self, kept))[before:]
        for message in added:  # SES keeps message objects, SNS message ids
            key = message if isinstance(message, str) else str(getattr(message, "id", id(message)))
            SENT_AT.setdefault(f"{kind}:{key}", _now())
        return result

    return stamped


def messages(account: str, region: str) -> dict[str, list[dict[str, Any]]]:
    """Every email and SMS the emulator took, each newest first: `{emails: [{to, subject, body, at}], sms: [...]}`."""
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends

    emails = [
        {
            "to": list((m.destinations or {}).get("ToAddresses", [])),
            "subject": getattr(m, "subject", None),
            "body": getattr(m, "body", None),
            "at": SENT_AT.get(f"ses:{getattr(m, 'id', id(m))}"),
        }
        for m in ses_backends[account][region].sent_messages
    ]
    sms = [
        {"to": to, "body": body, "at": SENT_AT.get(f"sms:{message_id}")}
        for message_id, (to, body) in sns_backends[account][region].sms_messages.items()
    ]
    return {"emails": _newest_first(emails), "sms": _newest_first(sms)}


def _newest_first(sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sort by the app's clock; of messages stamped the same instant, the last sent first.

    Tests move that clock (at night two tests both move it to 10:00 in Surabaya), so the order
    of sending and the order of the clock can differ.
    """
    return sorted(sent[::-1], key=lambda message: message["at"] or "", reverse=True)
