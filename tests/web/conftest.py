"""Browser tier: the built web app (web/dist) in Debian's Chromium, driven by Playwright, against a real local stack.

One stack per session (`web_url`: the API and the app on the same origin, demo data seeded),
one Chromium per session, a fresh browser context per test: `phone` (360x740, touch, a mobile
user agent) and `desktop` (1366x900), both in Indonesian and Surabaya's time zone, with the
stack as base URL (`page.goto("/")`). `axe(page)` returns the serious and critical axe-core
violations of what the page shows; `screenshot(page, name)` writes build/web/<name>.png; `api`
arranges data over HTTP (dev tokens, calls). A test fails when its page threw an uncaught
error or the Content-Security-Policy refused something (the server sends CloudFront's headers),
unless marked `allow_page_errors`; a failed test leaves build/web/failed-<test>.png.
Chromium is /usr/bin/chromium (`make web` installs it); Playwright never downloads a browser.
Cost: the stack starts once (~20 s); each test opens a context (~0.1 s).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, ViewportSize, sync_playwright

from tests.e2e.conftest import RunningStack, start_stack

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "web" / "dist"
SHOTS = ROOT / "build" / "web"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCALE = "id-ID"
TIMEZONE = "Asia/Jakarta"  # Surabaya: WIB
PHONE: ViewportSize = {"width": 360, "height": 740}
DESKTOP: ViewportSize = {"width": 1366, "height": 900}
PHONE_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Mobile Safari/537.36"
)
TIMEOUT_MS = 15_000  # two shared cores: generous, but a missing element still fails in seconds
SERIOUS = ("serious", "critical")
CSP_REFUSAL = re.compile(r"Refused to|Content Security Policy", re.IGNORECASE)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_page_errors: the page may throw or hit the CSP (the test says why)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so a page fixture knows its test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@dataclass
class Api:
    """HTTP to the stack the browser uses: tokens and calls to arrange what a test needs."""

    url: str
    stack: RunningStack

    def token(self, user_id: str, groups: list[str] | None = None, **claims: Any) -> str:
        """Return a dev token (POST /v1/dev/token), e.g. `api.token("demo-asn", ["buyer"], nip=...)`."""
        return self.stack.token(user_id, groups or ["buyer"], **claims)

    def call(
        self,
        method: str,
        path: str,
        token: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        ok: bool = True,
    ) -> requests.Response:
        """Call the API; with `ok` (default) a status of 400 or more fails the test with the body."""
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        response = requests.request(method, f"{self.url}{path}", json=body, headers=sent, timeout=60)
        if ok and response.status_code >= 400:
            pytest.fail(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response

    def drain(self, timeout: float = 30) -> None:
        """Wait until the queues are empty (orders paid, notifications sent)."""
        self.stack.drain(timeout)


@pytest.fixture(scope="session")
def web_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    if not (DIST / "index.html").is_file():
        pytest.fail("web/dist is not built: run `make web` (or `make web-dist`)", pytrace=False)
    running = start_stack(tmp_path_factory.mktemp("web-stack"))
    yield running
    if running.process.poll() is None:
        running.stop()


@pytest.fixture(scope="session")
def web_url(web_stack: RunningStack) -> str:
    """The local stack serving the built app and the API on one origin, e.g. http://127.0.0.1:41234."""
    return web_stack.url


@pytest.fixture(scope="session")
def api(web_stack: RunningStack) -> Api:
    return Api(web_stack.url, web_stack)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make web` installs Debian's chromium", pytrace=False)
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
    yield launched
    launched.close()


def _page(request: pytest.FixtureRequest, browser: Browser, web_url: str, **options: Any) -> Iterator[Page]:
    context = browser.new_context(base_url=web_url, locale=LOCALE, timezone_id=TIMEZONE, **options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" and CSP_REFUSAL.search(message.text):
            problems.append(f"CSP: {message.text}")

    page.on("console", console)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
        try:
            page.screenshot(path=str(SHOTS / f"failed-{name}.png"), full_page=True)
        except Exception as error:  # a crashed page: the test's own failure says more
            print(f"no screenshot of the failed page: {error}")
    context.close()
    if problems and request.node.get_closest_marker("allow_page_errors") is None:
        pytest.fail("the page reported:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture
def phone(request: pytest.FixtureRequest, browser: Browser, web_url: str) -> Iterator[Page]:
    """A fresh page at 360x740, mobile emulation (touch, device scale 2, a phone's user agent)."""
    yield from _page(
        request,
        browser,
        web_url,
        viewport=PHONE,
        screen=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        user_agent=PHONE_AGENT,
    )


@pytest.fixture
def desktop(request: pytest.FixtureRequest, browser: Browser, web_url: str) -> Iterator[Page]:
    """A fresh page at 1366x900."""
    yield from _page(request, browser, web_url, viewport=DESKTOP, screen=DESKTOP)


@pytest.fixture
def other_device(request: pytest.FixtureRequest, browser: Browser, web_url: str) -> Iterator[Page]:
    """Another fresh page at 1366x900, in a context of its own: it shares no storage with `phone` or `desktop`."""
    yield from _page(request, browser, web_url, viewport=DESKTOP, screen=DESKTOP)


@pytest.fixture(scope="session")
def axe() -> Callable[[Page], list[dict[str, Any]]]:
    """`axe(page)`: run axe-core on the page as it is now; return its serious and critical violations.

    Each is {id, impact, help, url, nodes: [{target, html, summary}]} (a test asserts `== []`).
    The script is evaluated through the DevTools protocol, so the page's CSP does not block it.
    """
    if not AXE.is_file():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing: web/ lists axe-core, `make web` installs it", pytrace=False)
    source = AXE.read_text(encoding="utf-8")

    def run(page: Page) -> list[dict[str, Any]]:
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(source)
        found: list[dict[str, Any]] = page.evaluate(
            """async () => (await window.axe.run(document, {resultTypes: ['violations']})).violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html.slice(0, 200), summary: n.failureSummary})),
            }))"""
        )
        return [v for v in found if v["impact"] in SERIOUS]

    return run


@pytest.fixture(scope="session")
def screenshot() -> Callable[[Page, str], Path]:
    """`screenshot(page, name)`: write the whole page to build/web/<name>.png; return the path."""

    def take(page: Page, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
