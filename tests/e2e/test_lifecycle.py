"""`make run` starts beside another stack and SIGTERM leaves no process behind."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import requests

from tests.e2e.conftest import ROOT, RunningStack, start_stack


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def test_second_make_run_beside_the_first_and_clean_sigterm(stack: RunningStack, tmp_path: Path) -> None:
    second = start_stack(tmp_path / "second", command=["make", "--no-print-directory", "-C", str(ROOT), "run"])
    try:
        assert second.url != stack.url
        for running in (stack, second):
            assert requests.get(f"{running.url}/v1/health", timeout=5).status_code == 200
        # Each stack has its own emulator: a profile saved in one is absent from the other.
        requests.put(f"{second.url}/v1/me", json={"name": "Only here"}, headers=second.headers("twin"), timeout=5)
        assert requests.get(f"{stack.url}/v1/me", headers=stack.headers("twin"), timeout=5).json()["name"] is None
        children = second.descendants()
        assert children, "make run should have started the runner and localstripe"
    finally:
        took = second.stop(signal.SIGTERM, timeout=10)
    assert took < 10
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(pid) for pid in children):
        time.sleep(0.1)
    assert [pid for pid in children if alive(pid)] == []
    assert requests.get(f"{stack.url}/v1/health", timeout=5).status_code == 200


def test_sigint_stops_the_runner_cleanly(tmp_path: Path) -> None:
    running = start_stack(tmp_path / "third")
    children = running.descendants()
    took = running.stop(signal.SIGINT, timeout=10)
    assert running.process.returncode == 0
    assert took < 10
    time.sleep(0.5)
    assert [pid for pid in children if alive(pid)] == []
