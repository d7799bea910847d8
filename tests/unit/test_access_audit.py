"""The grant checker and the access recorder agree on what IAM would allow."""

from __future__ import annotations

import pytest

from infra.aws.access import GRANTS, violations
from infra.local.audit import accesses


@pytest.fixture(autouse=True)
def local_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEKEN_STAGE", "local")


def test_transactions_need_each_items_action_on_its_table() -> None:
    params = {
        "TransactItems": [
            {"ConditionCheck": {"TableName": "peken-local-stores"}},
            {"Update": {"TableName": "peken-local-products"}},
            {"Put": {"TableName": "peken-local-orders"}},
        ]
    }
    assert accesses("dynamodb", "TransactWriteItems", params) == [
        ("dynamodb:ConditionCheckItem", "stores"),
        ("dynamodb:UpdateItem", "products"),
        ("dynamodb:PutItem", "orders"),
    ]


def test_batches_and_queues_are_named_by_short_name() -> None:
    assert accesses("dynamodb", "BatchGetItem", {"RequestItems": {"peken-local-orders": {}}}) == [
        ("dynamodb:BatchGetItem", "orders")
    ]
    url = "http://127.0.0.1:5000/123456789012/peken-local-order-events"
    assert accesses("sqs", "SendMessageBatch", {"QueueUrl": url}) == [("sqs:SendMessage", "order-events")]


def test_a_function_stepping_outside_its_grant_is_reported() -> None:
    allowed = {"function": "heartbeat", "action": "dynamodb:PutItem", "resource": "jobs"}
    outside = {"function": "heartbeat", "action": "dynamodb:GetItem", "resource": "orders"}
    sneaky = {"function": "notifications_worker", "action": "sqs:ReceiveMessage", "resource": "payments"}
    unknown = {"function": "new_worker", "action": "dynamodb:GetItem", "resource": "jobs"}
    assert violations([allowed]) == []
    assert violations([allowed, outside, sneaky, unknown]) == [
        "heartbeat: dynamodb:GetItem on orders",
        "new_worker: a function with no grant",
        "notifications_worker: sqs:ReceiveMessage on payments",
    ]


def test_only_the_notifications_worker_may_send_email_or_sms() -> None:
    assert {name for name, grant in GRANTS.items() if grant.email or grant.sms} == {"notifications_worker"}
    assert not GRANTS["api_handler"].allows("dynamodb:PutItem", "inbox")
    assert GRANTS["api_handler"].allows("dynamodb:Query", "inbox")
