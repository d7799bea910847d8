"""Every /v1/admin route refuses anonymous callers (401) and non-admins (403), whatever the body."""

from __future__ import annotations

from typing import Any

import pytest
from chalice.test import Client

from chalicelib import http
from tests.helpers import error_of
from tests.integration.conftest import bearer


def admin_operations(app_module: Any) -> list[tuple[str, str]]:
    return sorted(
        (method, path.replace("{", "").replace("}", ""))
        for path, entries in app_module.app.routes.items()
        if path.startswith("/v1/admin")
        for method, entry in entries.items()
        if not http.is_fallback(entry.view_name)
    )


def test_there_are_admin_routes(app_module: Any) -> None:
    assert len(admin_operations(app_module)) >= 8


@pytest.mark.parametrize("body", [b"", b'{"reason": "x", "name": "n", "unit": "u", "max_price_idr": 1}', b"{bad"])
def test_admin_routes_refuse_others(client: Client, aws: dict[str, Any], app_module: Any, body: bytes) -> None:
    for groups in (["buyer"], ["seller"], ["buyer", "seller"]):
        headers = bearer(aws["key_path"], "not-admin", groups)
        for method, path in admin_operations(app_module):
            response = client.http.request(method, path, headers=headers, body=body)
            assert response.status_code == 403, (method, path, groups, response.json_body)
            assert error_of(response.json_body)["code"] == "forbidden"
    for method, path in admin_operations(app_module):
        response = client.http.request(method, path, headers={}, body=body)
        assert response.status_code == 401, (method, path)
