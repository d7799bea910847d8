"""Make moto's TransactWriteItems undo by item instead of copying whole tables.

moto 5 deep-copies every table a transaction touches before it starts, to roll back on
failure. A checkout touches products, orders, checkouts and carts, so each one copied all
of them: time and memory grew with the data (a long soak slowed to a crawl and the stack
reached gigabytes). Here the tables are not copied; the items the transaction names are
saved first and put back if it fails, which is the same all-or-nothing outcome.
"""

from __future__ import annotations

import copy
import types
from typing import Any

_PATCHED = False


def apply() -> None:
    """Patch moto's DynamoDB backend once per process."""
    global _PATCHED
    if _PATCHED:
        return
    import moto.dynamodb.models as models
    from moto.dynamodb.models.table import Table

    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        # moto's only whole-table copy is the transaction backup, which we replace below.
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    models.copy = types.SimpleNamespace(deepcopy=deepcopy)  # type: ignore[attr-defined,assignment]
    backend = models.DynamoDBBackend
    original = backend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = [entry for entry in (_saved_item(self, item) for item in transact_items) if entry is not None]
        try:
            original(self, transact_items)
        except Exception:
            for table_name, key, attributes in reversed(saved):
                if attributes is None:
                    self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, attributes)
            raise

    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _PATCHED = True


def _saved_item(backend: Any, item: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any] | None] | None:
    """Return (table, key, the item's attributes now or None) for one operation of a transaction."""
    if len(item) != 1:
        return None
    _, op = next(iter(item.items()))
    table = backend.tables.get(op.get("TableName"))
    if table is None:
        return None
    if "Key" in op:
        key = dict(op["Key"])
    else:
        attributes = op.get("Item") or {}
        names = [n for n in (table.hash_key_attr, table.range_key_attr) if n]
        if not all(n in attributes for n in names):
            return None
        key = {n: attributes[n] for n in names}
    try:
        current = backend.get_item(table.name, key)
    except Exception:  # a malformed key: moto refuses the transaction before writing anything
        return None
    return table.name, key, copy.deepcopy(current.to_json()["Attributes"]) if current else None
