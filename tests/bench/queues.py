"""Benchmark: SQS cost on the emulator with a shallow and a deep queue (10 vs 5,000 messages waiting).

What the local pump does per batch, timed over HTTP through boto3: ReceiveMessage of 10 (all
attributes, as the pump asks), DeleteMessageBatch of those 10, and a SendMessageBatch of 10
that keeps the depth; then GetQueueAttributes of the two counts `wait_idle` polls. Side by
side: moto as shipped (`moto_patches.full_walk()`) and the emulator as patched
(infra/local/moto_patches.py, 4.: a receive reads only its batch, handles are indexed,
attributes are computed only when asked for). Before that patch a backlog slowed every
poll, the pump fell further behind, and a 5,000-operation soak did not finish.

Target (issue 18, the local stack scales): each step at 5,000 queued costs at most 2x what it
costs at 10 on the emulator; printed with PASS/FAIL. (The counts still walk the queue, as
moto's do, but with one clock reading instead of two per message: about 1 ms at 5,000.)

Run: make bench (or python -m tests.bench.queues [--shallow N --deep N]).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from infra.local.prepare import ACCOUNT, REGION
from tests.bench import verdict

REPEATS, STOCK_REPEATS = 9, 3  # moto as shipped takes tens of seconds per receive at 5,000 queued
TARGET_RATIO = 2.0  # issue 18: the emulator's cost does not grow with what is queued
STEPS = ("receive 10", "delete 10", "send 10", "counts")


def fill(queue_name: str, count: int) -> None:
    """Queue `count` messages straight into the emulator's memory (as the app's events look)."""
    from moto.sqs.models import sqs_backends

    backend = sqs_backends[ACCOUNT][REGION]
    attributes = {"type": {"DataType": "String", "StringValue": "OrderEvent"}}
    for i in range(count):
        backend.send_message(queue_name, f'{{"order_id": "O{i:09d}", "event": "paid"}}', message_attributes=attributes)


def measure(client: Any, url: str, repeats: int) -> dict[str, float]:
    """Time the pump's cycle `repeats` times; return each step's median in ms."""
    times: dict[str, list[float]] = {step: [] for step in STEPS}

    def timed(step: str, call: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = call()
        times[step].append((time.perf_counter() - started) * 1000)
        return result

    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    for _ in range(repeats):
        got = timed(
            "receive 10",
            lambda: client.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"]
            )["Messages"],
        )
        assert len(got) == 10
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)]
        timed("delete 10", lambda: client.delete_message_batch(QueueUrl=url, Entries=entries))  # noqa: B023
        sends = [{"Id": str(i), "MessageBody": m["Body"]} for i, m in enumerate(got)]
        timed("send 10", lambda: client.send_message_batch(QueueUrl=url, Entries=sends))  # noqa: B023
        timed("counts", lambda: client.get_queue_attributes(QueueUrl=url, AttributeNames=names))
    return {step: statistics.median(values) for step, values in times.items()}


def run(shallow: int, deep: int) -> dict[str, dict[int, dict[str, float]]]:
    """Measure both emulators at both depths."""
    import boto3

    from infra.local import moto_patches
    from infra.local.emulator import Emulator

    emulator = Emulator().start()
    client: Any = boto3.client(
        "sqs",
        region_name=REGION,
        endpoint_url=emulator.url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    modes: dict[str, Callable[[], contextlib.AbstractContextManager[None]]] = {
        "moto as shipped": moto_patches.full_walk,
        "ours (patched)": contextlib.nullcontext,
    }
    out: dict[str, dict[int, dict[str, float]]] = {}
    try:
        for mode, inside in modes.items():
            out[mode] = {}
            for depth in (shallow, deep):
                name = f"bench-{uuid.uuid4().hex[:8]}"
                url = client.create_queue(QueueName=name)["QueueUrl"]
                fill(name, depth)
                with inside():
                    out[mode][depth] = measure(
                        client, url, STOCK_REPEATS if inside is moto_patches.full_walk else REPEATS
                    )
    finally:
        emulator.stop()
    return out


def report(rows: dict[str, dict[int, dict[str, float]]], shallow: int, deep: int) -> str:
    """Format the side-by-side table."""
    lines = [
        f"SQS cost on the emulator, {shallow:,} vs {deep:,} messages queued "
        f"(median ms of {REPEATS} pump cycles, {STOCK_REPEATS} as shipped)",
        f"{'emulator':<17} {'step':<11} {f'{shallow:,} queued':>12} {f'{deep:,} queued':>13} {'ratio':>7}",
    ]
    for mode, depths in rows.items():
        for step in STEPS:
            small, large = depths[shallow][step], depths[deep][step]
            lines.append(f"{mode:<17} {step:<11} {small:>12.2f} {large:>13.2f} {large / small:>7.1f}")
    ours = rows["ours (patched)"]
    worst = max(ours[deep][step] / ours[shallow][step] for step in STEPS)
    lines.append(
        f"Target: each step at {deep:,} queued costs <= {TARGET_RATIO:g}x what it costs at {shallow:,}: "
        f"worst x{worst:.2f} -> {verdict(worst <= TARGET_RATIO)}"
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--shallow", type=int, default=10)
    parser.add_argument("--deep", type=int, default=5_000)
    args = parser.parse_args(argv)
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    print(report(run(args.shallow, args.deep), args.shallow, args.deep))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
