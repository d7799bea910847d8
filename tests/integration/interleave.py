"""Force the interleavings a lost update needs: a competing write lands right after a writer's read.

`after_reads(Model, key, competitor)` wraps `Model.get` (and `batch_get`) so that every read of
the item with that key is followed, before the reader goes on, by `competitor()` - another
writer committing in between, as it can on DynamoDB where nothing locks a row between a read
and the write that follows it. The competitor runs once per read (bounded), never inside
itself, and the test then checks that every competing write survived: `fired` counts them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

MAX_FIRINGS = 8  # writers retry a few times; a bound keeps a broken writer from looping forever


class Interleaving:
    """How many competing writes ran, and a switch to stop them."""

    def __init__(self) -> None:
        self.fired = 0
        self.active = True
        self._inside = False


@contextmanager
def after_reads(
    model: Any, key: Any, competitor: Callable[[], object], times: int = MAX_FIRINGS
) -> Iterator[Interleaving]:
    """Run `competitor()` after each read of `model`'s item `key` (at most `times`) until the block ends."""
    state = Interleaving()
    original_get, original_batch = model.get, model.batch_get

    def compete() -> None:
        if state.active and not state._inside and state.fired < times:
            state._inside = True
            try:
                competitor()
                state.fired += 1
            finally:
                state._inside = False

    def get(hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return original_get(hash_key, *args, **kwargs)
        finally:  # a read that found nothing is a read too (the competitor may create the item)
            if hash_key == key:
                compete()

    def batch_get(items: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        items = list(items)
        records = list(original_batch(items, *args, **kwargs))
        if any(item == key or (isinstance(item, tuple) and item[0] == key) for item in items):
            compete()
        return iter(records)

    with mock.patch.object(model, "get", get), mock.patch.object(model, "batch_get", batch_get):
        yield state
    state.active = False
