"""Publish messages to SQS and turn inbound SQS batches into messages, with partial failures."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chalicelib import metrics, observability
from chalicelib.config import queue_name as queue_name
from chalicelib.dynamo import region
from chalicelib.messages import Message, PoisonMessage, parse_message

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


DEAD_LETTER_QUEUES = ("notifications-dlq", "payments-dlq", "order-events-dlq", "expiry-dlq", "exports-dlq")
MAX_DELAY_SECONDS = 900  # SQS's longest delay (15 minutes): a longer wait re-queues itself in steps


@lru_cache(maxsize=1)
def _client() -> SQSClient:
    import boto3

    return boto3.client("sqs", region_name=region())


@lru_cache(maxsize=32)
def _queue_url(name: str) -> str:
    return _client().get_queue_url(QueueName=name)["QueueUrl"]


def dead_letters() -> dict[str, int]:
    """Count the messages waiting in each dead-letter queue (by short name)."""
    out = {}
    for short in DEAD_LETTER_QUEUES:
        attributes = _client().get_queue_attributes(
            QueueUrl=_queue_url(queue_name(short)), AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        out[short] = int(attributes.get("ApproximateNumberOfMessages", 0))
    return out


def publish(message: Message, delay_seconds: int = 0) -> None:
    """Send a message to its queue, stamped with the current correlation id."""
    if not message.correlation_id:
        object.__setattr__(message, "correlation_id", observability.correlation_id())
    _client().send_message(
        QueueUrl=_queue_url(queue_name(message.QUEUE)),
        MessageBody=message.to_json(),
        DelaySeconds=delay_seconds,
        MessageAttributes={"type": {"DataType": "String", "StringValue": message.TYPE}},
    )


def publish_many(messages: Sequence[Message]) -> None:
    """Send messages of one queue in batches of ten (SendMessageBatch): a tenth of the requests."""
    for message in messages:
        if not message.correlation_id:
            object.__setattr__(message, "correlation_id", observability.correlation_id())
    for start in range(0, len(messages), 10):
        chunk = messages[start : start + 10]
        entries: Any = [
            {
                "Id": str(i),
                "MessageBody": m.to_json(),
                "MessageAttributes": {"type": {"DataType": "String", "StringValue": m.TYPE}},
            }
            for i, m in enumerate(chunk)
        ]
        result = _client().send_message_batch(QueueUrl=_queue_url(queue_name(chunk[0].QUEUE)), Entries=entries)
        if result.get("Failed"):
            raise RuntimeError(f"{len(result['Failed'])} messages were not queued")


# Every queue's maxReceiveCount (its redrive policy in infra/aws/resources.json; an
# integration test holds each queue to it): tries before a message goes to the dead-letter queue.
MAX_RECEIVES = 5


def handle_batch(
    event: dict[str, Any], handler: Callable[[Message], None], given_up: Callable[[Message], None] | None = None
) -> dict[str, Any]:
    """Handle each record of an SQS batch; report only the failed ones back to SQS.

    Powertools' BatchProcessor gives Lambda's partial batch response; a failed record
    is retried alone and ends in the dead-letter queue after MAX_RECEIVES tries, `given_up`
    called on its last failure (to mark what it was doing as failed). A poison record (one
    no retry can handle) goes to the dead-letter queue at once.
    """
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    def record_handler(record: SQSRecord) -> None:
        try:
            message = parse_message(record.body)
        except PoisonMessage as exc:
            dead_letter(record.event_source_arn, record.body, "unreadable", exc)
            return
        observability.begin(message.correlation_id or None)
        try:
            handler(message)
        except PoisonMessage as exc:
            dead_letter(record.event_source_arn, record.body, message.TYPE, exc)
        except Exception:
            observability.logger.exception("message failed", extra={"message_type": message.TYPE})
            if given_up is not None and int(record.attributes.approximate_receive_count or 0) >= MAX_RECEIVES:
                given_up(message)
            raise
        finally:
            observability.end()

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    try:
        return dict(process_partial_response(event=event, record_handler=record_handler, processor=processor))
    finally:
        metrics.flush()


def dead_letter(queue_arn: str, body: str, message_type: str, reason: Exception) -> None:
    """Move a poison message to its queue's dead-letter queue (where the alarm and the operator see it)."""
    queue = queue_arn.rsplit(":", 1)[-1]
    observability.logger.error(
        "poison message moved to the dead-letter queue", extra={"message_type": message_type, "queue": queue}
    )
    _client().send_message(
        QueueUrl=_queue_url(f"{queue}-dlq"),
        MessageBody=body,
        MessageAttributes={
            "type": {"DataType": "String", "StringValue": message_type},
            "poison": {"DataType": "String", "StringValue": str(reason)[:256] or type(reason).__name__},
        },
    )
