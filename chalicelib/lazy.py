"""Import a domain module on its first use, so a cold start loads only what its request needs."""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import Any


class LazyModule:
    """Stand in for a module until an attribute is read, then import it (thread-safe: the import lock)."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name}{'' if self._module is None else ' (loaded)'}>"


def lazy(name: str) -> Any:
    """Return a stand-in for module `name` that imports it on first attribute access.

    PEKEN_EAGER_IMPORTS=1 imports it at once instead, as a plain Chalice app would (the
    cold-start benchmark's baseline).
    """
    if os.environ.get("PEKEN_EAGER_IMPORTS") == "1":
        return importlib.import_module(name)
    return LazyModule(name)
