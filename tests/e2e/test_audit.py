"""The audit trail: exactly one entry per change an admin, finance officer or seller makes, none otherwise.

The proof walks every mutating route of the authorization matrix (its rows, its world and
its way of building a request) as every principal: a successful call by an admin, finance
officer or seller adds exactly one entry, by that caller, under the request's correlation
id; a refused call, a buyer's own move or an anonymous call adds none. Then: the filters,
paging, bad ranges, masking, and that no function ever updated or deleted an entry.

Not audited, on purpose (a caller's own profile, inbox, upload slots and local test tools,
not the marketplace's state): PUT /v1/me, the notification reads, POST /v1/uploads and the
dev routes; the webhook is Stripe's, not a person's; an export request reads data, it changes none.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import AUDIT_ENV, start_stack
from tests.e2e.test_authz_matrix import PRINCIPALS, TABLE, TIMEOUT, Row, World, build_world, cell_id, succeeds

AUDITED = ("seller_x", "seller_y", "admin", "finance")
NOT_AUDITED = {
    ("PUT", "/v1/me"),
    ("POST", "/v1/me/notifications/read"),
    ("POST", "/v1/me/notifications/{notification_id}/read"),
    ("POST", "/v1/uploads"),
    ("POST", "/v1/dev/token"),
    ("POST", "/v1/dev/checkouts/{checkout_id}/pay"),
    ("POST", "/v1/webhooks/stripe"),
    ("POST", "/v1/admin/exports"),  # a request for a file of data: it changes no marketplace state
}
MUTATING = [row for row in TABLE if row.method != "GET" and (row.method, row.route) not in NOT_AUDITED]
CELLS = [(row, who) for row in MUTATING for who in PRINCIPALS]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    stack = start_stack(tmp_path_factory.mktemp("audit"), PEKEN_SCHEDULER="off")
    try:
        yield build_world(stack)
    finally:
        if stack.process.poll() is None:
            stack.stop()


def trail(world: World, query: str = "") -> dict[str, Any]:
    answer = world.call("GET", f"/v1/admin/audit{query}", "admin")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def newest(world: World) -> str:
    items = trail(world, "?limit=1")["items"]
    return str(items[0]["audit_id"]) if items else ""


def since(world: World, marker: str) -> list[dict[str, Any]]:
    """Every entry newer than `marker`, newest first (the feed is read a page of 100 at a time)."""
    found: list[dict[str, Any]] = []
    query = "?limit=100"
    while True:
        page = trail(world, query)
        fresh = [e for e in page["items"] if e["audit_id"] > marker]
        found += fresh
        if len(fresh) < len(page["items"]) or not page["next_cursor"]:
            return found
        query = f"?limit=100&cursor={page['next_cursor']}"


@pytest.mark.parametrize(("row", "who"), CELLS, ids=[cell_id(row, who) for row, who in CELLS])
def test_one_entry_per_successful_change_by_an_officer_or_a_seller(world: World, row: Row, who: str) -> None:
    expected = row.expect[who]
    own = succeeds(expected) and row.fresh
    values = row.values(world, own)
    if succeeds(expected) and row.prepare is not None:
        row.prepare(world, who)
    marker = newest(world)
    correlation = f"audit-{uuid.uuid4().hex[:12]}"
    headers = {**world.headers[who], "X-Correlation-Id": correlation}
    if row.idempotency_key:
        headers["Idempotency-Key"] = uuid.uuid4().hex
    world.bodies["cell_values"] = values
    body = row.body(world) if row.body is not None else None
    url = f"{world.stack.url}{row.route.format(**values)}{row.query}"
    response = requests.request(row.method, url, headers=headers, json=body, timeout=TIMEOUT)
    assert response.status_code == expected, f"{response.status_code} {response.text[:500]}"
    entries = since(world, marker)
    if succeeds(expected) and who in AUDITED:
        assert len(entries) == 1, entries
        (entry,) = entries
        assert entry["actor_id"] == world.ids[who]
        assert entry["correlation_id"] == correlation
        assert entry["actor_groups"] and entry["action"] and entry["target_type"] and entry["target_id"]
    else:
        assert entries == [], entries


def test_filters_by_target_and_actor_newest_first(world: World) -> None:
    store = world.shop.store(world.headers["seller_x"])  # a store of its own: applied (audited), approved (audited)
    by_target = trail(world, f"?target_id={store}")["items"]
    assert [e["action"] for e in by_target] == ["store.approve", "store.apply"]
    assert [e["actor_id"] for e in by_target] == [world.ids["admin"], world.ids["seller_x"]]
    both = trail(world, f"?target_id={store}&actor_id={world.ids['admin']}")["items"]
    assert [e["action"] for e in both] == ["store.approve"]
    mine = trail(world, f"?actor_id={world.ids['seller_x']}&limit=100")["items"]
    assert mine and {e["actor_id"] for e in mine} == {world.ids["seller_x"]}
    assert [e["audit_id"] for e in mine] == sorted((e["audit_id"] for e in mine), reverse=True)
    assert trail(world, "?actor_id=nobody-at-all")["items"] == []


def test_pages_follow_each_other_without_overlap(world: World) -> None:
    first = trail(world, "?limit=2")
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = trail(world, f"?limit=2&cursor={first['next_cursor']}")
    assert second["items"] and second["items"][0]["audit_id"] < first["items"][-1]["audit_id"]


def test_days_bound_the_trail_and_bad_ranges_name_the_field(world: World) -> None:
    assert trail(world, "?from=2000-01-01&to=2000-01-31")["items"] == []
    assert trail(world, "?from=2000-01-01&limit=1")["items"]  # everything is after 2000
    for query, field in (
        ("?from=2026-02-30", "from"),
        ("?to=yesterday", "to"),
        ("?from=2025-05-02&to=2025-05-01", "from"),
        ("?limit=0", "limit"),
        ("?cursor=bogus", "cursor"),
        ("?since=2025-05-01", "since"),
    ):
        answer = world.call("GET", f"/v1/admin/audit{query}", "admin")
        assert answer.status_code == 422, (query, answer.text)
        assert field in answer.text, (query, answer.text)


def test_personal_data_is_masked(world: World) -> None:
    store = world.shared["store"]
    account = {"method": "bank_transfer", "bank_code": "014", "account_number": "9876543210", "account_name": "Siti"}
    assert world.call("PUT", f"/v1/stores/{store}/payout-account", "seller_x", account).status_code == 200
    nip = f"{uuid.uuid4().int % 10**18:018d}"
    row = {"nip": nip, "name": "Rahayu Audit", "department": "Dinas Audit", "grade": "II/a"}
    assert world.call("POST", "/v1/admin/asn", "admin", {"rows": [row]}).status_code == 200
    assert world.call("PATCH", f"/v1/admin/asn/{nip}", "admin", {"name": "Rahayu Diaudit"}).status_code == 200
    changed = trail(world, f"?target_id={store}")["items"][0]
    assert changed["action"] == "payout_account.put"
    assert changed["after"]["account_number"].endswith("3210") and "9876543210" not in json.dumps(changed)
    by_nip = trail(world, f"?target_id={nip}")["items"]  # a roster row is found by its NIP, filed under a pseudonym
    assert [e["action"] for e in by_nip] == ["asn.change"]
    assert by_nip[0]["before"] == {"name": "R•••"} and by_nip[0]["after"] == {"name": "R•••"}
    text = json.dumps(trail(world, "?limit=100")["items"])
    for whole in (nip, "9876543210", "Rahayu", "Siti"):
        assert whole not in text


def test_no_function_ever_updated_or_deleted_an_entry(world: World) -> None:
    path = Path(os.environ[AUDIT_ENV])
    records = [json.loads(line) for line in path.read_text().splitlines() if line]
    on_audit = {(r["function"], r["action"]) for r in records if r["resource"] == "audit"}
    assert ("api_handler", "dynamodb:PutItem") in on_audit  # the entries were written
    assert {a for _, a in on_audit} & {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"} == set()


def test_every_entry_reaches_the_locked_archive(world: World) -> None:
    """The table's stream carries each new entry into the archive bucket, whose lock nobody can lift."""
    import gzip
    import time
    from datetime import UTC, datetime, timedelta

    import boto3
    from botocore.exceptions import ClientError

    store = world.shared["store"]
    account = {"method": "bank_transfer", "bank_code": "009", "account_number": "1234567890", "account_name": "Arsip"}
    assert world.call("PUT", f"/v1/stores/{store}/payout-account", "seller_x", account).status_code == 200
    entry = trail(world, f"?target_id={store}")["items"][0]
    assert entry["action"] == "payout_account.put"
    emulator = requests.get(f"{world.stack.url}/_local/emulator", timeout=TIMEOUT).json()
    s3 = boto3.client(
        "s3",
        endpoint_url=emulator["url"],
        region_name=emulator["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    bucket = emulator["buckets"]["AuditArchiveBucket"]

    def archived() -> tuple[str, dict[str, Any]] | None:
        for listed in s3.list_objects_v2(Bucket=bucket, Prefix="audit/").get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=listed["Key"])["Body"].read()
            for line in gzip.decompress(body).decode().splitlines():
                if json.loads(line)["audit_id"] == entry["audit_id"]:
                    return listed["Key"], json.loads(line)
        return None

    deadline, found = time.monotonic() + 30, None
    while found is None and time.monotonic() < deadline:
        found = archived()
        time.sleep(0.3)
    assert found is not None, "the entry never reached the archive"
    key, kept = found
    assert kept == entry  # the entry as the API shows it, masked: no whole account number
    assert "1234567890" not in json.dumps(kept)
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"] > datetime.now(UTC) + timedelta(days=365 * 10 - 5)
    with pytest.raises(ClientError) as refused:  # not even the bucket's owner may delete a locked version
        s3.delete_object(Bucket=bucket, Key=key, VersionId=head["VersionId"])
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
