"""The local stack serves the built app on the API's origin (interface point 3), and the API is unchanged."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import Page

from infra.aws.web import local_config
from tests.web.conftest import DIST, SHOTS

TIMEOUT = 30


def test_root_and_app_routes_get_index_html(web_url: str) -> None:
    index = (DIST / "index.html").read_bytes()
    for path in ("/", "/orders/01HXYZ", "/admin/compliance?month=2026-12", "/index.html"):
        response = requests.get(f"{web_url}{path}", timeout=TIMEOUT)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"].startswith("text/html"), path
        assert response.headers["Cache-Control"] == "no-cache", path
        assert response.content == index, path
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_hashed_assets_are_cached_for_a_year_and_compressed(web_url: str) -> None:
    index = (DIST / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r'src="(/assets/[^"]+\.js)"', index)
    assert scripts, "index.html loads no /assets/*.js"
    response = requests.get(f"{web_url}{scripts[0]}", timeout=TIMEOUT)  # requests asks for gzip
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert response.content == (DIST / scripts[0].lstrip("/")).read_bytes()
    if len(response.content) > 1024:
        assert response.headers["Content-Encoding"] == "gzip"
    head = requests.head(f"{web_url}{scripts[0]}", timeout=TIMEOUT)
    assert head.status_code == 200 and head.content == b""
    missing = requests.get(f"{web_url}/assets/gone-0000.js", timeout=TIMEOUT)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_files_outside_the_build_are_not_served(web_url: str) -> None:
    index = (DIST / "index.html").read_bytes()
    for path in ("/../Makefile", "/%2e%2e/Makefile", "/..%2f..%2fMakefile", "/assets/../../app.py"):
        response = requests.get(f"{web_url}{path}", timeout=TIMEOUT)
        assert response.status_code in (200, 404), path
        assert response.status_code == 404 or response.content == index, path


def test_config_json_has_the_local_values(web_url: str) -> None:
    response = requests.get(f"{web_url}/config.json", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.json() == local_config()
    assert response.json() == {
        "api_url": "",
        "stage": "local",
        "dev_sign_in": True,
        "auth": None,
        "stripe_publishable_key": None,
        "demo_identities": local_config()["demo_identities"],
    }


def test_the_api_still_answers_json_and_unknown_api_paths_404_in_the_error_shape(web_url: str) -> None:
    health = requests.get(f"{web_url}/v1/health", timeout=TIMEOUT)
    assert health.status_code == 200 and health.headers["Content-Type"].startswith("application/json")
    document = requests.get(f"{web_url}/v1/openapi.json", timeout=TIMEOUT)
    assert document.status_code == 200 and "paths" in document.json()
    for path in ("/v1/no-such-route", "/v1", "/v1/"):
        missing = requests.get(f"{web_url}{path}", timeout=TIMEOUT)
        assert missing.status_code == 404, path
        assert missing.json()["error"]["code"] == "not_found", path
    posted = requests.post(f"{web_url}/orders", json={}, timeout=TIMEOUT)  # only GET and HEAD reach the app
    assert posted.status_code == 404 and posted.json()["error"]["code"] == "not_found"


def test_the_app_starts_in_chromium_at_both_sizes(phone: Page, desktop: Page) -> None:
    for page in (phone, desktop):
        response = page.goto("/")
        assert response is not None and response.ok
        page.wait_for_load_state("networkidle")
        assert page.locator("#app > *").count() > 0, "the app rendered nothing"
        assert page.evaluate("() => document.documentElement.lang") == "id"


def test_the_harness_finds_accessibility_faults_and_writes_screenshots(
    desktop: Page, axe: Callable[[Page], list[dict[str, Any]]], screenshot: Callable[[Page, str], Path]
) -> None:
    desktop.goto("/")
    desktop.wait_for_load_state("networkidle")
    assert isinstance(axe(desktop), list)
    # A fault planted in the page: an image without a text alternative is a critical violation.
    desktop.evaluate(
        "() => { const i = document.createElement('img'); i.src = '/favicon.svg'; document.body.append(i); }"
    )
    found = axe(desktop)
    assert "image-alt" in [v["id"] for v in found]
    assert all(v["impact"] in ("serious", "critical") and v["nodes"] for v in found)
    path = screenshot(desktop, "harness-desktop")
    assert path == SHOTS / "harness-desktop.png" and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
