"""The stack's children share the app's clock and the parent's faults, and answer over their pipe (`children.py`).

A real spawned child here: it reads the clock the parent moved, makes the pump's and the
emulator's fault decisions through the parent's one `Faults` (counted there), raises back to
the parent what failed, and stops when asked or when its parent's pipe closes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from chalicelib import ids
from infra.local.children import Child, FaultsService, RemoteFaults, Served
from infra.local.faults import Faults


def _child(faults_handle: tuple[Any, ...]) -> Served:
    faults = RemoteFaults(faults_handle)
    answers: dict[str, Callable[..., Any]] = {
        "offset": lambda: ids.CLOCK_OFFSET_SECONDS[0],
        "crash_after": faults.crash_after,
        "redeliver": faults.redeliver,
        "service_error": faults.service_error,
        "fail": lambda: 1 / 0,
    }
    return Served("ready", answers, lambda: None)


@pytest.fixture()
def parent() -> Iterator[tuple[Child, Faults]]:
    faults = Faults(seed=1)
    service = FaultsService(faults)
    child = Child("test-child")
    assert child.spawn(_child, service.handle()) == "ready"
    yield child, faults
    child.stop()
    service.stop()
    ids.CLOCK_OFFSET_SECONDS[0] = 0.0


def test_a_child_reads_the_clock_the_parent_moves(parent: tuple[Child, Faults]) -> None:
    child, _ = parent
    assert child.ask("offset") == 0.0
    ids.CLOCK_OFFSET_SECONDS[0] = 31 * 60.0  # what /_local/clock does
    assert child.ask("offset") == 31 * 60.0


def test_a_childs_fault_decisions_are_the_parents(parent: tuple[Child, Faults]) -> None:
    child, faults = parent
    assert child.ask("crash_after", "payments_worker") is None
    assert child.ask("redeliver", "peken-local-payments", "m-1") is False
    assert child.ask("service_error", "dynamodb", "GetItem", b"{}") is None
    faults.set({"workers": {"payments_worker": {"crash_after": 2, "times": 1}}, "redeliver": ["peken-local-payments"]})
    faults.set({"dynamodb": {"error": "throttle", "times": 1}})
    assert child.ask("crash_after", "payments_worker") == 2
    assert child.ask("crash_after", "payments_worker") is None  # its one time is used up, in the parent
    assert child.ask("redeliver", "peken-local-payments", "m-1") is True
    assert child.ask("redeliver", "peken-local-payments", "m-1") is False  # once per message
    assert child.ask("service_error", "dynamodb", "GetItem", b"{}") == "throttle"
    assert child.ask("service_error", "dynamodb", "GetItem", b"{}") is None
    assert faults.state()["injected"] == {
        "worker:crash:payments_worker": 1,
        "sqs:redeliver:peken-local-payments": 1,
        "dynamodb:throttle:GetItem": 1,
    }
    faults.set({"redeliver": ["peken-local-payments"]})
    faults.clear()
    assert child.ask("redeliver", "peken-local-payments", "m-2") is False


def test_what_fails_in_a_child_is_raised_in_the_parent(parent: tuple[Child, Faults]) -> None:
    child, _ = parent
    with pytest.raises(ZeroDivisionError):
        child.ask("fail")
    assert child.ask("offset") == 0.0  # and it goes on answering


def test_a_child_stops_when_asked(parent: tuple[Child, Faults]) -> None:
    child, _ = parent
    process = child._process
    child.stop()
    assert not process.is_alive()
    assert process.exitcode == 0
