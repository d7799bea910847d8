"""Benchmarks: the reminder job at 1,000 vs 13,000 ASN, and dashboards at 1k vs 50k orders.

The roster and spending rows are seeded straight into the emulator's memory. The reminder
job then runs for real (DynamoDB and SQS over HTTP to the emulator); we count its requests
and time it. Dashboards read counters only: we seed the counters that 1k and 50k paid orders
spread over 30 days, 31 kecamatan, 300 stores and 5 categories leave behind, then count the
requests each dashboard makes.

Run: make bench (or python -m tests.bench.spending).
"""

from __future__ import annotations

import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from infra.local.prepare import ACCOUNT, REGION

MONTH = "2026-11"
AS_OF = date(2026, 11, 21)
NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # 10:00 in Surabaya
DEPARTMENTS = [f"Dinas {i:02d}" for i in range(40)]


def _put(record: Any) -> None:
    from moto.dynamodb.models import dynamodb_backends

    dynamodb_backends[ACCOUNT][REGION].put_item(record.Meta.table_name, record.serialize())


def seed_roster(start: int, stop: int, rng: random.Random) -> None:
    """Roster rows [start, stop); two in five already spent enough this month."""
    from chalicelib.spending.tables import AsnRecord, SpendingRecord

    for i in range(start, stop):
        nip = f"19{i:016d}"
        department = DEPARTMENTS[i % len(DEPARTMENTS)]
        _put(
            AsnRecord(
                nip,
                name=f"ASN {i}",
                department=department,
                grade="III/a",
                user_id=f"user-{i}",
                email=f"asn{i}@surabaya.go.id" if i % 3 == 0 else None,
            )
        )
        if rng.random() < 0.4:
            _put(SpendingRecord(nip, MONTH, spent_idr=400_000, orders=3, department=department, compliant=1))
        elif rng.random() < 0.5:
            _put(SpendingRecord(nip, MONTH, spent_idr=100_000, orders=1, department=department, compliant=0))


def seed_counters(orders: int, rng: random.Random) -> None:
    """Counters as `orders` paid orders leave them (the keys do not grow with the orders)."""
    from collections import Counter

    from chalicelib.reports.tables import CounterRecord

    totals: Counter[tuple[str, str]] = Counter()
    for _ in range(orders):
        day = f"2026-11-{rng.randint(1, 30):02d}"
        for group, key in (
            ("kecamatan", f"Kec {rng.randint(1, 31)}"),
            ("store", f"S{rng.randint(1, 300):04d}"),
            ("category", f"cat{rng.randint(1, 5)}"),
        ):
            totals[(f"sales#{group}", f"{day}#{key}")] += 1
    for (pk, sk), count in totals.items():
        _put(CounterRecord(pk, sk, orders=count, gmv_idr=count * 50_000))
    for department in DEPARTMENTS:
        _put(CounterRecord(f"compliance#{MONTH}", department, spent_idr=orders * 1000, compliant_count=orders // 40))
        _put(CounterRecord("roster", department, asn_count=orders // 40 + 1))


def _consume(stop: threading.Event) -> None:
    """Take reminders off the queue as the notifications worker would (moto slows on long queues)."""
    import boto3

    sqs: Any = boto3.client("sqs", region_name=REGION)
    url = sqs.get_queue_url(QueueName="peken-local-notifications")["QueueUrl"]
    while not stop.is_set():
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if got:
            sqs.delete_message_batch(
                QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)]
            )
        else:
            stop.wait(0.05)


def measure_reminders() -> dict[str, Any]:
    """Run the reminder job; return requests by service and the time it took."""
    from chalicelib.spending import reminders
    from tests.helpers import CallCounter

    stop = threading.Event()
    consumer = threading.Thread(target=_consume, args=(stop,), daemon=True)
    consumer.start()
    try:
        with CallCounter() as counter:
            started = time.perf_counter()
            result = reminders.run(MONTH, AS_OF, now=NOW)
            seconds = time.perf_counter() - started
    finally:
        stop.set()
        consumer.join(timeout=5)
    return {
        "dynamodb": counter.services.count("dynamodb"),
        "sqs": counter.services.count("sqs"),
        "seconds": seconds,
        "app_seconds": seconds - counter.seconds,
        "queued": result["queued"],
        "laggards": result["laggards"],
    }


def measure_dashboards() -> dict[str, int]:
    """Count the DynamoDB requests of each dashboard."""
    from chalicelib.auth import Principal
    from chalicelib.reports import service as reports
    from tests.helpers import CallCounter

    admin = Principal("bench-admin", ("admin",))
    out = {}
    calls: tuple[tuple[str, Callable[[], Any]], ...] = (
        ("compliance", lambda: reports.compliance(admin, MONTH, None)),
        ("sales by day", lambda: reports.sales(admin, {"from": "2026-11-01", "to": "2026-11-30"})),
        (
            "sales by store",
            lambda: reports.sales(admin, {"from": "2026-11-01", "to": "2026-11-30", "group_by": "store"}),
        ),
        ("fairness", lambda: reports.fairness(admin, MONTH)),
    )
    for name, call in calls:
        with CallCounter() as counter:
            call()
        out[name] = counter.services.count("dynamodb")
    return out


def run(small: int = 1_000, large: int = 13_000) -> str:
    """Run both benchmarks and return the report."""
    from infra.local.emulator import Emulator
    from infra.local.prepare import prepare

    emulator = Emulator().start()
    prepare(Path(tempfile.mkdtemp()), emulator.url)
    from chalicelib import ids

    ids.CLOCK_OFFSET_SECONDS[0] = (NOW - datetime.now(UTC)).total_seconds()
    rng = random.Random(7)
    try:
        seed_roster(0, small, rng)
        first = measure_reminders()
        seed_roster(small, large, rng)
        # A fresh stage, so the 1k already reminded are reminded again at the larger size.
        import os

        os.environ["PEKEN_REMINDER_STAGES"] = "again:1"
        second = measure_reminders()
        seed_counters(1_000, rng)
        dash_small = measure_dashboards()
        seed_counters(49_000, rng)
        dash_large = measure_dashboards()
    finally:
        emulator.stop()
    lines = [
        f"Reminder job, {small:,} vs {large:,} ASN (about 60% are below quota and get a reminder)",
        f"{'ASN':>7} {'laggards':>9} {'DynamoDB':>9} {'per ASN':>8} {'SQS':>6} {'seconds':>8} "
        f"{'app ms/ASN':>10} {'total ms/ASN':>12}",
    ]
    for size, row in ((small, first), (large, second)):
        lines.append(
            f"{size:>7,} {row['laggards']:>9,} {row['dynamodb']:>9,} {row['dynamodb'] / size:>8.3f} "
            f"{row['sqs']:>6,} {row['seconds']:>8.2f} {1000 * row['app_seconds'] / size:>10.3f} "
            f"{1000 * row['seconds'] / size:>12.2f}"
        )
    app_ratio = (second["app_seconds"] / large) / (first["app_seconds"] / small)
    ratio = (second["seconds"] / large) / (first["seconds"] / small)
    lines.append(f"per-ASN time, large/small: app {app_ratio:.2f}, with emulator {ratio:.2f} (1.00 = linear)")
    lines.append("")
    lines.append("Dashboard DynamoDB requests, counters of 1,000 vs 50,000 paid orders")
    for name in dash_small:
        lines.append(f"  {name:<16} {dash_small[name]:>3} / {dash_large[name]:>3}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Run and print."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    print(run())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
