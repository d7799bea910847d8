"""Benchmark: the web app's budgets on the phone profile, against a local stack serving web/dist.

1. JavaScript: every script the listing page (`/products`) loads in Chromium at 360x740, each
   gzipped (level 9, as CloudFront would send it at best), summed. The home page is printed beside
   it. Budget (issue 17): the listing page's JavaScript <= 100 KB gzipped.
2. Lighthouse (tests/bench/lighthouse: an npm project of its own, pinned by its lock) on the
   listing page: its default mobile profile (simulated slow 4G and a mid-range phone's CPU),
   Debian's Chromium headless, the median of LIGHTHOUSE_RUNS runs (default 3). Budgets:
   performance >= 90, accessibility >= 95.

Both pages are measured signed out: the listing is public and its bundle is the buyer's (the
seller's, admin's and finance's pages load on demand). Cost: a stack start (~20 s) and about
20 s per Lighthouse run. Each line ends PASS or FAIL; the exit status is 1 on any FAIL.

Run: make bench (or python -m tests.bench.web, after `make web-dist` and the Lighthouse install).
"""

from __future__ import annotations

import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Response, sync_playwright

from tests.bench import verdict
from tests.e2e.conftest import start_stack
from tests.web.conftest import CHROMIUM, CHROMIUM_FLAGS, DIST, LOCALE, PHONE, PHONE_AGENT

ROOT = Path(__file__).resolve().parents[2]
LIGHTHOUSE = Path(__file__).resolve().parent / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
LISTING, HOME = "/products", "/"
JS_BUDGET_KB = 100.0
PERFORMANCE_BUDGET, ACCESSIBILITY_BUDGET = 90, 95
RUNS = int(os.environ.get("LIGHTHOUSE_RUNS", "3"))


def javascript(url: str, paths: tuple[str, ...]) -> dict[str, list[tuple[str, int, int]]]:
    """Load each page at phone size; return its scripts as (path, bytes, gzipped bytes)."""
    found: dict[str, list[tuple[str, int, int]]] = {}
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        for path in paths:
            context = browser.new_context(
                viewport=PHONE,
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
                user_agent=PHONE_AGENT,
                locale=LOCALE,
            )
            page = context.new_page()
            scripts: list[Response] = []

            def keep(response: Response, kept: list[Response] = scripts) -> None:
                if response.request.resource_type == "script":
                    kept.append(response)

            page.on("response", keep)
            page.goto(f"{url}{path}", wait_until="networkidle")
            rows = []
            for response in scripts:
                body = response.body()
                rows.append((response.url.removeprefix(url), len(body), len(gzip.compress(body, compresslevel=9))))
            found[path] = rows
            context.close()
        browser.close()
    return found


def lighthouse(url: str) -> dict[str, float]:
    """Run Lighthouse RUNS times on a URL; return the median score (0-100) of each category."""
    scores: dict[str, list[float]] = {"performance": [], "accessibility": []}
    environment = {**os.environ, "CHROME_PATH": str(CHROMIUM)}
    for _ in range(RUNS):
        result = subprocess.run(
            [
                str(LIGHTHOUSE),
                url,
                "--quiet",
                "--output=json",
                "--output-path=stdout",
                "--only-categories=performance,accessibility",
                "--form-factor=mobile",
                f"--chrome-flags={' '.join(CHROMIUM_FLAGS)}",
            ],
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"lighthouse failed: {result.stderr[-2000:]}")
        categories = json.loads(result.stdout)["categories"]
        for name in scores:
            scores[name].append(100 * float(categories[name]["score"] or 0))
    return {name: statistics.median(values) for name, values in scores.items()}


def main() -> int:
    for needed, how in ((DIST / "index.html", "make web-dist"), (LIGHTHOUSE, "make bench"), (CHROMIUM, "make web")):
        if not needed.exists():
            print(f"web: {needed} is missing: run `{how}`")
            return 1
    stack = start_stack(Path(tempfile.mkdtemp(prefix="peken-bench-web-")), PEKEN_SCHEDULER="off")
    try:
        loaded = javascript(stack.url, (LISTING, HOME))
        scores = lighthouse(f"{stack.url}{LISTING}")
    finally:
        stack.stop()
    lines = ["Web app on the phone profile (360x740), local stack, Debian's Chromium"]
    lines.append(f"{'page':<10} {'scripts':>8} {'KB':>8} {'KB gzip':>8}")
    for path, rows in loaded.items():
        raw, packed = sum(r[1] for r in rows), sum(r[2] for r in rows)
        lines.append(f"{path:<10} {len(rows):>8} {raw / 1024:>8.1f} {packed / 1024:>8.1f}")
    listing_kb = sum(r[2] for r in loaded[LISTING]) / 1024
    checks = [
        (f"listing page JavaScript {listing_kb:.1f} KB gzipped <= {JS_BUDGET_KB:g} KB", listing_kb <= JS_BUDGET_KB),
        (
            f"Lighthouse performance {scores['performance']:.0f} >= {PERFORMANCE_BUDGET} (median of {RUNS})",
            scores["performance"] >= PERFORMANCE_BUDGET,
        ),
        (
            f"Lighthouse accessibility {scores['accessibility']:.0f} >= {ACCESSIBILITY_BUDGET} (median of {RUNS})",
            scores["accessibility"] >= ACCESSIBILITY_BUDGET,
        ),
    ]
    lines += [f"Target: {text} -> {verdict(ok)}" for text, ok in checks]
    print("\n".join(lines))
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
