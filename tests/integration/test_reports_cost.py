"""Dashboards and the reminder job read with Query, GetItem and BatchGetItem only, never Scan."""

from __future__ import annotations

from typing import Any

from chalice.test import Client

from tests.helpers import CallCounter
from tests.integration.conftest import bearer


def test_dashboards_never_scan(client: Client, aws: dict[str, Any]) -> None:
    admin = bearer(aws["key_path"], "admin-reports", ["admin"])
    rows = [
        {"nip": f"1990000000000000{i:02d}", "name": f"A{i}", "department": "Dinas X", "grade": "III/a"}
        for i in range(5)
    ]
    import json

    assert client.http.post("/v1/admin/asn", headers=admin, body=json.dumps({"rows": rows}).encode()).status_code == 200
    paths = [
        "/v1/admin/compliance",
        "/v1/admin/compliance/laggards",
        "/v1/admin/reports/sales",
        "/v1/admin/reports/sales?group_by=store",
        "/v1/admin/reports/fairness",
        "/v1/admin/asn",
        "/v1/admin/asn?department=Dinas%20X",
    ]
    with CallCounter() as counter:
        for path in paths:
            assert client.http.get(path, headers=admin).status_code == 200, path
    assert counter.calls and "Scan" not in counter.calls
    assert set(counter.calls) <= {"Query", "GetItem", "BatchGetItem"}
