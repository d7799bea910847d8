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


def test_sales_by_day_adds_up_the_kecamatan_counters(client: Client, aws: dict[str, Any]) -> None:
    """A sale writes no day counter (issue 18): the by-day report sums each day's kecamatan rows."""
    import json
    from types import SimpleNamespace

    from chalicelib.reports import service, tables

    admin = bearer(aws["key_path"], "admin-sales-days", ["admin"])
    lines = [{"category": "sembako", "unit_price_idr": 5_000, "quantity": 2}]
    for n, (kecamatan, paid_at) in enumerate(
        (("Gubeng", "2026-11-03T03:00:00Z"), ("Tegalsari", "2026-11-03T09:00:00Z"), ("Gubeng", "2026-11-04T01:00:00Z"))
    ):
        order = SimpleNamespace(paid_at=paid_at, total_idr=10_000, store_id=f"S{n}", lines=lines)
        assert service.record_sale(order, kecamatan, 1, f"sales:day-test-{n}")
    assert tables.rows("sales#day") == []
    got = client.http.get("/v1/admin/reports/sales?group_by=day&from=2026-11-01&to=2026-11-30", headers=admin)
    assert json.loads(got.body)["rows"] == [
        {"key": "2026-11-03", "orders": 2, "gmv_idr": 20_000},
        {"key": "2026-11-04", "orders": 1, "gmv_idr": 10_000},
    ]
