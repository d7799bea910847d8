"""The local pump hands a queue's batches to several workers at once, as Lambda's SQS mapping does.

With one poller per queue the order-events worker fell behind the API in a soak; the stack
runs `POLLERS` per queue (`infra/local/pump.py`), each with a batch of its own.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import boto3

from infra.local.pump import POLLERS, Consumer, QueuePump
from infra.local.stack import REGION


def test_a_queue_is_worked_by_several_pollers_at_once(aws: dict[str, Any]) -> None:
    assert POLLERS >= 2
    sqs: Any = boto3.client("sqs", region_name=REGION)
    name = f"pollers-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    for n in range(0, 40, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(n, n + 10)])
    together = threading.Barrier(POLLERS, timeout=10)  # broken unless POLLERS batches are in hand at one time
    lock = threading.Lock()
    seen: list[str] = []
    running, most, broken = [0], [0], []

    def handler(event: dict[str, Any], context: Any) -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            if not seen:
                together.wait()
        except threading.BrokenBarrierError:
            broken.append(1)
        finally:
            with lock:
                running[0] -= 1
                seen.extend(r["body"] for r in event["Records"])

    pump = QueuePump([Consumer("pollers", name, 10, handler)], REGION, retry_delay_seconds=0, pollers=POLLERS).start()
    try:
        deadline = time.monotonic() + 30
        while len(set(seen)) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        pump.stop()
    assert sorted(set(seen), key=int) == [str(i) for i in range(40)]
    assert not broken and most[0] == POLLERS
    assert pump.invocations >= POLLERS
