"""The queue-fed functions in a process of their own, as each function is on AWS (`children.py`).

The child runs the queue pump (`pump.py`) on the app's queue functions, with the parent's
clock and faults. The parent asks it whether a handler runs (the drain) and to stop.
"""

from __future__ import annotations

from typing import Any

from infra.local.children import Child, FaultsService, Served


class WorkerProcess:
    """Run the queue pump and its workers in a child process."""

    def __init__(self, region: str, retry_delay_seconds: int, faults: FaultsService, pollers: int) -> None:
        self._child = Child("peken-workers")
        self._settings = (region, retry_delay_seconds, pollers)
        self._faults = faults

    def start(self) -> WorkerProcess:
        """Start the child; return once its pollers run."""
        self._child.spawn(_start, self._faults.handle(), *self._settings)
        return self

    def busy(self) -> bool:
        """Tell whether any handler is running now."""
        return bool(self._child.ask("busy"))

    def stop(self) -> None:
        """Stop polling (a batch in progress gets the pump's 3 s), then the process."""
        self._child.stop()


def _start(faults: tuple[Any, ...], region: str, retry_delay_seconds: int, pollers: int) -> Served:
    """In the child: start the pump on the app's queue functions."""
    import importlib

    from infra.local import audit
    from infra.local.children import RemoteFaults
    from infra.local.pump import QueuePump
    from infra.local.stack import consumers_of

    audit.install_from_environment()
    app_module = importlib.import_module("app")
    pump = QueuePump(consumers_of(app_module), region, retry_delay_seconds, RemoteFaults(faults), pollers).start()
    return Served("ready", {"busy": pump.busy}, pump.stop)
