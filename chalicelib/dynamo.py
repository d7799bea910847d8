"""Shared PynamoDB settings: table names per stage and the region.

The endpoint is not set here: botocore reads AWS_ENDPOINT_URL (the local emulator) itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from chalicelib.config import current_region, current_stage, resource_name

if TYPE_CHECKING:
    from pynamodb.models import Model

M = TypeVar("M", bound="Model")

# How many times a writer that lost a race (a condition failed: someone wrote first) reads
# again, decides again and writes again before it gives up with a 409.
WRITE_ATTEMPTS = 5


def table_name(short: str) -> str:
    """Name a table of the current stage, by the rule the deploy template also uses."""
    return resource_name(current_stage(), short)


def region() -> str:
    """Return the AWS region the tables live in."""
    return current_region()


def page_of(
    index: Any,
    hash_attr: str,
    hash_value: str,
    after: dict[str, str] | None,
    limit: int,
    filter_condition: Any = None,
    range_condition: Any = None,
    max_queries: int = 5,
    newest_first: bool = False,
) -> tuple[list[Any], dict[str, Any] | None]:
    """Query one page of an index; the cursor holds every key but the (caller-chosen) hash key.

    With a filter, DynamoDB may return fewer items than asked: query again, up to
    `max_queries` times, to fill the page. Returns the records and the key values to
    resume after, or None at the end.
    """
    records: list[Any] = []
    resume = after
    for _ in range(max_queries):
        start = _start_key(resume, hash_attr, hash_value)
        result = index.query(
            hash_value,
            range_key_condition=range_condition,
            filter_condition=filter_condition,
            limit=limit - len(records),
            last_evaluated_key=start,
            scan_index_forward=not newest_first,
        )
        records.extend(result)
        resume = _resume_after(result.last_evaluated_key, hash_attr)
        if resume is None or len(records) >= limit:
            break
    return records, resume


def _resume_after(last: dict[str, Any] | None, hash_attr: str) -> dict[str, str] | None:
    """The cursor's values from a Query's LastEvaluatedKey: every key but the hash key (None at the end)."""
    return {k: next(iter(v.values())) for k, v in last.items() if k != hash_attr} if last else None


def _start_key(resume: dict[str, str] | None, hash_attr: str, hash_value: str) -> dict[str, Any] | None:
    if not resume:
        return None
    start = {k: ({"N": v} if k == "turnover_idr" else {"S": v}) for k, v in resume.items()}
    start[hash_attr] = {"S": hash_value}
    return start


def page_of_items(
    index: Any,
    model: type[M],
    cursor_fields: tuple[str, ...],
    hash_attr: str,
    hash_value: str,
    after: dict[str, str] | None,
    limit: int,
    keep: Callable[[M], bool] | None = None,
    range_condition: Any = None,
    max_queries: int = 5,
    newest_first: bool = False,
) -> tuple[list[M], dict[str, Any] | None]:
    """`page_of` for an index that holds keys only: Query its keys, `fetch` the items, keep what `keep` keeps.

    `keep` is the filter (a KEYS_ONLY index cannot filter on other attributes); `cursor_fields`
    are the entry's keys but the hash key (the index's sort key and the table's key), strings.
    A filtered page is filled as `page_of` fills it: up to `max_queries` Queries, each followed
    by one BatchGetItem. Items gone since the Query are left out.
    """
    hash_name = next(name for name, attr in model.get_attributes().items() if attr.is_hash_key)
    records: list[M] = []
    resume = after
    for _ in range(max_queries):
        result = index.query(
            hash_value,
            range_key_condition=range_condition,
            limit=limit - len(records),
            last_evaluated_key=_start_key(resume, hash_attr, hash_value),
            scan_index_forward=not newest_first,
        )
        entries = list(result)
        resume = _resume_after(result.last_evaluated_key, hash_attr)
        items = {getattr(i, hash_name): i for i in fetch(model, [getattr(e, hash_name) for e in entries])}
        for n, entry in enumerate(entries):
            item = items.get(getattr(entry, hash_name))
            if item is None or (keep is not None and not keep(item)):
                continue
            records.append(item)
            if len(records) >= limit:
                more = n < len(entries) - 1 or resume is not None
                return records, ({f: str(getattr(entry, f)) for f in cursor_fields} if more else None)
        if resume is None:
            break
    return records, resume


def raw_map(**kwargs: Any) -> Any:
    """Declare a schemaless map attribute (nested dicts and lists as they come)."""
    from pynamodb.attributes import MapAttribute

    return MapAttribute(**kwargs)  # type: ignore[no-untyped-call]


def plain(value: Any) -> dict[str, Any] | None:
    """Return a raw map attribute's value as a dict (None stays None)."""
    if value is None:
        return None
    if hasattr(value, "as_dict"):
        return dict(value.as_dict())
    return dict(value)


_connection: list[Any] = []


def connection() -> Any:
    """Return the one PynamoDB connection transactions share (a botocore client is costly to make)."""
    if not _connection:
        from pynamodb.connection import Connection

        _connection.append(Connection(region=region()))
    return _connection[0]


def index(
    name: str, hash_key: str, range_key: str, range_type: Any = None, projection: tuple[str, ...] | None = None
) -> Any:
    """Declare a GSI whose keys are attributes of the model.

    `projection`: None projects every attribute (ALL); `()` the keys only (KEYS_ONLY); names, those
    attributes besides the keys (INCLUDE). It must say what infra/aws/resources.json provisions
    (tests/unit/test_index_projections.py): a Query of a narrow index returns the other attributes
    as None or their defaults, so its readers use only what it projects (or `fetch` the items).
    """
    from pynamodb.attributes import UnicodeAttribute
    from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection

    chosen: Any = AllProjection()
    if projection == ():
        chosen = KeysOnlyProjection()
    elif projection:
        chosen = IncludeProjection(list(projection))
    meta = type("Meta", (), {"index_name": name, "projection": chosen})
    attrs = {
        "Meta": meta,
        hash_key: UnicodeAttribute(hash_key=True),
        range_key: (range_type or UnicodeAttribute)(range_key=True),
    }
    return type(f"{name}_index", (GlobalSecondaryIndex,), attrs)()


def fetch(model: type[M], keys: list[Any], consistent: bool = False) -> list[M]:
    """Read the whole items of index entries (a KEYS_ONLY page) with BatchGetItem, in their order.

    Entries whose item is gone meanwhile are left out. Cost: one BatchGetItem per 100 keys.
    """
    if not keys:
        return []
    hash_name = next(name for name, attr in model.get_attributes().items() if attr.is_hash_key)
    found = {getattr(item, hash_name): item for item in model.batch_get(keys, consistent_read=consistent)}
    return [found[k] for k in keys if k in found]


def get_or_none(model: type[M], hash_key: str, range_key: str | None = None, consistent: bool = True) -> M | None:
    """Read one item by its key with one GetItem (consistent unless told), None if there is none."""
    from pynamodb.exceptions import DoesNotExist

    try:
        return model.get(hash_key, range_key, consistent_read=consistent)
    except DoesNotExist:
        return None


def set_or_remove(model: Any, name: str, value: Any) -> Any:
    """An update action for one attribute: SET it to a value, or REMOVE it when the value is None."""
    attribute = getattr(model, name)
    return attribute.remove() if value is None else attribute.set(value)


def put_once(record: Any, key_attribute: Any) -> bool:
    """Save a record unless its key is taken; True if this call wrote it (idempotent writes)."""
    from pynamodb.exceptions import PutError

    from chalicelib.errors import condition_failed

    try:
        record.save(condition=key_attribute.does_not_exist())
    except PutError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def within(attribute: Any, low: Any, high: Any) -> Any:
    """A key condition `low <= attribute <= high`, either end open when None (None: no condition)."""
    if low is not None and high is not None:
        return attribute.between(low, high)
    if low is not None:
        return attribute >= low
    if high is not None:
        return attribute <= high
    return None
