"""Benchmark: listing and search cost as the catalog grows from 1,000 to 100,000 products.

Products are seeded straight into the emulator's memory (not through the API) so 100k
seed in seconds; then the real app answers GET /v1/products in-process, through boto3 to
the emulator over HTTP. Per page we count DynamoDB requests and items read (Count of
each Query plus items of each BatchGetItem) and time the page: in total, and without the
time spent inside the emulator. The emulator's Query reads only the requested key range,
as DynamoDB's does (infra/local/moto_patches.py: a sorted index per partition); before
that patch it walked the whole table (x101).

Target (issue 18): a page at the large size costs at most 2x what it costs at the small
size on the emulator (median "with emulator" time, every query); printed with PASS/FAIL.

Run: make bench (or python -m tests.bench.listing [--small N --large N]).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra.local.prepare import ACCOUNT, REGION
from tests.bench import verdict

CATEGORIES = ("sembako", "kuliner", "kerajinan", "fashion", "kebutuhan_rumah")
KECAMATAN = ("Gubeng", "Genteng", "Tambaksari", "Sukolilo", "Rungkut")
ADJECTIVES = ("segar", "murah", "asli", "spesial", "enak")
NOUNS = tuple(f"barang{i}" for i in range(100))
QUERIES = (
    ("all", ""),
    ("category", "category=kuliner"),
    ("kecamatan", "kecamatan=gubeng"),
    ("store", "store_id={store}"),
    ("search", "q=segar"),
)
PAGES, REPEATS, LIMIT = 2, 5, 20
TARGET_RATIO = 2.0  # issue 18: a page at 100,000 products costs at most 2x a page at 1,000
FIXED_NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def seed(start: int, stop: int) -> str:
    """Put products [start, stop) and their stores and search words into the emulator's memory."""
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.catalog import model, search
    from chalicelib.catalog.tables import ProductRecord, SearchRecord, StoreRecord

    backend = dynamodb_backends[ACCOUNT][REGION]
    now = "2026-12-01T00:00:00.000Z"
    for i in range(start, stop):
        store_no, kecamatan = i // 100, KECAMATAN[(i // 100) % len(KECAMATAN)]
        store_id = f"S{store_no:07d}"
        if i % 100 == 0:
            store = StoreRecord(
                store_id,
                owner_id=f"seller-{store_no}",
                name=f"Toko {store_no}",
                kind="umkm",
                kecamatan=kecamatan,
                kelurahan="-",
                address="-",
                phone_number="+6281200000000",
                status="active",
                open=True,
                created_at=now,
                updated_at=now,
                vis_rev=1,
                l_all="all",
                l_kec=kecamatan,
            )
            backend.put_item(store.Meta.table_name, store.serialize())
        product_id = f"P{i:09d}"
        category = CATEGORIES[i % len(CATEGORIES)]
        name = f"{ADJECTIVES[i % len(ADJECTIVES)]} {NOUNS[(i // 5) % len(NOUNS)]} {i}"
        rank, price_idr = model.rank(product_id), 10_000 + i % 5000
        product = ProductRecord(
            product_id,
            store_id=store_id,
            store_name=f"Toko {store_no}",
            kecamatan=kecamatan,
            name=name,
            category=category,
            unit="pcs",
            price_idr=price_idr,
            stock=100,
            active=True,
            created_at=now,
            updated_at=now,
            rank=rank,
            rev=1,
            l_all="all",
            l_cat=category,
            l_kec=kecamatan,
            l_ck=f"{category}#{kecamatan}",
            l_store=store_id,
            l_price=search.price_key(price_idr, rank),
        )
        backend.put_item(product.Meta.table_name, product.serialize())
        for term in search.terms(name):  # as catalog.visibility writes them
            entry = SearchRecord(
                term,
                product.rank,
                product_id=product_id,
                store_id=store_id,
                category=category,
                kecamatan=kecamatan,
                name_norm=search.name_index(name),
                price_idr=price_idr,
                p_rank=product.l_price,
            )
            backend.put_item(entry.Meta.table_name, entry.serialize())
    return "S0000000"


def measure(client: Any, query: str) -> dict[str, float]:
    """Walk PAGES pages REPEATS times; return per-page medians."""
    from tests.helpers import CallCounter

    requests_, items, totals, app_times = [], [], [], []
    for _ in range(REPEATS):
        cursor = ""
        for _page in range(PAGES):
            with CallCounter() as counter:
                started = time.perf_counter()
                response = client.http.get(f"/v1/products?limit={LIMIT}&{query}{cursor}")
                elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.json_body
            body = response.json_body
            assert len(body["items"]) == LIMIT, (query, len(body["items"]))
            requests_.append(len(counter.calls))
            items.append(counter.items_read)
            totals.append(elapsed * 1000)
            app_times.append((elapsed - counter.seconds) * 1000)
            cursor = f"&cursor={body['next_cursor']}"
    return {
        "requests": statistics.median(requests_),
        "max_requests": max(requests_),
        "items": statistics.median(items),
        "ms_total": statistics.median(totals),
        "ms_app": statistics.median(app_times),
    }


def run(small: int, large: int) -> list[dict[str, Any]]:
    """Seed, measure at the small size, grow to the large size, measure again."""
    from chalice.test import Client

    from infra.local.emulator import Emulator
    from infra.local.prepare import prepare

    emulator = Emulator().start()
    prepare(Path(tempfile.mkdtemp()), emulator.url)
    import app
    from chalicelib.catalog import listing

    setattr(listing, "utcnow", lambda: FIXED_NOW)  # noqa: B010 - a fixed day keeps the rotation point fixed
    rows: list[dict[str, Any]] = []
    try:
        with Client(app.app, stage_name="local") as client:
            store = seed(0, small)
            before = {name: measure(client, q.format(store=store)) for name, q in QUERIES}
            started = time.perf_counter()
            seed(small, large)
            print(f"seeded {large - small:,} more products in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            after = {name: measure(client, q.format(store=store)) for name, q in QUERIES}
    finally:
        emulator.stop()
    for name, _ in QUERIES:
        rows.append({"query": name, "small": before[name], "large": after[name]})
    return rows


def report(rows: list[dict[str, Any]], small: int, large: int) -> str:
    """Format the side-by-side table."""
    head = (
        f"Listing cost per page of {LIMIT}, {small:,} vs {large:,} products (median of {PAGES} pages x {REPEATS})\n"
        f"{'query':<10} {'requests':>13} {'items read':>13} {'app ms':>15} {'ratio':>6} "
        f"{'with emulator ms':>18} {'ratio':>7}"
    )
    lines = [head]
    for row in rows:
        s, g = row["small"], row["large"]
        lines.append(
            f"{row['query']:<10} {s['requests']:>6.0f} /{g['requests']:>5.0f} {s['items']:>6.0f} /{g['items']:>5.0f} "
            f"{s['ms_app']:>7.2f} /{g['ms_app']:>6.2f} {g['ms_app'] / s['ms_app']:>6.2f} "
            f"{s['ms_total']:>8.1f} /{g['ms_total']:>8.1f} {g['ms_total'] / s['ms_total']:>7.1f}"
        )
    worst = max(row["large"]["ms_total"] / row["small"]["ms_total"] for row in rows)
    lines.append(
        f"Target: a page at {large:,} products costs <= {TARGET_RATIO:g}x a page at {small:,} on the emulator: "
        f"worst x{worst:.2f} -> {verdict(worst <= TARGET_RATIO)}"
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    args = parser.parse_args(argv)
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    print(report(run(args.small, args.large), args.small, args.large))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
