"""The emulator answers SQS long polls as SQS does, without holding up anyone else (`long_poll.py`).

A receive with WaitTimeSeconds gets a message as soon as one is visible: sent, delayed and
then due, or made visible again. It gets nothing, after its wait, from an empty queue; other
requests are answered while it waits. A held queue (a paused worker) gives its long polls
nothing, even one that was already waiting, until it is released. A receive with no wait
answers at once, held or not.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from infra.local.stack import REGION

LONG = 10  # seconds a poll may wait in these tests; every answer expected here comes well before


@pytest.fixture()
def sqs(aws: dict[str, Any]) -> Any:
    return boto3.client("sqs", region_name=REGION)


@pytest.fixture()
def queue(sqs: Any) -> str:
    return str(sqs.create_queue(QueueName=f"lp-{uuid.uuid4().hex[:8]}")["QueueUrl"])


@pytest.fixture()
def background() -> Any:
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield pool


def long_poll(sqs: Any, queue: str, wait: int = LONG) -> tuple[list[str], float]:
    """Receive with a wait; return the bodies received and the seconds the answer took."""
    started = time.monotonic()
    messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=wait, MaxNumberOfMessages=10).get("Messages", [])
    return [m["Body"] for m in messages], time.monotonic() - started


def waiting(background: ThreadPoolExecutor, poll: Callable[[], tuple[list[str], float]]) -> Future[Any]:
    """Start a long poll in the background and give it time to be waiting in the emulator."""
    future = background.submit(poll)
    time.sleep(0.5)
    assert not future.done()
    return future


def test_a_waiting_poll_gets_a_sent_message_at_once(sqs: Any, queue: str, background: ThreadPoolExecutor) -> None:
    poll = waiting(background, lambda: long_poll(sqs, queue))
    sqs.send_message(QueueUrl=queue, MessageBody="hello")
    bodies, took = poll.result(timeout=LONG + 5)
    assert bodies == ["hello"]
    assert took < LONG / 2


def test_an_empty_queue_answers_nothing_after_the_wait(sqs: Any, queue: str) -> None:
    bodies, took = long_poll(sqs, queue, wait=1)
    assert bodies == []
    assert took >= 1


def test_others_are_answered_while_a_poll_waits(sqs: Any, queue: str, background: ThreadPoolExecutor) -> None:
    poll = waiting(background, lambda: long_poll(sqs, queue, wait=3))
    started = time.monotonic()
    for _ in range(5):
        sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])
    assert time.monotonic() - started < 2  # not queued behind the poll's 3 s
    assert not poll.done()
    assert poll.result(timeout=10)[0] == []


def test_a_delayed_message_is_received_when_it_is_due(sqs: Any, queue: str, background: ThreadPoolExecutor) -> None:
    poll = waiting(background, lambda: long_poll(sqs, queue))
    sqs.send_message(QueueUrl=queue, MessageBody="later", DelaySeconds=3)
    bodies, took = poll.result(timeout=LONG + 5)
    assert bodies == ["later"]
    assert 3 <= took < LONG - 2  # once due, not at the end of the wait


def test_a_batch_with_one_delayed_entry_delivers_the_rest_first(sqs: Any, queue: str) -> None:
    entries = [{"Id": "now", "MessageBody": "now"}, {"Id": "later", "MessageBody": "later", "DelaySeconds": 2}]
    sqs.send_message_batch(QueueUrl=queue, Entries=entries)
    assert long_poll(sqs, queue)[0] == ["now"]
    bodies, took = long_poll(sqs, queue)
    assert bodies == ["later"]
    assert took < LONG / 2


def test_a_message_made_visible_again_wakes_a_waiting_poll(
    sqs: Any, queue: str, background: ThreadPoolExecutor
) -> None:
    sqs.send_message(QueueUrl=queue, MessageBody="retry me")
    handle = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=300)["Messages"][0]["ReceiptHandle"]
    poll = waiting(background, lambda: long_poll(sqs, queue))
    sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=handle, VisibilityTimeout=0)
    bodies, took = poll.result(timeout=LONG + 5)
    assert bodies == ["retry me"]
    assert took < LONG / 2


def test_a_held_queue_gives_its_long_polls_nothing_until_released(
    aws: dict[str, Any], sqs: Any, queue: str, background: ThreadPoolExecutor
) -> None:
    polls = aws["emulator"].long_polls
    name = queue.rpartition("/")[2]
    poll = waiting(background, lambda: long_poll(sqs, queue, wait=3))
    polls.hold(name)
    try:
        assert name in polls.held()
        sqs.send_message(QueueUrl=queue, MessageBody="held")
        assert poll.result(timeout=10)[0] == []  # it was waiting when the queue was held
        assert long_poll(sqs, queue, wait=1)[0] == []
        peeked = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0, VisibilityTimeout=0).get("Messages", [])
        assert [m["Body"] for m in peeked] == ["held"]  # a receive with no wait is not held
        poll = waiting(background, lambda: long_poll(sqs, queue))
    finally:
        polls.release(name)
    bodies, took = poll.result(timeout=LONG + 5)
    assert bodies == ["held"]
    assert took < LONG / 2
    assert name not in polls.held()
