"""The stack's Python children: spawned, asked over a pipe, sharing the app's clock and the faults.

The local stack ran the API, the queue pump and the emulator in one Python process, so one
interpreter lock held the whole marketplace to one core: a soak kept that process at 100%
of a core while the machine's second core idled. Now the emulator (`emulator.py`) and the
queue-fed functions (`workers.py`) each run in a child process, started with `spawn` (the
parent has threads), as on AWS the API, each worker and DynamoDB are apart: nothing they
share in memory is shared here either.

What crosses between the processes, and how:
- the app's clock (`chalicelib.ids.CLOCK_OFFSET_SECONDS`): one double in shared memory that
  every process reads at each `utcnow()` and `/_local/clock` writes (`share_clock`);
- the faults (`faults.py`): the parent's one `Faults`, which the children reach through a
  `multiprocessing` manager (`FaultsService`, `RemoteFaults`): one round trip per decision,
  and only while a fault of that kind is in force (a flag per section in shared memory, set
  at every change, says so; with none in force a request costs one memory read);
- everything else the parent needs of a child: asked over its pipe (`Child.ask`), one question
  at a time; the child answers on its main thread (`Served.answers`).
A child dies with the parent (`die_with_parent`) and ignores Ctrl-C (the parent stops it).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import secrets
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.managers import BaseManager
from typing import Any, NoReturn

from chalicelib import ids
from infra.local.faults import SECTIONS, Faults

log = logging.getLogger("peken.children")
CONTEXT = multiprocessing.get_context("spawn")
START_SECONDS = 60.0  # a child importing moto or the app and starting, on a busy machine
STOP_SECONDS = 5.0


def share_clock() -> Any:
    """Move this process's app clock into shared memory (once) and return it, for the children."""
    current = ids.CLOCK_OFFSET_SECONDS
    if not isinstance(current, list):
        return current  # already shared
    shared = CONTEXT.RawArray("d", 1)
    shared[0] = current[0]
    ids.CLOCK_OFFSET_SECONDS = shared  # read and written as [0], as the list was
    return shared


class _FaultsManager(BaseManager):
    """Serves the parent's `Faults` to the children."""


class FaultsService:
    """The parent's side: serve its `Faults` and keep one flag per section saying whether it is in force."""

    def __init__(self, faults: Faults) -> None:
        self._faults = faults
        self._flags = CONTEXT.RawArray("b", len(SECTIONS))
        self._authkey = secrets.token_bytes(32)
        _FaultsManager.register("faults", callable=lambda: faults)
        self._server = _FaultsManager(address=("127.0.0.1", 0), authkey=self._authkey, ctx=CONTEXT).get_server()
        threading.Thread(target=self._serve, name="faults-server", daemon=True).start()
        faults.on_change = self._flag
        self._flag(frozenset(faults.state()["faults"]))

    def _serve(self) -> None:
        with contextlib.suppress(SystemExit):  # serve_forever ends with sys.exit(0), meant for a process of its own
            self._server.serve_forever()

    def _flag(self, in_force: frozenset[str]) -> None:
        for n, section in enumerate(SECTIONS):
            self._flags[n] = int(section in in_force)

    def handle(self) -> tuple[Any, ...]:
        """What a child needs to reach the faults (`RemoteFaults`)."""
        return self._server.address, self._authkey, self._flags

    def stop(self) -> None:
        """Stop serving (the children are gone)."""
        self._server.stop_event.set()  # type: ignore[attr-defined]  # set by Server.__init__


class RemoteFaults:
    """The children's side: the parent's faults, asked only while a fault of that kind is in force."""

    def __init__(self, handle: tuple[Any, ...]) -> None:
        address, authkey, self._flags = handle
        _FaultsManager.register("faults")
        manager = _FaultsManager(address=address, authkey=authkey)
        manager.connect()
        self._faults: Any = manager.faults()  # type: ignore[attr-defined]

    def _in_force(self, section: str) -> bool:
        return bool(self._flags[SECTIONS.index(section)])

    def wants_body(self, service: str) -> bool:
        return self._in_force(service) and bool(self._faults.wants_body(service))

    def service_error(self, service: str, operation: str, body: bytes | None) -> str | None:
        return self._faults.service_error(service, operation, body) if self._in_force(service) else None

    def crash_after(self, consumer: str) -> int | None:
        return self._faults.crash_after(consumer) if self._in_force("workers") else None

    def redeliver(self, queue: str, message_id: str) -> bool:
        return self._in_force("redeliver") and bool(self._faults.redeliver(queue, message_id))


class Child:
    """A spawned child process the parent asks questions over a pipe (`serve` answers them)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._pipe: Connection | None = None
        self._lock = threading.Lock()
        self._process: Any = None

    def spawn(self, start: Callable[..., Served], *args: Any) -> Any:
        """Run `start(*args)` in a child (a module-level function); return its `Served.ready`."""
        self._pipe, child_end = CONTEXT.Pipe()
        self._process = CONTEXT.Process(
            target=_live, args=(child_end, share_clock(), start, *args), name=self.name, daemon=True
        )
        self._process.start()
        child_end.close()
        if not self._pipe.poll(START_SECONDS):
            raise RuntimeError(f"{self.name} did not start")
        ready = self._pipe.recv()
        if isinstance(ready, BaseException):
            raise RuntimeError(f"{self.name} failed to start") from ready
        return ready

    def ask(self, question: str, *args: Any) -> Any:
        """Ask the child; return its answer (or raise what it raised)."""
        assert self._pipe is not None, f"{self.name} is not started"
        with self._lock:
            self._pipe.send((question, *args))
            answer = self._pipe.recv()
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def stop(self) -> None:
        """Ask the child to stop (it gets STOP_SECONDS), then make sure it is gone."""
        if self._process is None:
            return
        with contextlib.suppress(OSError, EOFError):
            self.ask("stop")
        self._process.join(timeout=STOP_SECONDS)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=STOP_SECONDS)


@dataclass(frozen=True)
class Served:
    """What a child's `start` gives: what the parent gets once it is ready, the questions it answers, its stop."""

    ready: Any
    answers: dict[str, Callable[..., Any]]
    stop: Callable[[], None]


def _live(pipe: Connection, clock: Any, start: Callable[..., Served], *args: Any) -> NoReturn:
    """Live a child's life: set up, `start`, tell the parent, answer it until it stops us.

    Set up is: die with the parent, leave Ctrl-C to it, log as it does, read its clock. The
    parent hears what failed to start, or that the child is ready; then `_serve` answers.
    """
    from infra.local.processes import die_with_parent
    from infra.local.run import configure_logging

    try:
        die_with_parent()
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent stops us
        configure_logging()
        ids.CLOCK_OFFSET_SECONDS = clock
        served = start(*args)
    except Exception as exc:
        pipe.send(exc)
        raise
    pipe.send(served.ready)
    _serve(pipe, served.answers, served.stop)


def _serve(pipe: Connection, answers: dict[str, Callable[..., Any]], stop: Callable[[], None]) -> NoReturn:
    """Answer the parent's questions until it asks to stop or goes away; then call `stop` and exit."""
    while True:
        try:
            question, *args = pipe.recv()
        except (EOFError, OSError):
            question, args = "stop", []  # the parent is gone
        if question == "stop":
            stop()
            with contextlib.suppress(OSError):
                pipe.send("stopped")
            sys.stdout.flush()
            sys.stderr.flush()
            # Not a normal exit: freeing a big emulator's objects and waiting out the daemon
            # threads of kept-alive connections took over a second, and nothing else needs to run.
            os._exit(0)
        try:
            answer = answers[question](*args)
        except Exception as exc:  # the parent raises it
            log.exception("%s failed", question)
            answer = exc
        pipe.send(answer)
