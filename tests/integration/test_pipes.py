"""Queues and schedules: partial batch failures, redelivery, dead letters, job records."""

from __future__ import annotations

import json
from typing import Any

from chalice.test import Client

from chalicelib import queues
from chalicelib.messages import Notify
from infra.local.pump import QueuePump
from infra.local.schedules import Scheduler
from infra.local.stack import REGION, schedules_of
from tests.helpers import error_of
from tests.integration.conftest import bearer, deliver_all


def inbox(client: Client, key_path: Any, user: str, **query: str) -> dict[str, Any]:
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return client.http.get(f"/v1/me/notifications?{qs}", headers=bearer(key_path, user)).json_body


def queue_url(pump: QueuePump, name: str) -> str:
    return str(pump.sqs.get_queue_url(QueueName=name)["QueueUrl"])


def test_redelivered_message_writes_one_entry(client: Client, aws: dict[str, Any], pump: QueuePump, user: str) -> None:
    message = Notify(user_id=user, kind="profile_updated", params={"fields": ["name"]})
    queues.publish(message)
    queues.publish(message)  # SQS delivers at least once: the same message twice
    deliver_all(pump)
    assert len(inbox(client, aws["key_path"], user)["items"]) == 1


def test_poison_message_goes_to_dlq_without_blocking_its_batch(
    client: Client, aws: dict[str, Any], pump: QueuePump, user: str
) -> None:
    main = queue_url(pump, "peken-local-notifications")
    dlq = queue_url(pump, "peken-local-notifications-dlq")
    pump.sqs.send_message_batch(
        QueueUrl=main,
        Entries=[
            {"Id": "poison", "MessageBody": "{not json"},
            {
                "Id": "good",
                "MessageBody": Notify(user_id=user, kind="profile_updated", params={"fields": []}).to_json(),
            },
        ],
    )
    deliver_all(pump, rounds=2)  # at once: a poison message is not retried until SQS gives up on it
    assert len(inbox(client, aws["key_path"], user)["items"]) == 1
    dead = pump.sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    assert [m["Body"] for m in dead.get("Messages", [])] == ["{not json"]
    assert "unreadable" in dead["Messages"][0]["MessageAttributes"]["poison"]["StringValue"]
    dead = dead["Messages"]
    for m in dead:
        pump.sqs.delete_message(QueueUrl=dlq, ReceiptHandle=m["ReceiptHandle"])


def test_inbox_pages_newest_first_with_cursor(client: Client, aws: dict[str, Any], pump: QueuePump, user: str) -> None:
    for i in range(25):
        queues.publish(Notify(user_id=user, kind="profile_updated", params={"fields": [f"f{i}"]}))
    deliver_all(pump)
    first = inbox(client, aws["key_path"], user)
    assert len(first["items"]) == 20 and first["next_cursor"]
    second = inbox(client, aws["key_path"], user, cursor=first["next_cursor"])
    assert len(second["items"]) == 5
    ids = [n["id"] for n in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 25
    # The same cursor on someone else's inbox reads only their (empty) inbox.
    assert inbox(client, aws["key_path"], user + "-x", cursor=first["next_cursor"])["items"] == []


def test_bad_paging_parameters_are_422(client: Client, aws: dict[str, Any], user: str) -> None:
    for query in ("limit=0", "limit=101", "cursor=%21%21"):
        response = client.http.get(f"/v1/me/notifications?{query}", headers=bearer(aws["key_path"], user))
        assert response.status_code == 422
        assert error_of(response.json_body)["code"] == "validation_error"


def test_schedule_run_is_recorded_and_shown_to_admins(
    client: Client, aws: dict[str, Any], app_module: Any, user: str
) -> None:
    scheduler = Scheduler(schedules_of(app_module), REGION, automatic=False)
    beat = scheduler.run_now("heartbeat")
    assert beat["alive"] is True
    assert set(beat["dead_letters"]) == {
        "notifications-dlq",
        "payments-dlq",
        "order-events-dlq",
        "expiry-dlq",
        "exports-dlq",
    }
    response = client.http.get("/v1/admin/jobs", headers=bearer(aws["key_path"], user, ["admin"]))
    jobs = {j["job"]: j for j in response.json_body["items"]}
    assert jobs["heartbeat"]["last_run"]["outcome"] == "succeeded"
    assert jobs["heartbeat"]["schedule"] == "rate(5 minutes)"
    forbidden = client.http.get("/v1/admin/jobs", headers=bearer(aws["key_path"], user, ["buyer"]))
    assert forbidden.status_code == 403
    assert error_of(forbidden.json_body)["code"] == "forbidden"


def test_local_tables_and_queues_follow_the_template(aws: dict[str, Any], pump: QueuePump) -> None:
    import boto3

    from chalicelib.queues import MAX_RECEIVES
    from infra.aws import resources

    fragment = resources.load("local")
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for table in resources.of_type(fragment, "AWS::DynamoDB::Table").values():
        props = table["Properties"]
        described = dynamodb.describe_table(TableName=props["TableName"])["Table"]
        assert described["KeySchema"] == props["KeySchema"]
    main = queue_url(pump, "peken-local-notifications")
    attrs = pump.sqs.get_queue_attributes(QueueUrl=main, AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attrs["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(":peken-local-notifications-dlq")
    assert int(redrive["maxReceiveCount"]) == MAX_RECEIVES
    # Every queue with a dead-letter queue gives a message the tries the workers count on.
    for queue in resources.of_type(fragment, "AWS::SQS::Queue").values():
        if "RedrivePolicy" in queue["Properties"]:
            assert int(queue["Properties"]["RedrivePolicy"]["maxReceiveCount"]) == MAX_RECEIVES
