"""Our small moto patches, all here: transactions, Query by key range, fast JSON, SQS without walks, less per request.

Each patch answers as moto does, only sooner. Patches 2-4 and 8-11 step aside inside
`full_walk()`, so the integration tests (`tests/integration/test_emulator_*.py`) compare their
answers with moto's own.

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

4. SQS. moto 5.2 walks every message of a queue, in Python, several times per request: a
   ReceiveMessage first lists every visible message, then asks for the queue's retention
   period once per message it returns through GetQueueAttributes, which computes every
   attribute of the queue (three counts, each a walk with two clock readings per message)
   up to twice per attribute asked; every SendMessage computes them all again (for
   ContentBasedDeduplication); DeleteMessage and ChangeMessageVisibility walk the queue
   for the message with that receipt handle (building a list of handles per message).
   With a backlog of 2,000 order events a poll cost tens of milliseconds, the pump fell
   further behind, and a 5,000-operation soak did not finish. Here:
   - `Queue.messages` is a lazy view (`Visible`) of a snapshot of the queue, in order:
     ReceiveMessage reads messages only until it has its batch (the same messages, in the
     same order, with the same in-flight, delay, FIFO-group and dead-letter checks, which
     are moto's own code); its length and truth are moto's counts; the messages ahead of
     the batch (in flight, or delayed like the 30-minute expiry messages) are skipped with
     one clock reading per request instead of two per message;
   - `Queue.attributes` computes only the attributes the running request reads (the names
     a GetQueueAttributes asks for, ContentBasedDeduplication in a send; everything
     otherwise), with moto's own getters and formatting, once per GetQueueAttributes; the
     three counts are moto's tests with one clock reading per count, not two per message;
   - receipt handles are indexed as moto issues them (`Message.mark_received`), so
     DeleteMessage and ChangeMessageVisibility find their message in O(1) and then do what
     moto does; a handle not in the index (never issued, or the message left the queue)
     goes to moto's walk, which answers or refuses it as before.
   Cost: ReceiveMessage O(in-flight messages ahead of the batch + batch), SendMessage and
   DeleteMessage O(1) (plus a C-speed list search), counts O(n) only when asked for.
   `full_walk()` turns all of it off (tests and `make bench` compare).

5. moto's server finds the service of every request by listing its own package directory
   (`backends.list_of_moto_modules`: a listdir and an isdir per entry, some 200 system calls)
   before it matches URLs: a tenth of the emulator's busy time in a soak. The installed
   package does not change while it runs, so the listing is made once.

6. moto's `BaseResponse.call_action` lists the methods of the handler's class with
   `inspect.getmembers` on every request, to check that the action is one of them: a fifth
   of the CPU time of a GetItem (a class has some 120 members). A class's methods do not
   change while the server runs, so the list is made once per class (the same names).

7. moto gives every answer a 52-character request id, drawn one `random.choice` at a time
   (`MotoRandom.get_random_string`: 52 calls, a tenth of a GetItem's time). Here the same
   characters come from one `choices` call of the same random generator: the same alphabet,
   length and distribution (a seeded generator gives other strings than moto's loop would).

8. Index projections. moto projects each item a Query reads from a KEYS_ONLY or INCLUDE
   index by converting the whole item to plain Python once per projected attribute, then
   back: the order indexes' pages spent most of their time there. Here the projected
   attributes are picked from the item as they are, when that round trip would not change
   them: strings, booleans, nulls and numbers already written as boto3 writes them. An item
   with anything else among them (a set, binary, a map or list, "1e2" for 1E+2), or a name
   that moto would read as a list element, goes to moto's code.

9. Update expressions. moto validates and applies an update by walking its expression's
   tree ten times, once per processor, and at every node builds the processor's map of
   node types twice (a new dict each time): that was most of an UpdateItem's time for our
   updates of ten or more attributes. Here each walk builds it once: the same nodes, in the
   same order, given to the same processor methods. And the check that an update has at most
   one SET, REMOVE and ADD clause ran at every node of the tree (every clause, action and
   operand node is an `UpdateExpression`), each time searching its subtree three times,
   quadratic in the number of actions; here the counts are made in one pass, bottom up, and
   the same nodes are checked in the same order (the same error for the same expression).
   moto also parses each update expression twice per write (once to check the names it
   uses), and PynamoDB names values by position, so the same expressions come again and
   again: the parsed trees of the last 1,024 are kept. Nothing changes a parsed tree (the
   validator works on a deep copy of it).

10. Item building. moto's item dict checks DynamoDB's 400 KB limit at every attribute set,
   adding up the sizes of every attribute already set: quadratic for each item it builds
   (every put, every transaction write). Here the sum is kept as the attributes are set, and
   checked at the same points (the same ItemSizeTooLarge at the same attribute).

11. Dispatch. moto's server passes every request through its service dispatcher and a
   Flask app per service (request context, URL routing, response hooks) before moto's
   handler: about a tenth of the CPU of a GetItem. `Direct` answers a signed JSON-protocol
   call (X-Amz-Target: DynamoDB, DynamoDB Streams, SQS) by calling the same handler with
   the same request and response classes, request recorder and CORS header that Flask's
   view and moto's hooks would use. The view is found through moto's own dispatcher and URL
   map, once per target, signing service and path (what moto routes by); anything else (S3,
   an unsigned call, a browser's CORS request) goes through moto's server as before.
"""

from __future__ import annotations

import bisect
import contextlib
import contextvars
import copy
import dataclasses
import re
import types
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import DYNAMODB_CONTEXT
from botocore.exceptions import ClientError

_PATCHED = False
# The items moto's Query should consider instead of its whole table, while a narrowed Query runs.
_CANDIDATES: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar("peken_candidates", default=None)
_SORTED = "_peken_sorted"  # the attribute on a moto Table holding its sorted indexes
RESULT_SIZE_LIMIT = 1_000_000  # moto's page limit in bytes (DynamoDB's 1 MB)
JSON_ACTIONS = frozenset(
    {"GetItem", "BatchGetItem", "TransactGetItems", "Query", "Scan", "PutItem", "UpdateItem", "DeleteItem"}
)
_WALK = {"always": False}  # True inside full_walk(): moto's own code, to compare the patches with
# What the running SQS request reads of its queue's attributes (None: every attribute, each time).
_READING: contextvars.ContextVar[Reading | None] = contextvars.ContextVar("peken_reading", default=None)


@contextlib.contextmanager
def full_walk() -> Iterator[None]:
    """Answer with moto's own code while inside (patches 2-4 and 8-11 step aside; tests and benches compare)."""
    _WALK["always"] = True
    try:
        yield
    finally:
        _WALK["always"] = False


def apply() -> None:
    """Patch moto's DynamoDB and SQS backends and its server's dispatch once per process."""
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
    _sqs_reads_what_it_answers()
    _list_moto_modules_once()
    _method_names_once()
    _random_strings_at_once()
    _projections_by_name()
    _update_walks()
    _items_sized_once()
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


# --- 4. SQS reads only the messages it answers with ------------------------------------------


@dataclasses.dataclass
class Reading:
    """The queue attributes the running SQS request reads (None: all), and those computed so far."""

    names: frozenset[str] | None
    computed: dict[int, dict[str, Any]] = dataclasses.field(default_factory=dict)  # id(queue) -> attributes


def _now_ms() -> float:
    from moto.core.utils import unix_time_millis

    return unix_time_millis()


class Visible:
    """A queue's visible, undelayed messages in queue order, each checked as it is read (moto: a list of all)."""

    def __init__(self, messages: list[Any]) -> None:
        self._messages = list(messages)  # a snapshot, as moto's list is: writes during a walk do not disturb it

    def __iter__(self) -> Iterator[Any]:  # moto's `visible and not delayed`, read at one moment as its list is
        now = _now_ms()
        return (m for m in self._messages if now > m.visible_at and not now < m.delayed_until)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        return next(iter(self), None) is not None


def _sqs_reads_what_it_answers() -> None:
    """Install the lazy visible view, attributes computed on demand and the receipt-handle index."""
    import json
    import weakref

    from moto.core.utils import camelcase_to_underscores
    from moto.sqs import models
    from moto.sqs.exceptions import InvalidParameterValue

    queue_class, message_class, backend_class = models.Queue, models.Message, models.SQSBackend
    original_messages = queue_class.messages.fget  # type: ignore[attr-defined]
    original_attributes = queue_class.attributes.fget  # type: ignore[attr-defined]
    original_delayed = queue_class.approximate_number_of_messages_delayed.fget  # type: ignore[attr-defined]
    original_not_visible = queue_class.approximate_number_of_messages_not_visible.fget  # type: ignore[attr-defined]
    original_get_attributes, original_send = backend_class.get_queue_attributes, backend_class.send_message
    original_receive, original_delete = backend_class.receive_message, queue_class.delete_message
    original_visibility, original_mark = backend_class.change_message_visibility, message_class.mark_received
    handles: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()  # receipt handle -> message

    def messages(self: Any) -> Any:
        return original_messages(self) if _WALK["always"] else Visible(self._messages)

    def delayed(self: Any) -> int:  # moto's `delayed`, with one clock reading for all
        if _WALK["always"]:
            return original_delayed(self)  # type: ignore[no-any-return]
        now = _now_ms()
        return sum(1 for m in self._messages if now < m.delayed_until)

    def not_visible(self: Any) -> int:  # moto's `not visible`, with one clock reading for all
        if _WALK["always"]:
            return original_not_visible(self)  # type: ignore[no-any-return]
        now = _now_ms()
        return sum(1 for m in self._messages if not now > m.visible_at)

    def attributes(self: Any) -> dict[str, Any]:
        reading = None if _WALK["always"] else _READING.get()
        if reading is None:
            return original_attributes(self)  # type: ignore[no-any-return]
        known = reading.computed.get(id(self))
        if known is not None:  # moto asks up to twice per name in one GetQueueAttributes
            return known
        if reading.names is None:
            result = original_attributes(self)
        else:  # moto's property, for the wanted names only
            names = [*self.BASE_ATTRIBUTES, *(self.FIFO_ATTRIBUTES if self.fifo_queue else ())]
            names += self.KMS_ATTRIBUTES if self.kms_master_key_id else []
            result = {n: getattr(self, camelcase_to_underscores(n)) for n in names if n in reading.names}
            if self.policy and "Policy" in reading.names:
                result["Policy"] = self.policy
            if self.redrive_policy and "RedrivePolicy" in reading.names:
                result["RedrivePolicy"] = json.dumps(self.redrive_policy)
            result = {k: str(v).lower() if isinstance(v, bool) else v for k, v in result.items()}
        reading.computed[id(self)] = result
        return result  # type: ignore[no-any-return]

    @contextlib.contextmanager
    def reading(value: Reading | None) -> Iterator[None]:
        token = _READING.set(value)
        try:
            yield
        finally:
            _READING.reset(token)

    def get_queue_attributes(self: Any, queue_name: str, attribute_names: list[str]) -> dict[str, Any]:
        asked = attribute_names or []
        with reading(Reading(None if "All" in asked else frozenset(asked))):
            return original_get_attributes(self, queue_name, attribute_names)

    def send_message(self: Any, *args: Any, **kwargs: Any) -> Any:
        with reading(Reading(frozenset({"ContentBasedDeduplication"}))):  # all a send reads of the queue's
            return original_send(self, *args, **kwargs)

    def receive_message(self: Any, *args: Any, **kwargs: Any) -> Any:
        with reading(None):  # the GetQueueAttributes inside asks for its own names
            return original_receive(self, *args, **kwargs)

    def mark_received(self: Any, *args: Any, **kwargs: Any) -> None:
        original_mark(self, *args, **kwargs)
        handles[self.receipt_handle] = self

    def found(queue: Any, receipt_handle: str) -> tuple[Any, int] | None:
        """Return (message, position) of the queue's message with this handle, None: ask moto's walk."""
        message = None if _WALK["always"] else handles.get(receipt_handle)
        if message is None or not message.had_receipt_handle(receipt_handle):
            return None
        try:
            return message, queue._messages.index(message)  # Message has no __eq__: by identity
        except ValueError:
            return None

    def delete_message(self: Any, receipt_handle: str) -> None:
        hit = None if receipt_handle in self.deleted_messages else found(self, receipt_handle)
        if hit is None:
            return original_delete(self, receipt_handle)
        message, at = hit
        self.pending_messages.discard(message)
        self.deleted_messages.update(message.all_receipt_handles)
        self._messages = self._messages[:at] + self._messages[at + 1 :]  # a new list, as moto's
        for handle in message.all_receipt_handles:
            handles.pop(handle, None)
        return None

    def change_message_visibility(self: Any, queue_name: str, receipt_handle: str, visibility_timeout: int) -> None:
        queue = self.get_queue(queue_name)
        hit = found(queue, receipt_handle)
        if hit is None:
            return original_visibility(self, queue_name, receipt_handle, visibility_timeout)
        # moto's body for the message its walk would have stopped at (receipt handles are unique).
        message = hit[0]
        given = _now_ms() + int(visibility_timeout) * 1000
        if given - message.sent_timestamp > 43200 * 1000:
            raise InvalidParameterValue(
                f"Value {visibility_timeout} for parameter VisibilityTimeout is invalid. Reason: Total "
                "VisibilityTimeout for the message is beyond the limit [43200 seconds]"
            )
        message.change_visibility(visibility_timeout)
        if message.visible and message in queue.pending_messages:
            queue.pending_messages.remove(message)
        return None

    queue_class.messages = property(messages)  # type: ignore[method-assign,assignment]
    queue_class.approximate_number_of_messages_delayed = property(delayed)  # type: ignore[method-assign,assignment]
    queue_class.approximate_number_of_messages_not_visible = property(not_visible)  # type: ignore[method-assign,assignment]
    queue_class.attributes = property(attributes)  # type: ignore[method-assign,assignment]
    queue_class.delete_message = delete_message  # type: ignore[method-assign]
    message_class.mark_received = mark_received  # type: ignore[method-assign]
    backend_class.get_queue_attributes = get_queue_attributes  # type: ignore[method-assign]
    backend_class.send_message = send_message  # type: ignore[method-assign]
    backend_class.receive_message = receive_message  # type: ignore[method-assign]
    backend_class.change_message_visibility = change_message_visibility  # type: ignore[method-assign]


# --- 5. moto's package listed once -----------------------------------------------------------


def _list_moto_modules_once() -> None:
    """Answer `list_of_moto_modules` from one listing made at start (the same names, in the same order)."""
    import moto.backends as backends

    listed = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: listed


# --- 6. a handler's method names listed once per class ----------------------------------------


def _method_names_once() -> None:
    """Answer `method_names_from_class` from one listing per class (the names moto's own call lists)."""
    import functools

    import moto.core.responses as responses

    original = responses.method_names_from_class  # type: ignore[attr-defined]
    responses.method_names_from_class = functools.cache(original)  # type: ignore[attr-defined]


# --- 7. random strings in one draw ------------------------------------------------------------


def _random_strings_at_once() -> None:
    """Draw `get_random_string`'s characters with one `choices` call instead of one `choice` each."""
    import string

    from moto.moto_api._internal.moto_random import MotoRandom

    def get_random_string(self: Any, length: int = 20, include_digits: bool = True, lower_case: bool = False) -> str:
        pool = string.ascii_letters + (string.digits if include_digits else "")
        drawn = "".join(self.choices(pool, k=length))
        return drawn.lower() if lower_case else drawn

    MotoRandom.get_random_string = get_random_string  # type: ignore[method-assign]


# --- 8. index projections pick their attributes -----------------------------------------------


def _projections_by_name() -> None:
    """Project KEYS_ONLY and INCLUDE index entries by picking the named top-level attributes."""
    from moto.dynamodb.models.dynamo_type import Item, LimitedSizeDict
    from moto.dynamodb.models.table import SecondaryIndex

    original = SecondaryIndex.project

    def project(self: Any, item: Any) -> Any:
        kind = (self.projection or {}).get("ProjectionType")
        if _WALK["always"] or kind not in ("KEYS_ONLY", "INCLUDE"):
            return original(self, item)
        names = [*self.table_key_attrs, *(k["AttributeName"] for k in self.schema)]
        names += self.projection.get("NonKeyAttributes", []) if kind == "INCLUDE" else []
        if any("[" in name for name in names):
            return original(self, item)  # moto reads `name[i]` as a list's element
        picked = {name: item.attrs[name] for name in dict.fromkeys(names) if name in item.attrs}
        if not all(_round_trips(value) for value in picked.values()):
            return original(self, item)
        projected: Any = Item.__new__(Item)
        projected.hash_key, projected.range_key = item.hash_key, item.range_key
        projected.attrs = LimitedSizeDict.__new__(LimitedSizeDict)  # a subset of an item within the limit
        dict.update(projected.attrs, picked)  # Query and Scan project a deep copy of the stored item
        return projected

    SecondaryIndex.project = project  # type: ignore[method-assign]


def _round_trips(value: Any) -> bool:
    """Whether boto3's deserializer and serializer give this attribute value back unchanged."""
    if value.type in ("S", "BOOL", "NULL"):
        return True
    if value.type != "N":
        return False
    try:
        return bool(str(DYNAMODB_CONTEXT.create_decimal(value.value)) == value.value)
    except ArithmeticError:  # moto's round trip fails on it: let it
        return False


# --- 9. update expressions: each walk builds its map once, clauses counted once, trees kept ----


def _update_walks() -> None:
    """Walk an update's tree with each processor's map built once; count its clauses in one pass."""
    import functools
    import importlib

    from moto.dynamodb.exceptions import TooManyClauses
    from moto.dynamodb.parsing.validators import ActionCountValidator

    # moto marks its parsing modules `type: ignore`: to mypy they have no attributes.
    ast: Any = importlib.import_module("moto.dynamodb.parsing.ast_nodes")
    parser: Any = importlib.import_module("moto.dynamodb.parsing.expressions").UpdateExpressionParser

    kinds = (
        ("ADD", ast.UpdateExpressionAddClause),
        ("REMOVE", ast.UpdateExpressionRemoveClause),
        ("SET", ast.UpdateExpressionSetClause),
    )
    original = ast.DepthFirstTraverser.traverse

    def counts(node: Any) -> list[int]:
        """Return [ADD, REMOVE, SET] as `find_clauses` counts them; check each UpdateExpression node on the way."""
        found = [0, 0, 0]
        for child in node.children or []:
            below = counts(child) if isinstance(child, ast.Node) else None
            for i, (_, kind) in enumerate(kinds):
                if type(child) is kind:
                    found[i] += 1  # find_clauses takes the clause and does not look inside it
                elif below is not None and isinstance(child, (ast.Expression, ast.UpdateExpressionFunction)):
                    found[i] += below[i]
        if isinstance(node, ast.UpdateExpression):
            for (name, _), count in zip(kinds, found, strict=True):
                if count > 1:
                    raise TooManyClauses(name)
        return found

    def count_actions(self: Any, node: Any) -> Any:
        if _WALK["always"] or not isinstance(node, ast.Node):
            return original(self, node)
        counts(node)
        return node  # moto's processor gives every node back unchanged

    def traverse(self: Any, node: Any) -> Any:
        """Walk as moto's `traverse_node_recursively` does, with the processor's map read once for the whole walk."""
        if _WALK["always"]:
            return original(self, node)
        processors = self._processing_map()  # a new dict of the same bound methods at every call
        handled = tuple(processors)

        def visit(node: Any, child_id: int = -1) -> Any:
            if isinstance(node, ast.Node):
                parent_node = node.parent
                if node.children is not None:
                    for i, child_node in enumerate(node.children):
                        self.pre_processing_of_child(node, i)
                        visit(child_node, i)
                if isinstance(node, handled):
                    node = next(p for k, p in processors.items() if isinstance(node, k))(node)
                    node.parent = parent_node
                    if parent_node:
                        parent_node.children[child_id] = node
            return node

        return visit(node)

    ActionCountValidator.traverse = count_actions
    ast.DepthFirstTraverser.traverse = traverse

    parse = parser.make  # bound to the class
    parsed = functools.lru_cache(maxsize=1024)(parse)

    def make(cls: Any, expression: str) -> Any:
        return parse(expression) if _WALK["always"] else parsed(expression)

    parser.make = classmethod(make)


# --- 10. an item's size checked once ----------------------------------------------------------


def _items_sized_once() -> None:
    """Build an Item's attributes keeping the running sum of their sizes instead of adding them all up again."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    original = Item.__init__

    def init(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        if _WALK["always"]:
            return original(self, hash_key, range_key, attrs)
        self.hash_key, self.range_key = hash_key, range_key
        self.attrs = LimitedSizeDict()
        size = 0
        for key, value in attrs.items():
            typed = DynamoType(value)
            size += bytesize(key) + typed.size()  # moto's sum at this attribute, kept instead of redone
            if size > 405000:  # moto's limit
                raise ItemSizeTooLarge
            dict.__setitem__(self.attrs, key, typed)
        return None

    Item.__init__ = init  # type: ignore[method-assign]


# --- 11. JSON-protocol calls go straight to their handler ---------------------------------------


class Direct:
    """A WSGI app: signed X-Amz-Target calls go to moto's handler for them, everything else to moto's dispatcher."""

    def __init__(self, dispatcher: Callable[..., Any]) -> None:
        from flask import Response
        from moto.moto_api import recorder
        from moto.moto_server.werkzeug_app import BackendRequest
        from moto.settings import DISABLE_GLOBAL_CORS

        self._dispatcher = dispatcher
        # (target's service, signing service, path) -> moto's view: what moto's dispatcher routes by
        self._views: dict[tuple[str, str, str], Any] = {}
        # What moto's `convert_to_flask_response` and its Flask app use, looked up once.
        self._request_class, self._response_class, self._recorder = BackendRequest, Response, recorder
        self._cors = not DISABLE_GLOBAL_CORS

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        target = environ.get("HTTP_X_AMZ_TARGET", "").partition(".")[0]
        signed = _SIGNED_FOR.search(environ.get("HTTP_AUTHORIZATION", ""))
        if _WALK["always"] or not target or signed is None or environ.get("REQUEST_METHOD") != "POST":
            return self._dispatcher(environ, start_response)
        if any(name.startswith(_CORS_ASKED) for name in environ):  # moto's CORS hook answers these
            return self._dispatcher(environ, start_response)
        key = (target, signed.group(1), environ.get("PATH_INFO", ""))
        view = self._views.get(key) or self._find(key, environ)
        if view is None:
            return self._dispatcher(environ, start_response)
        return self._answer(view.callback, environ, start_response)

    def _find(self, key: tuple[str, str, str], environ: dict[str, Any]) -> Any:
        """Return the view moto's Flask app would route this call to (None: not one to answer directly)."""
        app = self._dispatcher.get_application(environ)  # type: ignore[attr-defined]
        if getattr(app, "service", None) not in DIRECT_SERVICES:
            return None
        try:
            endpoint, arguments = app.url_map.bind_to_environ(environ).match()
        except Exception:  # no route, a redirect: moto's server answers
            return None
        view = app.view_functions.get(endpoint)
        if arguments or not hasattr(view, "callback"):
            return None
        self._views[key] = view
        return view

    def _answer(self, handler: Callable[..., Any], environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Answer as moto's `convert_to_flask_response` does, without Flask's request context around it."""
        request = self._request_class(environ)  # the request class moto's Flask apps use
        self._recorder._record_request(request)
        try:
            result = handler(request, request.raw_url, dict(request.headers))
        except ClientError as error:
            result = 400, {}, error.response["Error"]["Message"]
        status, headers, content = result if len(result) == 3 else (200, {}, result)
        response = self._response_class(response=content, status=status, headers=headers)
        if self._cors:  # what moto's CORS hook adds to every answer to a request without an Origin
            response.headers.add("Access-Control-Allow-Origin", "*")
        return response(environ, start_response)


DIRECT_SERVICES = frozenset({"dynamodb", "dynamodbstreams", "sqs"})
_SIGNED_FOR = re.compile(r"Credential=[^/,]*/\d{8}/[^/,]+/([^/,]+)/aws4_request")  # the signing service
_CORS_ASKED = ("HTTP_ORIGIN", "HTTP_ACCESS_CONTROL_REQUEST_")
