"""Deliver SQS messages to the app's queue handlers the way Lambda's event source mapping does.

Batches up to the handler's batch size, honours partial batch failures
(`batchItemFailures`), leaves failed messages to reappear after a retry delay, and lets
the queue's redrive policy move a message to its dead-letter queue after maxReceiveCount
receives. `chalice local` has none of this (Chalice #899, #979).

In the stack, each queue has `POLLERS` polling threads, each receiving and handling its own batch, as
Lambda's mapping invokes several workers at once (at least 2, `infra/aws/template.py`
MIN_POLLERS): with one, the order-events worker fell behind the API in a soak and the
end-of-run drain waited for it. Each thread long-polls (WaitTimeSeconds=LONG_POLL_SECONDS), as
Lambda's pollers do: the emulator answers as soon as a message is visible (`long_poll.py`).
Cost per poll: one ReceiveMessage, one DeleteMessageBatch per 10 handled messages; an idle
queue costs a receive per thread every LONG_POLL_SECONDS at most (it was 10 a second).
Pausing a queue's worker (`/_local/pump/{queue}/pause`) holds its long polls in the emulator.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import boto3

from infra.aws.template import MIN_POLLERS
from infra.local import audit
from infra.local.lambda_context import LocalLambdaContext

log = logging.getLogger("peken.pump")
POLL_IDLE_SECONDS = 0.1  # the pause after a failed poll
# Short, so that stop() finds every thread between polls within a second; Lambda's pollers wait 20 s.
LONG_POLL_SECONDS = 1
POLLERS = MIN_POLLERS  # concurrent batches per queue in the stack: the least a queue-fed function gets on AWS


class WorkerFaults(Protocol):
    """The faults the pump consults (`faults.Faults`, or its stand-in in the workers' process)."""

    def crash_after(self, consumer: str) -> int | None: ...

    def redeliver(self, queue: str, message_id: str) -> bool: ...


@dataclass(frozen=True)
class Consumer:
    """One queue and the handler Lambda would invoke for it."""

    name: str
    queue: str
    batch_size: int
    handler: Callable[[dict[str, Any], Any], Any]


class QueuePump:
    """Poll every consumer's queue in its own threads (`pollers` each) until stopped."""

    def __init__(
        self,
        consumers: list[Consumer],
        region: str,
        retry_delay_seconds: int = 2,
        faults: WorkerFaults | None = None,
        pollers: int = 1,
    ) -> None:
        self._consumers = consumers
        self._pollers = pollers
        self._faults = faults
        self._region = region
        self._retry_delay = retry_delay_seconds
        self.sqs: Any = boto3.client("sqs", region_name=region)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._busy: dict[str, int] = {c.queue: 0 for c in consumers}
        self._lock = threading.Lock()
        self.invocations = 0

    def start(self) -> QueuePump:
        """Start the polling threads of every consumer."""
        for consumer in self._consumers:
            for n in range(self._pollers):
                name = f"pump-{consumer.name}-{n}"
                thread = threading.Thread(target=self._loop, args=(consumer,), name=name, daemon=True)
                thread.start()
                self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop polling; a batch in progress finishes first."""
        self._stop.set()
        deadline = time.monotonic() + 3  # the stack must be gone within seconds of SIGTERM
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def _loop(self, consumer: Consumer) -> None:
        url = self.sqs.get_queue_url(QueueName=consumer.queue)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        while not self._stop.is_set():
            try:
                self.poll_once(consumer, url, arn, LONG_POLL_SECONDS)
            except Exception:  # the pump must outlive any emulator hiccup, as Lambda's poller does
                log.exception("pump error on %s", consumer.queue)
                self._stop.wait(POLL_IDLE_SECONDS)

    def poll_once(self, consumer: Consumer, url: str, arn: str, wait_seconds: int = 0) -> int:
        """Receive one batch (waiting up to `wait_seconds` for one) and invoke the handler with it.

        Return how many messages came.
        """
        received = self.sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(consumer.batch_size, 10),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=wait_seconds,
        ).get("Messages", [])
        if not received:
            return 0
        with self._lock:
            self._busy[consumer.queue] += 1
        try:
            failed = self._invoke(consumer, received, arn)
        finally:
            with self._lock:
                self._busy[consumer.queue] -= 1
        self._settle(consumer.queue, url, received, failed)
        return len(received)

    def _invoke(self, consumer: Consumer, messages: list[dict[str, Any]], arn: str) -> set[str]:
        """Invoke the handler; return the ids of messages to retry."""
        event = {"Records": [_record(m, arn, self._region) for m in messages]}
        with self._lock:
            self.invocations += 1
        crash_after = self._faults.crash_after(consumer.name) if self._faults else None
        try:
            with audit.running(consumer.name):
                if crash_after is not None:  # a Lambda that dies mid-batch: some records done, none reported
                    if crash_after:
                        consumer.handler({"Records": event["Records"][:crash_after]}, LocalLambdaContext(consumer.name))
                    raise RuntimeError(f"injected crash of {consumer.name} after {crash_after} records")
                result = consumer.handler(event, LocalLambdaContext(consumer.name))
        except Exception:
            log.exception("handler %s raised; the whole batch will be retried", consumer.name)
            return {m["MessageId"] for m in messages}
        if isinstance(result, dict) and result.get("batchItemFailures"):
            return {f["itemIdentifier"] for f in result["batchItemFailures"]}
        return set()

    def _settle(self, queue: str, url: str, messages: list[dict[str, Any]], failed: set[str]) -> None:
        handled = [m for m in messages if m["MessageId"] not in failed]
        again = {m["MessageId"] for m in handled if self._faults and self._faults.redeliver(queue, m["MessageId"])}
        done = [m for m in handled if m["MessageId"] not in again]
        for chunk in range(0, len(done), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[chunk : chunk + 10])
            ]
            self.sqs.delete_message_batch(QueueUrl=url, Entries=entries)
        for m in messages:
            if m["MessageId"] in again:
                # At-least-once delivery: the same message comes back although it was handled.
                self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
            elif m["MessageId"] in failed:
                # Lambda waits the queue's visibility timeout; locally we retry sooner.
                self.sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=self._retry_delay
                )

    def busy(self) -> bool:
        """Tell whether any handler is running now."""
        with self._lock:
            return any(self._busy.values())


def _record(message: dict[str, Any], arn: str, region: str) -> dict[str, Any]:
    """Shape a ReceiveMessage result as a Lambda SQS event record."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            k: {
                "stringValue": v.get("StringValue"),
                "binaryValue": v.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": v["DataType"],
            }
            for k, v in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": region,
    }


def wait_idle(sqs: Any, queue_urls: list[str], busy: Callable[[], bool], timeout: float) -> bool:
    """Wait until no queue holds a visible or in-flight message and no handler runs (`busy`)."""
    deadline = time.monotonic() + timeout
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    while time.monotonic() < deadline:
        counts = [sqs.get_queue_attributes(QueueUrl=u, AttributeNames=names)["Attributes"] for u in queue_urls]
        if not busy() and all(int(c[n]) == 0 for c in counts for n in names):
            return True
        time.sleep(0.1)
    return False
