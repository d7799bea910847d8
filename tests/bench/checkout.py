"""Benchmark: round trips of one checkout as it grows from 1 to 25 lines and 1 to 5 stores.

The real app checks out in-process against the emulator (DynamoDB, SQS over HTTP) and
localstripe (through the Stripe SDK). We count requests per service: the target is the
same small constant at every size - no per-line round trips.

Run: make bench (or python -m tests.bench.checkout).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SHAPES = ((1, 1), (10, 1), (10, 5), (25, 1), (25, 5))
REPEATS = 5


def run() -> list[dict[str, Any]]:
    """Set up five stores, then check out each cart shape REPEATS times, counting requests."""
    from chalice.test import Client

    from infra.local.emulator import Emulator
    from infra.local.prepare import prepare
    from infra.local.stripe_local import LocalStripe
    from tests.helpers import CallCounter, load_key, sign

    state = Path(tempfile.mkdtemp())
    emulator = Emulator().start()
    stripe = LocalStripe(state).start()
    key_path = prepare(state, emulator.url, stripe=stripe).key_path
    import app
    from chalicelib import stripe_gateway

    stripe_calls: list[str] = []
    original = stripe_gateway._call

    def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
        stripe_calls.append(getattr(fn, "__name__", "call"))
        return original(fn, *args, **kwargs)

    stripe_gateway._call = counted
    key = load_key(key_path)

    def headers(user: str, group: str) -> dict[str, str]:
        token = sign(key, sub=user, **{"cognito:groups": [group]})
        return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    rows = []
    try:
        with Client(app.app, stage_name="local") as client:
            admin = headers("bench-admin", "admin")
            catalog: list[list[str]] = []
            for s in range(5):
                seller = headers(f"bench-seller-{s}", "seller")
                store = client.http.post(
                    "/v1/stores",
                    headers=seller,
                    body=json.dumps(
                        {
                            "name": f"Toko {s}",
                            "kind": "umkm",
                            "kecamatan": "Gubeng",
                            "kelurahan": "Airlangga",
                            "address": "a",
                            "phone_number": "081234567890",
                        }
                    ),
                ).json_body
                client.http.post(f"/v1/admin/stores/{store['store_id']}/approve", headers=admin)
                catalog.append(
                    [
                        client.http.post(
                            f"/v1/stores/{store['store_id']}/products",
                            headers=seller,
                            body=json.dumps(
                                {
                                    "name": f"Barang {i}",
                                    "category": "sembako",
                                    "unit": "pcs",
                                    "price_idr": 10_000 + i,  # a 1-line cart is over Stripe's minimum
                                    "stock": 100_000,
                                }
                            ),
                        ).json_body["product_id"]
                        for i in range(25)
                    ]
                )
            for lines, stores in SHAPES:
                dynamo, sqs, stripe_n, ms = [], [], [], []
                for rep in range(REPEATS):
                    buyer = headers(f"bench-buyer-{lines}-{stores}-{rep}", "buyer")
                    for i in range(lines):
                        product = catalog[i % stores][i // stores]
                        client.http.put(f"/v1/cart/items/{product}", headers=buyer, body=b'{"quantity": 2}')
                    stripe_calls.clear()
                    with CallCounter() as counter:
                        started = time.perf_counter()
                        made = client.http.post(
                            "/v1/checkout",
                            headers={**buyer, "Idempotency-Key": f"b{rep}"},
                            body=b'{"fulfillment": {"method": "pickup"}}',
                        )
                        ms.append((time.perf_counter() - started) * 1000)
                    assert made.status_code == 201, made.json_body
                    assert len(made.json_body["orders"]) == stores
                    dynamo.append(counter.services.count("dynamodb"))
                    sqs.append(counter.services.count("sqs"))
                    stripe_n.append(len(stripe_calls))
                    operations = [c for c, s in zip(counter.calls, counter.services, strict=True) if s == "dynamodb"]
                rows.append(
                    {
                        "lines": lines,
                        "stores": stores,
                        "dynamodb": max(dynamo),
                        "sqs": max(sqs),
                        "stripe": max(stripe_n),
                        "ms": statistics.median(ms),
                        "operations": operations,
                    }
                )
    finally:
        stripe.stop()
        emulator.stop()
    return rows


def report(rows: list[dict[str, Any]]) -> str:
    """Format the table."""
    lines = [
        f"One checkout (max over {REPEATS} runs; time is the median, in-process against the emulator)",
        f"{'lines':>5} {'stores':>6} {'DynamoDB':>9} {'Stripe':>7} {'SQS':>4} {'ms':>7}  DynamoDB operations",
    ]
    for row in rows:
        lines.append(
            f"{row['lines']:>5} {row['stores']:>6} {row['dynamodb']:>9} {row['stripe']:>7} {row['sqs']:>4} "
            f"{row['ms']:>7.1f}  {', '.join(row['operations'])}"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Run and print."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    print(report(run()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
