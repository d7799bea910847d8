"""Our small moto patches, all here: transactions undo by item, Query reads only its key range, fast JSON.

1. TransactWriteItems. moto 5 deep-copies every table a transaction touches before it
   starts, to roll back on failure. A checkout touches products, orders, checkouts and carts,
   so each one copied all of them: time and memory grew with the data (a long soak slowed to
   a crawl and the stack reached gigabytes). Here the tables are not copied; the items the
   transaction names are saved first and put back if it fails: the same all-or-nothing outcome.

2. Query. moto answers every Query (on the table or on an index) by sorting the whole table
   and walking it: a listing page cost 50 ms at 1,000 products and 5 s at 100,000. Here each
   table keeps, per queried index (None = the table itself), a dict partition -> list of
   (sort tuple, primary key) kept sorted in moto's own order (index range key, then the
   table's keys; `cast_value`s, which is what moto compares). It is built on the first Query
   of that index and then kept up to date by every write (Table.put_item, Table.delete_item,
   DynamoDBBackend.update_item, which mutates items in place; batch and transaction writes go
   through them). A Query then bisects its partition for the key condition (=, <, <=, >, >=,
   BETWEEN, begins_with) and for ExclusiveStartKey (with moto's own comparison), walks in the
   asked direction and hands moto at most Limit + 1 items (or just past 1 MB): moto's own
   Query code then does the rest as before (key re-check, order, paging key, Limit, filter,
   projection, consistent-read refusal), so its semantics are unchanged. Items without the
   index's keys are not in it (sparse indexes). Anything unusual (a multi-attribute key, a
   legacy QueryFilter, binary or mixed-type range keys, an unknown index, a stale entry)
   falls back to moto's full walk. Cost: O(log n + page) per Query, O(log n) per write to a
   table that has been queried, plus one O(n log n) build per index.

3. Item responses. moto 5.2 renders every DynamoDB answer through its generic, botocore-
   model-driven serializer, which looks up each attribute of each item by reflection: it was
   two thirds of the time the (one-at-a-time) emulator spent in a soak, and a page of orders
   took milliseconds. The answers of the item operations (`JSON_ACTIONS`) are already plain
   DynamoDB JSON once moto's `DynamoResult` has converted them, so they are written with
   `json.dumps` instead; anything that does not serialize that way (bytes, errors, other
   operations) goes through moto's serializer as before.
"""

from __future__ import annotations

import bisect
import contextlib
import contextvars
import copy
import types
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

_PATCHED = False
# The items moto's Query should consider instead of its whole table, while a narrowed Query runs.
_CANDIDATES: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar("peken_candidates", default=None)
_SORTED = "_peken_sorted"  # the attribute on a moto Table holding its sorted indexes
RESULT_SIZE_LIMIT = 1_000_000  # moto's page limit in bytes (DynamoDB's 1 MB)
JSON_ACTIONS = frozenset(
    {"GetItem", "BatchGetItem", "TransactGetItems", "Query", "Scan", "PutItem", "UpdateItem", "DeleteItem"}
)
_WALK = {"always": False}  # True inside full_walk(): moto's own Query, to compare with


@contextlib.contextmanager
def full_walk() -> Iterator[None]:
    """Answer with moto's own Query (a walk of the whole table) and serializer while inside (tests compare)."""
    _WALK["always"] = True
    try:
        yield
    finally:
        _WALK["always"] = False


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
    _sorted_queries(Table, backend)
    _json_answers()
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


# --- 2. Query reads only its key range -------------------------------------------------------

Entry = tuple[tuple[Any, ...], tuple[Any, Any]]  # (sort tuple, the table item's (hash key, range key))


class SortedIndex:
    """One index of one table (None: the table itself) as partition -> entries sorted as moto sorts them."""

    def __init__(self, table: Any, index_name: str | None) -> None:
        self.name = index_name
        self.items_id = id(table.items)
        self.parts: dict[Any, list[Entry]] = {}
        self.where: dict[tuple[Any, Any], tuple[Any, tuple[Any, ...]]] = {}  # primary key -> (partition, sort tuple)
        self.range_types: Counter[type] = Counter()  # Python types of the range key's cast values in the index
        if index_name is None:
            self.hash_attr, self.range_attr = table.hash_key_attr, table.range_key_attr
            self.hash_attrs: list[str] = [table.hash_key_attr]
            self.range_attrs: list[str | None] = [table.range_key_attr]
            self.sort_attrs: list[str] = [table.range_key_attr] if table.range_key_attr else []
        else:
            index = {i.name: i for i in table.all_indexes()}[index_name]
            hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
            ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
            if len(hashes) != 1 or len(ranges) > 1:
                raise LookupError("multi-attribute keys: moto's walk answers them")
            self.hash_attr, self.range_attr = hashes[0], (ranges[0] if ranges else None)
            # As moto's Table.query builds them for an index, so the order and the paging checks are its own.
            implied = table.range_key_attr or table.hash_key_attr
            self.hash_attrs = [hashes[0], table.hash_key_attr]
            self.range_attrs = [ranges[0] if ranges else implied, table.range_key_attr]
            self.sort_attrs = table._generate_attr_to_sort_by(self.hash_attrs, self.range_attrs)[1:]
        self.schema = schema_of(table, index_name)
        for item in _stored_items(table):
            self.put((item.hash_key, item.range_key), item)

    def entry(self, item: Any) -> tuple[Any, tuple[Any, ...]] | None:
        """Return (partition, sort tuple) of an item, or None when the item is not in this index."""
        if self.name is None:
            return item.hash_key, (item.range_key.cast_value,) if self.sort_attrs else ()
        attrs = item.attrs
        part = attrs.get(self.hash_attr)
        if not part or (self.range_attr is not None and not attrs.get(self.range_attr)):
            return None  # moto's own test for index membership: a sparse index leaves such items out
        values = [attrs.get(a) for a in self.sort_attrs]
        if any(v is None for v in values):
            return None
        return part, tuple(v.cast_value for v in values)

    def put(self, key: tuple[Any, Any], item: Any | None) -> None:
        """Move one table item (None: deleted) to where it belongs now."""
        old = self.where.pop(key, None)
        if old is not None:
            entries = self.parts[old[0]]
            at = bisect.bisect_left(entries, (old[1], key))
            del entries[at]
            if self.range_attr is not None:
                self.range_types[type(old[1][0])] -= 1
            if not entries:
                del self.parts[old[0]]
        new = self.entry(item) if item is not None else None
        if new is not None:
            bisect.insort(self.parts.setdefault(new[0], []), (new[1], key))
            self.where[key] = new
            if self.range_attr is not None:
                self.range_types[type(new[1][0])] += 1

    def candidates(self, table: Any, query: dict[str, Any]) -> list[Any] | None:
        """Return the items of the queried range moto needs to answer the page, ascending; None: walk."""
        comparison, values = query["range_comparison"], [v.cast_value for v in query["range_objs"]]
        if comparison is not None:
            if self.range_attr is None or not values:
                return None
            kinds = {type(v) for v in values}
            present = {kind for kind, count in self.range_types.items() if count > 0}
            if len(kinds) != 1 or not kinds <= {str, Decimal} or not present <= kinds:
                return None  # binary or mixed types: moto compares them its own way
        partition = self._partition(query)
        entries = self.parts.get(partition, [])
        lo, hi = _bounds(entries, comparison, values)
        hi = max(lo, hi)
        forward = query["scan_index_forward"] is not False
        order: Callable[[int], int] = (lambda i: lo + i) if forward else (lambda i: hi - 1 - i)
        count, start = hi - lo, 0
        start_key = query["exclusive_start_key"]
        if start_key is not None:
            # The first position moto's own check does not skip (it is monotonic along the order).
            low, high = 0, count
            while low < high:
                mid = (low + high) // 2
                item = self._item(table, partition, entries[order(mid)])
                if table._item_comes_before_dct(item, start_key, self.hash_attrs, self.range_attrs, forward):
                    low = mid + 1
                else:
                    high = mid
            start = low
        limit, size, out = query["limit"], 0, []
        for i in range(start, count):
            item = self._item(table, partition, entries[order(i)])
            out.append(item)
            size += item.size()
            if (limit is not None and len(out) > limit) or size > RESULT_SIZE_LIMIT:
                break  # moto needs the item after the page to end it with LastEvaluatedKey
        else:  # moto checks Limit on the next item of the partition even past the range: it ends the page too
            beyond = hi if forward else lo - 1
            if 0 <= beyond < len(entries):
                out.append(self._item(table, partition, entries[beyond]))
        return out if forward else out[::-1]

    def _partition(self, query: dict[str, Any]) -> Any:
        conditions = query["range_key_conditions"] or []
        if len(conditions) > 1 or any(name != self.range_attr for name, _, _ in conditions):
            raise LookupError("a multi-attribute range key condition")
        if self.name is None:
            if query["hash_key"] is None:
                raise LookupError("no partition")
            return query["hash_key"]
        hashes = dict(query["hash_key_conditions"] or [])
        if set(hashes) != {self.hash_attr}:
            raise LookupError("not a single-attribute key condition")
        return hashes[self.hash_attr]

    def _item(self, table: Any, partition: Any, entry: Entry) -> Any:
        item = _stored(table, *entry[1])
        if item is None or self.entry(item) != (partition, entry[0]):
            raise StaleIndex("an item changed without going through the patched writes")
        return item


class StaleIndex(LookupError):
    """The sorted index disagrees with the table: drop it (it is rebuilt at the next Query)."""


def schema_of(table: Any, index_name: str | None) -> tuple[tuple[str, str], ...]:
    """Return the key schema an index was built for (None: the table's)."""
    schema = table.schema if index_name is None else {i.name: i for i in table.all_indexes()}[index_name].schema
    return tuple((k["AttributeName"], k["KeyType"]) for k in schema)


def _stored(table: Any, hash_key: Any, range_key: Any) -> Any | None:
    stored = table.items.get(hash_key)  # .get: moto's items is a defaultdict
    return stored.get(range_key) if range_key is not None and stored is not None else stored


def _bounds(entries: list[Entry], comparison: str | None, values: list[Any]) -> tuple[int, int]:
    """Return the slice of a partition's entries whose range key meets the key condition."""

    def left(v: Any) -> int:
        return bisect.bisect_left(entries, v, key=lambda e: e[0][0])

    def right(v: Any) -> int:
        return bisect.bisect_right(entries, v, key=lambda e: e[0][0])

    n = len(entries)
    if comparison is None:
        return 0, n
    if comparison == "=":
        return left(values[0]), right(values[0])
    if comparison == "<":
        return 0, left(values[0])
    if comparison == "<=":
        return 0, right(values[0])
    if comparison == ">":
        return right(values[0]), n
    if comparison == ">=":
        return left(values[0]), n
    if comparison == "BETWEEN":
        return left(values[0]), right(values[1])
    if comparison == "BEGINS_WITH" and isinstance(values[0], str):
        prefix = values[0]
        if not prefix:
            return 0, n
        end = len(prefix) - 1
        while end >= 0 and prefix[end] == "\U0010ffff":
            end -= 1
        return left(prefix), (left(prefix[:end] + chr(ord(prefix[end]) + 1)) if end >= 0 else n)
    raise LookupError(f"key condition {comparison}: moto's walk answers it")


def _stored_items(table: Any) -> list[Any]:
    if table.range_key_attr:
        return [item for part in table.items.values() for item in part.values()]
    return list(table.items.values())


def sorted_index(table: Any, index_name: str | None) -> SortedIndex:
    """Return the table's sorted index, building it on first use (or after moto replaced its items)."""
    indexes: dict[str | None, SortedIndex] = table.__dict__.setdefault(_SORTED, {})
    index = indexes.get(index_name)
    if index is not None and index.items_id == id(table.items) and index.schema == schema_of(table, index_name):
        return index
    index = indexes[index_name] = SortedIndex(table, index_name)
    return index


def _refresh(table: Any, hash_key: Any, range_key: Any) -> None:
    """Tell the table's sorted indexes that the item with this key was written."""
    indexes: dict[str | None, SortedIndex] = table.__dict__.get(_SORTED) or {}
    if not indexes:
        return
    item = _stored(table, hash_key, range_key)
    for name, index in list(indexes.items()):
        try:
            if index.items_id != id(table.items):
                raise StaleIndex("moto replaced the table's items")
            index.put((hash_key, range_key), item)
        except Exception:  # never fail a write for an index: drop it, rebuilt at its next Query
            del indexes[name]


def _sorted_queries(table_class: Any, backend_class: Any) -> None:
    """Install the sorted Query and the write hooks that keep its indexes current."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    original_query, original_all_items = table_class.query, table_class.all_items
    original_put, original_delete = table_class.put_item, table_class.delete_item
    original_update = backend_class.update_item

    def all_items(self: Any) -> list[Any]:
        narrowed = _CANDIDATES.get()
        return list(narrowed) if narrowed is not None else original_all_items(self)

    def query(
        self: Any,
        hash_key: Any,
        range_comparison: str | None,
        range_objs: list[Any],
        limit: int,
        exclusive_start_key: dict[str, Any],
        scan_index_forward: bool,
        projection_expressions: Any,
        index_name: str | None = None,
        consistent_read: bool = False,
        filter_expression: Any = None,
        hash_key_conditions: Any = None,
        range_key_conditions: Any = None,
        **filter_kwargs: Any,
    ) -> Any:
        narrowed = None
        asked = {
            "hash_key": hash_key,
            "range_comparison": range_comparison,
            "range_objs": range_objs,
            "limit": limit,
            "exclusive_start_key": exclusive_start_key,
            "scan_index_forward": scan_index_forward,
            "hash_key_conditions": hash_key_conditions,
            "range_key_conditions": range_key_conditions,
        }
        if not filter_kwargs and not _WALK["always"]:  # a legacy QueryFilter: moto's walk
            try:
                narrowed = sorted_index(self, index_name).candidates(self, asked)
            except StaleIndex:
                self.__dict__.get(_SORTED, {}).pop(index_name, None)
            except Exception:  # noqa: S110 - anything unusual: moto answers (or refuses) as it always did
                pass
        token = _CANDIDATES.set(narrowed)
        try:
            return original_query(
                self,
                hash_key,
                range_comparison,
                range_objs,
                limit,
                exclusive_start_key,
                scan_index_forward,
                projection_expressions,
                index_name,
                consistent_read,
                filter_expression,
                hash_key_conditions=hash_key_conditions,
                range_key_conditions=range_key_conditions,
                **filter_kwargs,
            )
        finally:
            _CANDIDATES.reset(token)

    def put_item(self: Any, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        item = original_put(self, item_attrs, *args, **kwargs)
        _refresh(self, item.hash_key, item.range_key)
        return item

    def delete_item(self: Any, hash_key: Any, range_key: Any) -> Any:
        try:
            return original_delete(self, hash_key, range_key)
        finally:
            _refresh(self, hash_key, range_key)

    def update_item(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return original_update(self, table_name, key, *args, **kwargs)
        finally:  # moto updates the stored item in place, possibly before it fails
            table = self.tables.get(table_name)
            if table is not None and table.hash_key_attr in key:
                range_name = table.range_key_attr
                range_key = DynamoType(key[range_name]) if range_name and range_name in key else None
                _refresh(table, DynamoType(key[table.hash_key_attr]), range_key)

    table_class.all_items = all_items
    table_class.query = query
    table_class.put_item = put_item
    table_class.delete_item = delete_item
    backend_class.update_item = update_item


# --- 3. Item responses as plain JSON ---------------------------------------------------------


def _json_answers() -> None:
    """Write the item operations' answers with json.dumps instead of moto's reflective serializer."""
    import json

    from moto.dynamodb.responses import DynamoHandler, DynamoResult

    original = DynamoHandler.serialized

    def serialized(self: Any, action_result: Any) -> Any:
        if not _WALK["always"] and type(action_result) is DynamoResult and self._get_action() in JSON_ACTIONS:
            try:
                body = json.dumps(action_result.result, separators=(",", ":"))
            except (TypeError, ValueError):
                return original(self, action_result)
            headers = {"Content-Type": "application/x-amz-json-1.0", **self.response_headers}
            return 200, headers, body
        return original(self, action_result)

    DynamoHandler.serialized = serialized  # type: ignore[method-assign]
