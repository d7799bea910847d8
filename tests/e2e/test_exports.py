"""CSV exports over HTTP: each kind's file for a small world, who may ask, bad input, a worker dying mid-export.

The module runs its own stack with tiny parts (`PEKEN_EXPORT_PAGE_ROWS=2`,
`PEKEN_EXPORT_PART_BYTES=1`, and the emulator's S3 taking parts of any size), so a roster of
five ASN is written in three parts by three queue messages: the multipart upload, the
checkpoints and the resumption are exercised as a 13,000-ASN export would be (5 MiB parts).
"""

from __future__ import annotations

import csv
import io
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
import requests

from infra.local.prepare import REGION
from tests.e2e.conftest import RunningStack, start_stack
from tests.e2e.shop import Shop
from tests.helpers import error_of

TIMEOUT = 30


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    running = start_stack(
        tmp_path_factory.mktemp("exports"),
        PEKEN_SCHEDULER="off",
        PEKEN_EXPORT_PAGE_ROWS="2",
        PEKEN_EXPORT_PART_BYTES="1",
        S3_UPLOAD_PART_MIN_SIZE="1",  # moto's S3 (the local stack's) would refuse parts under 5 MiB but the last
    )
    yield running
    if running.process.poll() is None:
        running.stop()


@pytest.fixture(scope="module")
def world(stack: RunningStack) -> dict[str, Any]:
    """Five ASN of one department (quota Rp50.000): Ani bought Rp60.000, Budi Rp20.000, the rest nothing."""
    shop = Shop(stack)
    department = f"Dinas Ekspor {shop.tag}"
    nips = {name: "19" + str(uuid.uuid4().int)[:16] for name in ("ani", "budi", "citra", "dedi", "eka")}
    rows = [
        {"nip": nip, "name": f"{name.title()} Ekspor", "department": department, "grade": "III/a"}
        for name, nip in nips.items()
    ]
    rows[2]["name"] = "=HYPERLINK(1)"  # a formula a spreadsheet would run: the file makes it text
    assert shop.call("POST", "/v1/admin/asn", shop.admin, {"rows": rows}).json() == {"upserted": 5}
    policy = {"default_quota_idr": 50_000, "quota_by_grade": {}}
    assert shop.call("PUT", "/v1/admin/spending-policy", shop.admin, policy).status_code == 200
    seller = shop.user("seller")
    store = shop.store(seller)
    product = shop.product(seller, store, stock=20, price=20_000)
    orders = []
    for name, quantity in (("ani", 3), ("budi", 1)):
        buyer = stack.headers(f"{name}-{shop.tag}", ["buyer"], nip=nips[name])
        shop.call("GET", "/v1/me", buyer)
        shop.put(buyer, product, quantity)
        made = shop.checkout(buyer).json()
        shop.pay(buyer, made["checkout_id"])
        order_id = made["orders"][0]["order_id"]
        shop.wait_status(buyer, order_id, "paid")
        orders.append(order_id)
    month = shop.call("GET", "/v1/me/spending", buyer).json()["month"]
    stack.drain()
    return {"shop": shop, "department": department, "nips": nips, "rows": rows, "orders": orders, "month": month}


def ask(shop: Shop, who: dict[str, str], body: dict[str, Any]) -> str:
    made = shop.call("POST", "/v1/admin/exports", who, body)
    assert made.status_code == 202, made.text
    assert made.json()["status"] == "queued"
    return str(made.json()["export_id"])


def finished(shop: Shop, who: dict[str, str], export_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    seen: list[int] = []
    while time.monotonic() < deadline:
        answer = shop.call("GET", f"/v1/admin/exports/{export_id}", who)
        assert answer.status_code == 200, answer.text
        body = dict(answer.json())
        seen.append(body["rows"])
        if body["status"] in ("done", "failed"):
            assert seen == sorted(seen)  # progress only grows
            return body
        time.sleep(0.2)
    raise AssertionError(f"export {export_id} not finished: {body}")


def download(export: dict[str, Any]) -> list[list[str]]:
    assert export["status"] == "done", export
    got = requests.get(export["url"], timeout=TIMEOUT)
    assert got.status_code == 200, got.text
    assert got.headers["Content-Type"].startswith("text/csv")
    text = got.content.decode("utf-8")  # UTF-8, no byte-order mark
    assert not text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def s3_of(export: dict[str, Any]) -> tuple[Any, str]:
    """A client of the local stack's S3 (where the URL points) and the bucket's name."""
    url = urlsplit(export["url"])
    client = boto3.client(
        "s3",
        endpoint_url=f"{url.scheme}://{url.netloc}",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return client, url.path.strip("/").split("/")[0]


def test_compliance_has_one_row_per_asn_with_indonesian_headers(world: dict[str, Any]) -> None:
    shop, nips = world["shop"], world["nips"]
    body = {"kind": "compliance", "month": world["month"], "department": world["department"], "lang": "id"}
    export = finished(shop, shop.admin, ask(shop, shop.admin, body))
    assert export["rows"] == 5 and export["params"] == {"month": world["month"], "department": world["department"]}
    assert export["expires_at"] > export["finished_at"]
    rows = download(export)
    assert rows[0] == ["nip", "nama", "perangkat_daerah", "golongan", "kuota_rp", "belanja_rp", "memenuhi_kewajiban"]
    spent = {"ani": 60_000, "budi": 20_000}
    expected = sorted(
        [
            nip,
            "'=HYPERLINK(1)" if name == "citra" else f"{name.title()} Ekspor",
            world["department"],
            "III/a",
            "50000",
            str(spent.get(name, 0)),
            "true" if spent.get(name, 0) >= 50_000 else "false",
        ]
        for name, nip in nips.items()
    )
    assert rows[1:] == expected  # by NIP, each once


def test_laggards_in_english(world: dict[str, Any]) -> None:
    shop = world["shop"]
    body = {"kind": "laggards", "month": world["month"], "department": world["department"]}
    rows = download(finished(shop, shop.admin, ask(shop, shop.admin, body)))
    assert rows[0] == ["nip", "name", "department", "grade", "quota_idr", "spent_idr", "remaining_idr"]
    assert sorted((r[0], r[5], r[6]) for r in rows[1:]) == sorted(
        (nip, "20000" if name == "budi" else "0", "30000" if name == "budi" else "50000")
        for name, nip in world["nips"].items()
        if name != "ani"
    )


def test_finance_exports_money_but_not_people(world: dict[str, Any]) -> None:
    shop = world["shop"]
    finance = shop.user("finance")
    sales = download(finished(shop, finance, ask(shop, finance, {"kind": "sales"})))
    assert sales[0] == [
        "order_id",
        "created_at",
        "status",
        "store_id",
        "store_name",
        "total_idr",
        "delivery_fee_idr",
        "refunded_idr",
        "net_idr",
    ]
    mine = {r[0]: r for r in sales[1:] if r[0] in world["orders"]}
    assert sorted(mine) == sorted(world["orders"])
    assert sorted(r[5] for r in mine.values()) == ["20000", "60000"]
    assert all(r[2] == "paid" and r[8] == r[5] for r in mine.values())
    assert len({r[0] for r in sales[1:]}) == len(sales) - 1  # no order twice across parts
    payouts = download(finished(shop, finance, ask(shop, finance, {"kind": "payouts", "from": "2026-01-01"})))
    assert payouts[0][:3] == ["batch_id", "batch_status", "payout_id"]
    for kind in ("compliance", "laggards", "audit"):
        refused = shop.call("POST", "/v1/admin/exports", finance, {"kind": kind})
        assert refused.status_code == 403, refused.text
        assert error_of(refused.json())["code"] == "forbidden"


def test_the_audit_trail_as_a_file(world: dict[str, Any]) -> None:
    shop = world["shop"]
    rows = download(finished(shop, shop.admin, ask(shop, shop.admin, {"kind": "audit", "lang": "id"})))
    assert rows[0][:6] == ["id_audit", "waktu", "id_pelaku", "tindakan", "jenis_sasaran", "id_sasaran"]
    mine = [r for r in rows[1:] if r[2] == f"admin-{shop.tag}"]  # the roster, the policy, the store approved
    assert len(mine) >= 3
    assert [r[0] for r in rows[1:]] == sorted((r[0] for r in rows[1:]), reverse=True)  # newest first, each once
    assert not any(nip in ",".join(r) for r in rows for nip in world["nips"].values())  # NIPs masked


def test_only_who_asked_reads_an_export(world: dict[str, Any]) -> None:
    shop = world["shop"]
    export_id = ask(shop, shop.admin, {"kind": "sales"})
    other_admin = shop.user("admin")
    for who, path in (
        (other_admin, export_id),
        (shop.user("finance"), export_id),
        (shop.admin, "01JDZQ8V6W3X5Y7Z9A1B2C3D4E"),
    ):
        answer = shop.call("GET", f"/v1/admin/exports/{path}", who)
        assert answer.status_code == 404 and error_of(answer.json())["code"] == "not_found"
    assert shop.call("GET", f"/v1/admin/exports/{export_id}", shop.user("seller")).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "compliance", "month": "2026-13"}, "month"),
        ({"kind": "compliance", "month": "2019-01"}, "month"),
        ({"kind": "laggards", "month": "9999-01"}, "month"),
        ({"kind": "compliance", "department": "Dinas Yang Tidak Ada"}, "department"),
        ({"kind": "compliance", "department": ""}, "department"),
        ({"kind": "sales", "from": "2026-02-30"}, "from"),
        ({"kind": "sales", "from": "2026-03-01", "to": "2026-02-01"}, "to"),
        ({"kind": "sales", "to": "2999-01-01"}, "to"),
        ({"kind": "payouts", "from": "2024-01-01", "to": "2025-06-01"}, "to"),
        ({"kind": "sales", "month": "2026-01"}, "month"),
        ({"kind": "payouts", "department": "Dinas"}, "department"),
        ({"kind": "audit", "from": "2026-13-01"}, "from"),
        ({"kind": "everything"}, "kind"),
        ({"kind": "sales", "lang": "fr"}, "lang"),
        ({"kind": "sales", "extra": 1}, "extra"),
    ],
)
def test_bad_input_names_the_field(world: dict[str, Any], body: dict[str, Any], field: str) -> None:
    shop = world["shop"]
    refused = shop.call("POST", "/v1/admin/exports", shop.admin, body)
    assert refused.status_code == 422, refused.text
    assert error_of(refused.json())["details"]["field"] == field


def test_a_worker_dying_mid_export_leaves_one_whole_file(world: dict[str, Any]) -> None:
    shop = world["shop"]
    faults = {"workers": {"exports_worker": {"crash_after": 1, "times": 2}}}  # a part written, then the Lambda dies
    assert requests.post(f"{shop.url}/_local/faults", json=faults, timeout=TIMEOUT).status_code == 200
    try:
        body = {"kind": "compliance", "month": world["month"], "department": world["department"]}
        export = finished(shop, shop.admin, ask(shop, shop.admin, body))
        injected = requests.get(f"{shop.url}/_local/faults", timeout=TIMEOUT).json()["injected"]
        assert injected.get("worker:crash:exports_worker") == 2
    finally:
        requests.delete(f"{shop.url}/_local/faults", timeout=TIMEOUT)
    rows = download(export)
    assert export["rows"] == 5 and len(rows) == 6
    assert sorted(r[0] for r in rows[1:]) == sorted(world["nips"].values())  # each ASN once
    client, bucket = s3_of(export)
    key = f"exports/{export['export_id']}"
    assert [o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix=key).get("Contents", [])] == [f"{key}.csv"]
    open_uploads = client.list_multipart_uploads(Bucket=bucket, Prefix=key).get("Uploads", [])
    assert open_uploads == []  # nothing left half-written
    shop.stack.drain()
    again = shop.call("GET", f"/v1/admin/exports/{export['export_id']}", shop.admin).json()
    assert again["status"] == "done" and again["rows"] == 5  # redelivered steps changed nothing


def _dead_letters(shop: Shop) -> int:
    queues = requests.get(f"{shop.url}/_local/queues", timeout=TIMEOUT).json()["queues"]
    return int(queues["peken-local-exports-dlq"]["visible"])


def _ask_while_failing(world: dict[str, Any], faults: dict[str, Any]) -> str:
    """Ask for an export while `faults` hold, until its message is in the dead-letter queue; its id."""
    shop = world["shop"]
    before = _dead_letters(shop)
    assert requests.post(f"{shop.url}/_local/faults", json=faults, timeout=TIMEOUT).status_code == 200
    try:
        export_id = ask(shop, shop.admin, {"kind": "laggards", "month": world["month"]})
        shop.wait(lambda: _dead_letters(shop) == before + 1, timeout=90)
    finally:
        requests.delete(f"{shop.url}/_local/faults", timeout=TIMEOUT)
    return export_id


def test_an_export_whose_worker_fails_every_try_is_failed_not_running(world: dict[str, Any]) -> None:
    # Every read of the exports table is throttled: each step fails, five times, then its message is dead.
    faults = {"dynamodb": {"error": "throttle", "times": 10_000, "operations": ["GetItem"], "tables": ["exports"]}}
    export_id = _ask_while_failing(world, faults)
    export = world["shop"].call("GET", f"/v1/admin/exports/{export_id}", world["shop"].admin).json()
    assert export["status"] == "failed" and "every try" in export["error"]
    assert "url" not in export


def test_an_export_whose_worker_died_without_a_word_is_failed_once_stalled(world: dict[str, Any]) -> None:
    shop = world["shop"]
    # The Lambda dies on every try, before it can say anything.
    export_id = _ask_while_failing(world, {"workers": {"exports_worker": {"crash_after": 0, "times": 5}}})
    path = f"/v1/admin/exports/{export_id}"
    assert shop.call("GET", path, shop.admin).json()["status"] == "queued"  # nobody knows yet
    try:
        shop.clock(44 * 60)
        assert shop.call("GET", path, shop.admin).json()["status"] == "queued"  # its last try may still come
        shop.clock(46 * 60)
        export = shop.call("GET", path, shop.admin).json()
    finally:
        shop.clock(0)
    assert export["status"] == "failed" and "ask for it again" in export["error"]
    assert shop.call("GET", path, shop.admin).json()["status"] == "failed"
