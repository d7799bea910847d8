"""A refused email or SMS is logged by its error code, never with the address or number SES/SNS put in the message."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib import queues
from chalicelib.messages import Notify
from chalicelib.notifications import channels

EMAIL, PHONE = "budi.santoso@surabaya.go.id", "+6281234567890"


class Refusing:
    """Stands in for the SES and SNS clients: refuses every send, naming the recipient as they do."""

    def send_email(self, **params: Any) -> None:
        to = params["Destination"]["ToAddresses"][0]
        raise ClientError({"Error": {"Code": "MessageRejected", "Message": f"Address blacklisted: {to}"}}, "SendEmail")

    def publish(self, **params: Any) -> None:
        number = params["PhoneNumber"]
        raise ClientError({"Error": {"Code": "InvalidParameter", "Message": f"Invalid number {number}"}}, "Publish")


@pytest.fixture()
def refusing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(channels, "_client", lambda service: Refusing())


def _sqs_event(body: str) -> dict[str, Any]:
    record = {
        "messageId": "m-1",
        "receiptHandle": "r-1",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:ap-southeast-3:000000000000:peken-local-notifications",
    }
    return {"Records": [record]}


@pytest.mark.usefixtures("refusing")
@pytest.mark.parametrize("send", [lambda: channels.email(EMAIL, "Hai", "Isi"), lambda: channels.sms(PHONE, "Hai")])
def test_a_refusal_names_the_code_only(send: Any) -> None:
    with pytest.raises(channels.DeliveryFailed) as raised:
        send()
    assert EMAIL not in str(raised.value) and PHONE not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


@pytest.mark.usefixtures("refusing")
def test_a_failed_delivery_logs_no_personal_data(capsys: pytest.CaptureFixture[str]) -> None:
    def deliver(message: Any) -> None:
        channels.email(EMAIL, "Hai", "Isi")

    answer = queues.handle_batch(_sqs_event(Notify(user_id="u-1", kind="order_paid").to_json()), deliver)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}  # retried, as any failure
    logged = capsys.readouterr().out
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    assert any(line.get("message") == "message failed" and "MessageRejected" in str(line) for line in lines)
    assert EMAIL not in logged and "budi" not in logged
