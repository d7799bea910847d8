"""Benchmark: the compliance export of 1,000 vs 13,000 ASN, rows per second and peak memory.

The emulator runs in a child process (so its memory, which holds the tables and the file, is
not counted); the roster and the month's spending are written to it with BatchWriteItem. The
export is asked for as the API would (`exports.service.create`) and its steps run in this
process, each one part, as the exports worker runs them from the queue, against DynamoDB and
S3 over HTTP. tracemalloc measures the peak of everything this process allocates meanwhile.
Parts of 5 MiB (S3's minimum, the deployed setting) and of 256 KiB show that the peak follows
the part size, not the number of rows.

Run: make bench (or python -m tests.bench.exports).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("S3_UPLOAD_PART_MIN_SIZE", "1")  # before moto loads: let the emulator take small parts

from chalicelib import storage
from tests.bench.spending import DEPARTMENTS, MONTH, NOW

SIZES = (1_000, 13_000)
PART_SIZES = (5 * 1024 * 1024, 256 * 1024)


def export_once(part_bytes: int) -> dict[str, Any]:
    """Ask for the month's compliance export and run its steps to the end; measure them."""
    from chalicelib.auth import Principal
    from chalicelib.exports import model, service, worker
    from chalicelib.exports.tables import ExportRecord

    os.environ[worker.PART_BYTES_ENV] = str(part_bytes)
    admin = Principal("bench-admin", ("admin",))
    export_id = service.create(admin, model.NewExport(kind="compliance", month=MONTH))["export_id"]
    steps = 0
    tracemalloc.start()
    started = time.perf_counter()
    while True:
        worker.step(export_id)
        steps += 1
        record = ExportRecord.get(export_id, consistent_read=True)
        if record.status in ("done", "failed"):
            break
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert record.status == "done", record.error
    size = storage.client().head_object(Bucket=storage.uploads_bucket(), Key=record.key)["ContentLength"]
    return {"rows": int(record.rows), "steps": steps, "seconds": seconds, "peak": peak, "bytes": size}


def _serve(urls: Any) -> None:
    """The child process: an emulator until the parent ends it."""
    import logging
    import threading

    from infra.local.emulator import Emulator

    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    urls.put(Emulator().start().url)
    threading.Event().wait()


def seed_roster(start: int, stop: int, rng: random.Random) -> None:
    """Roster rows [start, stop) over HTTP; two in five already spent enough this month."""
    from chalicelib.spending.tables import AsnRecord, SpendingRecord

    with AsnRecord.batch_write() as asn, SpendingRecord.batch_write() as spending:
        for i in range(start, stop):
            nip, department = f"19{i:016d}", DEPARTMENTS[i % len(DEPARTMENTS)]
            asn.save(AsnRecord(nip, name=f"ASN {i}", department=department, grade="III/a", user_id=f"user-{i}"))
            if rng.random() < 0.4:
                spending.save(SpendingRecord(nip, MONTH, spent_idr=400_000, orders=3, department=department))


def run() -> str:
    """Seed 1,000 then 13,000 ASN; export each with both part sizes; return the report."""
    import multiprocessing

    from infra.local.prepare import prepare

    context = multiprocessing.get_context("spawn")
    urls = context.Queue()
    child = context.Process(target=_serve, args=(urls,), daemon=True)
    child.start()
    prepare(Path(tempfile.mkdtemp()), urls.get(timeout=60))
    from chalicelib import ids

    ids.CLOCK_OFFSET_SECONDS[0] = (NOW - datetime.now(UTC)).total_seconds()
    rng = random.Random(7)
    results: list[tuple[int, int, dict[str, Any]]] = []
    seeded = 0
    try:
        for size in SIZES:
            seed_roster(seeded, size, rng)
            if not results:
                export_once(PART_SIZES[0])  # warm up: imports and clients are not the export's memory
            seeded = size
            for part in PART_SIZES:
                results.append((size, part, export_once(part)))
    finally:
        child.terminate()
        child.join(timeout=10)
    lines = [
        "Compliance export (one row per ASN), parts written through the emulator's S3",
        f"{'ASN':>7} {'part KiB':>9} {'rows':>7} {'parts':>6} {'file KiB':>9} {'seconds':>8} "
        f"{'rows/s':>8} {'peak MiB':>9}",
    ]
    for size, part, row in results:
        lines.append(
            f"{size:>7,} {part // 1024:>9,} {row['rows']:>7,} {row['steps']:>6} {row['bytes'] // 1024:>9,} "
            f"{row['seconds']:>8.2f} {row['rows'] / row['seconds']:>8,.0f} {row['peak'] / 2**20:>9.2f}"
        )
        assert row["rows"] == size
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Run and print."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    print(run())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
