"""The README's quickstart, run exactly as written against a stack started as `make run` starts it.

A newcomer's first five minutes: the demo ASN signs in, sees this month's spending bar (a
quota, and what the seeded month already spent), finds staples, buys, pays with the local
Stripe stand-in and sees the spending rise and the "payment received" notice. The only
change to the block is the port (the README says 8000; the test's stack has a free one).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ROOT, RunningStack, start_stack


def quickstart() -> str:
    """The first shell block after "make run prints ... ready" in the README."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    after = readme[readme.index("`make run` prints `Peken is ready at") :]
    return re.search(r"```sh\n(.*?)```", after, re.DOTALL).group(1)  # type: ignore[union-attr]


def documents(output: str) -> list[Any]:
    """The JSON documents the block printed, one after another (curl prints no newline)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(output):
        if output[at].isspace():
            at += 1
            continue
        value, at = decoder.raw_decode(output, at)
        found.append(value)
    return found


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    running = start_stack(tmp_path_factory.mktemp("readme"))
    yield running
    running.stop()


def test_the_quickstart_runs_as_written(fresh: RunningStack, tmp_path: Path) -> None:
    script = quickstart().replace("localhost:8000", fresh.url.removeprefix("http://"))
    assert "localhost:8000" not in script and fresh.url.removeprefix("http://") in script
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    spending_before, products, cart, paid, spending_after, inbox = documents(done.stdout)

    # the demo buyer is an ASN with a quota, and the seeded month has already spent some of it
    assert spending_before["quota_idr"] > 0 and 0 < spending_before["spent_idr"] < spending_before["quota_idr"]
    assert spending_before["remaining_idr"] == spending_before["quota_idr"] - spending_before["spent_idr"]
    assert products["items"] and all("beras" in p["name"].lower() for p in products["items"])
    assert cart["items"][0]["quantity"] == 2
    assert paid["payment_intent_status"] == "succeeded"
    # the order counts toward the month once Stripe's webhook has been handled
    assert spending_after["spent_idr"] == spending_before["spent_idr"] + cart["total_idr"]
    assert spending_after["orders"] == spending_before["orders"] + 1
    kinds = [item["kind"] for item in inbox["items"]]
    assert "payment_received" in kinds, kinds
    assert all(item.get("order_id") for item in inbox["items"] if item["kind"].startswith(("order_", "payment_")))
