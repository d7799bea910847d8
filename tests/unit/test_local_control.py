"""The local stack's control routes: which handler a request reaches, and the error bodies."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.errors import error_body
from infra.local import control


class FakeStack:
    """Just enough of LocalStack for the routes that answer without the emulator."""

    def __init__(self) -> None:
        self.queue_urls = {"peken-local-payments": "url", "peken-local-payments-dlq": "dlq-url"}
        self.stripe = None
        self.sent: list[tuple[str, str]] = []

    @property
    def sqs(self) -> Any:
        stack = self

        class Sqs:
            def send_message(self, QueueUrl: str, MessageBody: str) -> None:  # noqa: N803 - boto3's names
                stack.sent.append((QueueUrl, MessageBody))

        return Sqs()


def answer(method: str, path: str, body: bytes = b"") -> tuple[int, dict[str, Any]]:
    return control.answer(FakeStack(), method, path, body)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("method", "path", "handler", "args"),
    [
        ("GET", "/_local/queues", control.queue_depths, {}),
        ("GET", "/_local/queues/", control.queue_depths, {}),
        ("POST", "/_local/drain?x=1", control.drain, {}),
        ("POST", "/_local/queues/q/messages", control.send_message, {"queue": "q"}),
        ("POST", "/_local/queues/q-dlq/redrive", control.redrive, {"queue": "q-dlq"}),
        ("POST", "/_local/pump/q/pause", control.pump, {"queue": "q", "verb": "pause"}),
        ("DELETE", "/_local/faults", control.clear_faults, {}),
        ("PUT", "/_local/faults", control.faults_method_not_allowed, {}),
        ("POST", "/_local/schedules/heartbeat", control.run_schedule, {"name": "heartbeat"}),
    ],
)
def test_each_request_reaches_its_handler(
    method: str, path: str, handler: control.Handler, args: dict[str, str]
) -> None:
    segments = path.split("?")[0].strip("/").split("/")
    matched = [(route.handler, route.match(method, segments)) for route in control.ROUTES]
    first = next((h, a) for h, a in matched if a is not None)
    assert first == (handler, args)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_local/nothing"),
        ("POST", "/_local/queues"),
        ("GET", "/_local/schedules/x/y"),
        ("GET", "/_local/stripe"),
    ],
)
def test_unknown_routes_are_404_in_the_error_shape(method: str, path: str) -> None:
    assert answer(method, path) == (404, error_body("not_found", "no such local route"))


def test_handler_errors_use_the_one_error_body() -> None:
    assert answer("POST", "/_local/queues/nope/messages") == (404, error_body("not_found", "no such queue"))
    assert answer("POST", "/_local/queues/nope/purge") == (404, error_body("not_found", "no such queue"))
    not_dlq = answer("POST", "/_local/queues/peken-local-payments/redrive")
    assert not_dlq == (404, error_body("not_found", "no such dead-letter queue"))
    assert answer("PATCH", "/_local/faults") == (405, error_body("method_not_allowed", "GET, POST or DELETE"))


def test_a_message_goes_to_the_named_queue() -> None:
    stack = FakeStack()
    status, body = control.answer(stack, "POST", "/_local/queues/peken-local-payments/messages", b'{"body": "{oops"}')  # type: ignore[arg-type]
    assert (status, body) == (200, {"sent": True})
    assert stack.sent == [("url", "{oops")]


def test_the_outbox_lists_what_ses_and_sns_sent_newest_first_with_when() -> None:
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends

    from infra.local import outbox

    account, region = "123456789012", "eu-north-1"  # a region of its own: nothing else sends there
    outbox.install()
    outbox.install()  # once per process, however often asked
    ses, sns = ses_backends[account][region], sns_backends[account][region]
    ses.verify_email_identity("e-peken@peken.local")
    for to in ("first@example.id", "second@example.id"):
        ses.send_email("e-peken@peken.local", "Pengingat", f"Halo {to}", {"ToAddresses": [to]})
    sns.publish("Kode 123", arn=None, phone_number="+6281234567890")
    sent = outbox.messages(account, region)
    assert [(m["to"], m["subject"]) for m in sent["emails"]] == [
        (["second@example.id"], "Pengingat"),
        (["first@example.id"], "Pengingat"),
    ]
    assert all(m["at"] for m in sent["emails"]) and sent["emails"][0]["at"] >= sent["emails"][1]["at"]
    assert [(s["to"], s["body"]) for s in sent["sms"]] == [("+6281234567890", "Kode 123")] and sent["sms"][0]["at"]
