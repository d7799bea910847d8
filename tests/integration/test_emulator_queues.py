"""The emulator's SQS reads only the messages it answers with, and answers exactly as moto's own walks do.

`infra/local/moto_patches.py` (4.) makes ReceiveMessage stop once it has its batch, computes
only the queue attributes a request reads and finds receipt handles through an index. Here
the same random run of sends, batch sends, receives (visibility 0 or 60 s, a redrive to a
dead-letter queue after two receives), deletes and visibility changes (by current, earlier,
deleted and made-up receipt handles) and attribute reads is made twice over HTTP: on the
patched emulator, and on two other queues inside `full_walk()` by moto's own code. Every
answer must be identical; then a receive on a deep queue is shown to read only its batch,
and a request not to list moto's package directory (5.).
"""

from __future__ import annotations

import random
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from infra.local import moto_patches
from infra.local.stack import REGION

ATTRIBUTES = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "RedrivePolicy",
    "DelaySeconds",
)


def make_queues(client: Any) -> tuple[str, str]:
    """A queue whose messages go to its dead-letter queue at their third receive; return their URLs."""
    name = f"sq-{uuid.uuid4().hex[:8]}"
    dead = client.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    arn = client.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = f'{{"deadLetterTargetArn": "{arn}", "maxReceiveCount": 2}}'
    main = client.create_queue(QueueName=name, Attributes={"RedrivePolicy": redrive})["QueueUrl"]
    return main, dead


def answer(call: Any, done: str, **request: Any) -> Any:
    """Make the call; return `done`, or the error code it got."""
    try:
        call(**request)
    except ClientError as error:
        return {"error": error.response["Error"]["Code"]}
    return done


def run(client: Any, seed: int, main: str, dead: str) -> list[Any]:
    """Make the seed's random run of requests; return what each answered, without ids, handles and names."""
    rng, trace, sent = random.Random(seed), [], 0
    handles: list[tuple[str, str]] = []
    names = {main.rsplit("/", 1)[1]: "main", dead.rsplit("/", 1)[1]: "dead"}

    def received(url: str, count: int, visibility: int) -> list[Any]:
        got = client.receive_message(
            QueueUrl=url, MaxNumberOfMessages=count, VisibilityTimeout=visibility, AttributeNames=["All"]
        ).get("Messages", [])
        handles.extend((url, m["ReceiptHandle"]) for m in got)
        return [(m["Body"], m["Attributes"]["ApproximateReceiveCount"]) for m in got]

    for _ in range(160):
        op = rng.random()
        url = main if rng.random() < 0.85 else dead
        if op < 0.25:
            sent += 1
            delay = rng.choice([0, 0, 0, 60])
            trace.append(answer(client.send_message, "sent", QueueUrl=url, MessageBody=f"m{sent}", DelaySeconds=delay))
        elif op < 0.35:
            entries = [{"Id": str(i), "MessageBody": f"b{sent}-{i}"} for i in range(rng.randint(1, 10))]
            sent += 1
            trace.append(len(client.send_message_batch(QueueUrl=url, Entries=entries).get("Successful", [])))
        elif op < 0.6:
            count, visibility = rng.randint(1, 10), rng.choice([0, 0, 60])
            trace.append(received(url, count, visibility))
        elif op < 0.75 and handles:
            where, handle = rng.choice(handles)
            trace.append(answer(client.delete_message, "deleted", QueueUrl=where, ReceiptHandle=handle))
        elif op < 0.8:
            trace.append(answer(client.delete_message, "deleted", QueueUrl=url, ReceiptHandle=uuid.uuid4().hex))
        elif op < 0.9 and handles:
            where, handle = rng.choice(handles)
            visibility = rng.choice([0, 60])
            change = client.change_message_visibility
            trace.append(answer(change, "changed", QueueUrl=where, ReceiptHandle=handle, VisibilityTimeout=visibility))
        else:
            asked = ["All"] if rng.random() < 0.2 else rng.sample(ATTRIBUTES, rng.randint(1, 3))
            got = client.get_queue_attributes(QueueUrl=url, AttributeNames=asked)["Attributes"]
            for name in ("QueueArn", "CreatedTimestamp", "LastModifiedTimestamp", "RedrivePolicy"):
                if name in got:
                    got[name] = "present"
            trace.append(got)
    trace.append({names[u.rsplit("/", 1)[1]]: received(u, 10, 60) for u in (main, dead)})
    return trace


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_patched_sqs_answers_as_motos_walks(aws: dict[str, Any], seed: int) -> None:
    client: Any = boto3.client("sqs", region_name=REGION)
    patched = run(client, seed, *make_queues(client))
    with moto_patches.full_walk():
        walked = run(client, seed, *make_queues(client))
    assert patched == walked
    assert any(isinstance(t, list) and t for t in patched) and {"error": "ReceiptHandleIsInvalid"} in patched


def test_a_receive_reads_only_its_batch(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """With 3,000 messages queued, receiving and deleting a batch reads a batch, and counts stay exact."""
    from moto.sqs.models import Message

    client: Any = boto3.client("sqs", region_name=REGION)
    url = client.create_queue(QueueName=f"deep-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    for start in range(0, 3000, 10):
        entries = [{"Id": str(i), "MessageBody": f"m{start + i}"} for i in range(10)]
        client.send_message_batch(QueueUrl=url, Entries=entries)
    reads: list[int] = []
    original = Message.visible

    def counting(self: Any) -> bool:
        reads.append(1)
        return bool(original.fget(self))  # type: ignore[attr-defined]

    monkeypatch.setattr(Message, "visible", property(counting))
    got = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    receive_reads = len(reads)
    client.delete_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)]
    )
    client.send_message(QueueUrl=url, MessageBody="late")
    quiet_reads = len(reads) - receive_reads
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    counts = client.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    assert [m["Body"] for m in got] == [f"m{i}" for i in range(10)]
    assert receive_reads <= 2 * 10  # moto's own receive read all 3,000 (and more, per message returned)
    assert quiet_reads == 0  # deleting and sending do not walk the queue
    assert counts == {names[0]: "2991", names[1]: "0"}  # counted when asked for, exactly


def test_a_request_does_not_list_motos_package(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    listed: list[str] = []
    original = os.listdir

    def listing(path: Any = ".") -> list[str]:
        listed.append(str(path))
        return original(path)

    monkeypatch.setattr(os, "listdir", listing)
    client: Any = boto3.client("sqs", region_name=REGION)
    assert client.list_queues()["QueueUrls"]
    assert listed == []  # moto as shipped lists its own directory for every request's host
