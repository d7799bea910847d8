"""Deliver a table's stream records to the app's stream handlers the way Lambda's event source mapping does.

One thread per handler reads every shard of its table's stream in order (GetRecords, up to
the handler's batch size) and invokes the handler with Lambda's DynamoDB event. A batch the
handler fails is retried, the same records again, until it succeeds: the shard waits, as it
does on AWS with unlimited retries. `chalice local` runs no stream handlers.

A fresh stack reads from the stream's start (TRIM_HORIZON, as the template's mapping does);
a stack restored from a snapshot from the records after the restore (LATEST), since the
restore's own writes are not new entries.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3

from infra.local import audit
from infra.local.lambda_context import LocalLambdaContext

log = logging.getLogger("peken.streams")
POLL_IDLE_SECONDS = 0.2
SHARDS_EVERY_SECONDS = 5.0  # how often new shards are looked for


@dataclass(frozen=True)
class StreamConsumer:
    """One table's stream and the handler Lambda would invoke for it."""

    name: str
    table: str
    batch_size: int
    handler: Callable[[dict[str, Any], Any], Any]


class StreamPump:
    """Poll every consumer's stream in its own thread until stopped."""

    def __init__(self, consumers: list[StreamConsumer], region: str, from_latest: bool, retry_delay: float = 2) -> None:
        self._consumers = consumers
        self._region = region
        self._start = "LATEST" if from_latest else "TRIM_HORIZON"
        self._retry_delay = retry_delay
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.invocations = 0

    def start(self) -> StreamPump:
        """Start one polling thread per consumer, each at its stream's position now."""
        for consumer in self._consumers:
            reader = _Reader(consumer, self._region, self._start)  # positioned before the thread starts
            thread = threading.Thread(target=self._loop, args=(reader,), name=f"stream-{consumer.name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop polling; a batch in progress finishes first."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=3)

    def _loop(self, reader: _Reader) -> None:
        while not self._stop.is_set():
            try:
                delivered = reader.poll_once(self._invoke)
            except Exception:  # the pump must outlive any emulator hiccup, as Lambda's poller does
                log.exception("stream pump error on %s", reader.consumer.table)
                delivered = 0
            if delivered < 0:
                self._stop.wait(self._retry_delay)  # the handler failed: the same records again, later
            elif not delivered:
                self._stop.wait(POLL_IDLE_SECONDS)

    def _invoke(self, consumer: StreamConsumer, event: dict[str, Any]) -> bool:
        self.invocations += 1
        try:
            with audit.running(consumer.name):
                consumer.handler(event, LocalLambdaContext(consumer.name))
        except Exception:
            log.exception("stream handler %s raised; its batch will be retried", consumer.name)
            return False
        return True


class _Reader:
    """The iterators of one stream's shards, moved on only past records the handler took."""

    def __init__(self, consumer: StreamConsumer, region: str, start: str) -> None:
        self.consumer = consumer
        self._start = start
        self._streams: Any = boto3.client("dynamodbstreams", region_name=region)
        table = boto3.client("dynamodb", region_name=region).describe_table(TableName=consumer.table)["Table"]
        self.arn: str = table["LatestStreamArn"]
        self._iterators: dict[str, str | None] = {}
        self._shards_at = -SHARDS_EVERY_SECONDS
        self._find_shards(0.0)

    def _find_shards(self, now: float) -> None:
        if now - self._shards_at < SHARDS_EVERY_SECONDS:
            return
        self._shards_at = now
        shards = self._streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        for shard in shards:
            if shard["ShardId"] not in self._iterators:
                self._iterators[shard["ShardId"]] = self._streams.get_shard_iterator(
                    StreamArn=self.arn, ShardId=shard["ShardId"], ShardIteratorType=self._start
                )["ShardIterator"]
        self._start = "TRIM_HORIZON"  # a shard that appears later is read from its start

    def poll_once(self, invoke: Callable[[StreamConsumer, dict[str, Any]], bool]) -> int:
        """Read each shard once and hand over what came; -1 if the handler failed, else how many records."""
        import time

        self._find_shards(time.monotonic())
        delivered = 0
        for shard, iterator in list(self._iterators.items()):
            if iterator is None:
                continue  # a closed shard, read to its end
            answer = self._streams.get_records(ShardIterator=iterator, Limit=self.consumer.batch_size)
            records = answer.get("Records", [])
            if records:
                event = {"Records": [{**r, "eventSourceARN": self.arn} for r in records]}
                if not invoke(self.consumer, event):
                    return -1  # the iterator stays: the same records come again
                delivered += len(records)
            self._iterators[shard] = answer.get("NextShardIterator")
        return delivered
