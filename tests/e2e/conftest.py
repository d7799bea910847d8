"""End-to-end tier: the real local stack in its own process, driven over HTTP.

Every response a stack gives the suite is held to the stack's OpenAPI document
(`tests/contract/responses.py`): `start_stack` fetches the document once and attaches it, and
all `requests` traffic (`Shop.call`, plain `requests.get`, sessions) passes `Session.send`,
which this module wraps; raw sockets and `http.client` hand their answers to
`RunningStack.observe`. Mismatches fail the test (setup, call or teardown) that got them.
`PEKEN_CONTRACT=report` only reports them (end of run, and `build/contract-report.json`),
`PEKEN_CONTRACT=off` skips the check; `PEKEN_RESPONSES_DIR=<dir>` keeps samples of real
bodies for `make contract`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from infra.aws.access import violations
from infra.local.processes import free_port
from tests.contract.responses import Harness

if TYPE_CHECKING:
    from tests.e2e.shop import Shop

ROOT = Path(__file__).resolve().parents[2]
READY = "Peken is ready at "
AUDIT_ENV = "PEKEN_ACCESS_AUDIT"
CONTRACT = Harness.from_environment(os.environ, ROOT)
# Test modules whose responses are not checked here, and why.
UNCHECKED = {"test_fuzz.py": "schemathesis validates every response against the document itself"}
_SEND = requests.Session.send
_PATCHES = pytest.MonkeyPatch()


@dataclass
class RunningStack:
    """A `make run` (or `python -m infra.local.run`) process and what it printed."""

    process: subprocess.Popen[str]
    url: str
    state_dir: Path
    output: list[str] = field(default_factory=list)

    def token(self, user_id: str, groups: list[str], **extra: Any) -> str:
        response = requests.post(
            f"{self.url}/v1/dev/token", json={"user_id": user_id, "groups": groups, **extra}, timeout=10
        )
        response.raise_for_status()
        return str(response.json()["token"])

    def headers(self, user_id: str, groups: list[str] | None = None, **extra: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user_id, groups or ['buyer'], **extra)}"}

    def observe(self, method: str, target: str, status: int, content_type: str, body: bytes) -> None:
        """Hold a response got without `requests` (raw sockets, http.client) to the document too."""
        CONTRACT.observe(method, f"{self.url}{target}", status, content_type, body)

    def drain(self, timeout: float = 30) -> None:
        response = requests.post(f"{self.url}/_local/drain", json={"timeout": timeout}, timeout=timeout + 5)
        assert response.status_code == 200, response.text

    def descendants(self) -> set[int]:
        return _descendants(self.process.pid)

    def stop(self, sig: int = 15, timeout: float = 10) -> float:
        started = time.monotonic()
        self.process.send_signal(sig)
        self.process.wait(timeout=timeout)
        return time.monotonic() - started


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    todo = [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def start_stack(state_dir: Path, command: list[str] | None = None, **env: str) -> RunningStack:
    """Start a stack on a free port and wait for its ready line."""
    state_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    environment = {
        **os.environ,
        "PEKEN_PORT": str(port),
        "PEKEN_STATE_DIR": str(state_dir),
        "PEKEN_RETRY_DELAY_SECONDS": "1",
        "PEKEN_REFUND_RETRY_SECONDS": "1",
        **env,
    }
    process = subprocess.Popen(
        command or [sys.executable, "-m", "infra.local.run"],
        cwd=ROOT,
        env=environment,
        text=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    stack = RunningStack(process, f"http://127.0.0.1:{port}", state_dir)
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        with open(state_dir / "stack.log", "a", encoding="utf-8") as log:
            for line in process.stdout:
                stack.output.append(line)
                log.write(line)
                log.flush()
                if line.startswith(READY):
                    ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(90):
        process.kill()
        raise RuntimeError("stack did not become ready:\n" + "".join(stack.output[-50:]))
    assert stack.output[-1].strip() == f"{READY}{stack.url}"
    if CONTRACT.active:
        document = requests.get(f"{stack.url}/v1/openapi.json", timeout=30)
        document.raise_for_status()
        CONTRACT.attach(stack.url, document.json())
    return stack


def _observed_send(self: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
    """`requests.Session.send`, then the response held to the document of the stack it came from."""
    response = _SEND(self, request, **kwargs)
    if request.url and CONTRACT.watches(request.url):
        content_type = response.headers.get("Content-Type", "")
        CONTRACT.observe(request.method or "GET", request.url, response.status_code, content_type, response.content)
    return response


def _checked(item: pytest.Item, when: str) -> Generator[None, None, None]:
    """Run one phase of a test; fail it (report mode: only note it) when its responses broke the document."""
    CONTRACT.enabled = item.path.name not in UNCHECKED
    CONTRACT.current = item.nodeid
    try:
        yield
    except BaseException:
        found = CONTRACT.take()
        if found:
            item.add_report_section(when, "contract", CONTRACT.failure(found))
        raise
    found = CONTRACT.take()
    if found and CONTRACT.mode == "fail":
        pytest.fail(CONTRACT.failure(found), pytrace=False)
    if found:
        item.add_report_section(when, "contract", CONTRACT.failure(found))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    return (yield from _checked(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    return (yield from _checked(item, "call"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    return (yield from _checked(item, "teardown"))


def pytest_configure(config: pytest.Config) -> None:
    """Have every stack this session starts record what each function touches on AWS."""
    audit_dir = Path(tempfile.mkdtemp(prefix="peken-access-"))
    os.environ[AUDIT_ENV] = str(audit_dir / "access.jsonl")
    if CONTRACT.active:
        _PATCHES.setattr(requests.Session, "send", _observed_send)


def pytest_unconfigure(config: pytest.Config) -> None:
    _PATCHES.undo()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """How many responses were checked, at what cost, and the mismatches grouped by cause."""
    if not CONTRACT.checked:
        return
    mismatches = len(CONTRACT.seen)
    terminalreporter.write_sep(
        "-",
        f"response contract ({CONTRACT.mode}): {CONTRACT.checked} responses checked in {CONTRACT.seconds:.1f} s, "
        f"{mismatches} mismatch(es)" + (f", written to {CONTRACT.report}" if mismatches else ""),
    )
    for line in CONTRACT.summary():
        terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when a function did something its IAM grant in the deploy template does not allow."""
    if CONTRACT.checked:
        CONTRACT.write_report()
    path = Path(os.environ.get(AUDIT_ENV, "/nonexistent"))
    if not path.exists():
        return
    records = [json.loads(line) for line in path.read_text().splitlines() if line]
    found = violations(records)
    if found:
        print("\nfunctions stepped outside their IAM grants (infra/aws/access.py):\n  " + "\n  ".join(found))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    running = start_stack(tmp_path_factory.mktemp("stack"), PEKEN_ALLOWED_ORIGINS="https://peken.example")
    yield running
    if running.process.poll() is None:
        running.stop()


@pytest.fixture()
def shop(stack: RunningStack) -> Iterator[Shop]:
    """A shop on the session's stack; the app's clock is put back to now after the test, whatever it did."""
    from tests.e2e.shop import Shop

    made = Shop(stack)
    try:
        yield made
    finally:
        made.clock(0)
