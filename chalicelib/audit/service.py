"""Record audit entries with the change they describe, and read them back for admins.

The invariant: a state change an admin, finance officer or seller makes and its entry are
written together or not at all. A change that is one write becomes a transaction of that
write and the entry's Put (`update`, `save`, or `record` inside the caller's own
TransactWrite); a change of several writes records its entry afterwards through the ledger
(`once`), keyed by the request's correlation id, so a retried request writes it once.
Who acts comes from `chalicelib.audit.actor` (the API sets it per request): a buyer's,
a worker's or a schedule's change records nothing, so call sites need no test of their own.

Cost: an entry adds one Put to the change's transaction (a single UpdateItem or PutItem
becomes a TransactWriteItems of two). Reading: one Query of one index per page (up to 5 to
fill a filtered page), never a Scan.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.audit import actor, model
from chalicelib.audit.tables import AuditRecord
from chalicelib.errors import ValidationFailed
from chalicelib.ids import epoch_ms, iso, new_id, utcnow
from chalicelib.observability import correlation_id

if TYPE_CHECKING:
    from chalicelib import shapes
    from chalicelib.paging import PageRequest

CURSOR_FIELDS = ("audit_id",)
MAX_FIELD_CHARS = 100_000  # an entry's before/after JSON each (a DynamoDB item holds 400 KB)


def entry(
    action: str,
    target_type: model.TargetType,
    target_id: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditRecord | None:
    """Make the entry for a change by the current actor (None when nobody audited acts)."""
    principal = actor.current()
    if principal is None:
        return None
    old, new = model.entry_fields(target_type, before, after)
    at = iso(utcnow())
    return AuditRecord(
        new_id(epoch_ms(at)),
        at=at,
        actor_id=principal.user_id,
        actor_groups=list(principal.groups),
        action=action,
        target_type=target_type,
        target_id=filed_under(target_type, target_id),
        before=_json(old),
        after=_json(new),
        correlation_id=correlation_id() or None,
    )


def filed_under(target_type: str, target_id: str) -> str:
    """The target id an entry is filed under: a person's NIP becomes its keyed pseudonym."""
    if not model.is_person(target_type, target_id):
        return target_id
    from chalicelib.secrets import pseudonym_key

    return model.pseudonym(target_id, pseudonym_key())


def record(
    tx: Any,
    action: str,
    target_type: model.TargetType,
    target_id: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """Add the entry's Put to the caller's TransactWrite (nothing when nobody audited acts)."""
    made = entry(action, target_type, target_id, before, after)
    if made is not None:
        put(tx, made)


def update(
    item: Any,
    actions: list[Any],
    condition: Any,
    action: str,
    target_type: model.TargetType,
    target_id: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """One conditional UpdateItem with its entry, in one transaction (a plain update when nobody audited acts).

    A failed condition raises (UpdateError or TransactWriteError: `errors.condition_failed`
    tells both). The item is not refreshed: read it again if its new state is needed.
    """
    _with_entry(
        entry(action, target_type, target_id, before, after),
        lambda: item.update(actions=actions, condition=condition),
        lambda tx: tx.update(item, actions=actions, condition=condition),
    )


def save(
    item: Any,
    condition: Any,
    action: str,
    target_type: model.TargetType,
    target_id: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """One (conditional) PutItem with its entry, in one transaction (a plain save when nobody audited acts)."""
    _with_entry(
        entry(action, target_type, target_id, before, after),
        lambda: item.save(condition=condition),
        lambda tx: tx.save(item, condition=condition),
    )


def _with_entry(made: AuditRecord | None, alone: Callable[[], Any], in_tx: Callable[[Any], Any]) -> None:
    """The write by itself when nobody audited acts; else the write and the entry in one TransactWrite."""
    if made is None:
        alone()
        return
    from pynamodb.transactions import TransactWrite

    from chalicelib.dynamo import connection

    with TransactWrite(connection=connection()) as tx:
        in_tx(tx)
        put(tx, made)


def once(
    action: str,
    target_type: model.TargetType,
    target_id: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """Record the entry of a change made of several writes, after them, once per request and target.

    The ledger entry `audit:<correlation id>:<action>:<target>` and the audit Put are one
    transaction: a request retried under the same correlation id records nothing twice.
    """
    from chalicelib import ledger

    made = entry(action, target_type, target_id, before, after)
    if made is None:
        return
    key = f"audit:{made.correlation_id or made.audit_id}:{action}:{made.target_id}"
    ledger.apply_once(key, 0, lambda tx: put(tx, made))


def put(tx: Any, made: AuditRecord) -> None:
    """Add an entry made by `entry` to a TransactWrite (for a call site that decides whether it writes one)."""
    tx.save(made, condition=AuditRecord.audit_id.does_not_exist())


def _json(fields: Mapping[str, Any]) -> str:
    text = json.dumps(fields, ensure_ascii=False, sort_keys=True, default=str)
    if len(text) > MAX_FIELD_CHARS:
        return json.dumps({"truncated": True, "fields": sorted(fields)}, ensure_ascii=False)
    return text


# --- reading ------------------------------------------------------------------------------


def listing(query: Mapping[str, str], paging: PageRequest) -> shapes.AuditPage:
    """Entries newest first, by target, by actor, or all, within Jakarta days `from`..`to` (inclusive)."""
    from chalicelib.dynamo import page_of

    between = _range(query)
    target_id, actor_id = query.get("target_id") or "", query.get("actor_id") or ""
    for name, value in (("target_id", target_id), ("actor_id", actor_id)):
        if len(value) > 200:
            raise ValidationFailed.field(name, "at most 200 characters")
    condition = None
    if target_id:
        index, attr, value = AuditRecord.by_target, "target_id", filed_under("", target_id)
        condition = (AuditRecord.actor_id == actor_id) if actor_id else None
    elif actor_id:
        index, attr, value = AuditRecord.by_actor, "actor_id", actor_id
    else:
        from chalicelib.audit.tables import FEED

        index, attr, value = AuditRecord.by_feed, "feed", FEED
    records, last = page_of(index, attr, value, paging.after, paging.limit, condition, between, newest_first=True)
    from chalicelib.paging import encode_cursor

    return {"items": [render(r) for r in records], "next_cursor": encode_cursor(last) if last else None}


def _bound(at: datetime, high: bool) -> str:
    """The smallest (or largest) audit id of a millisecond."""
    return new_id(max(0, int(at.timestamp() * 1000)), seed="")[:10] + ("Z" * 16 if high else "0" * 16)


def _range(query: Mapping[str, str]) -> Any:
    """The audit ids the Jakarta days `from`..`to` cover (422 naming the field for a bad range)."""
    from chalicelib.dynamo import within
    from chalicelib.validators import day_span

    low, high = day_span(query)
    return within(AuditRecord.audit_id, low and _bound(low, False), high and _bound(high, True))


def render(record: AuditRecord) -> shapes.AuditEntry:
    """Shape an entry for the API."""
    return {
        "audit_id": record.audit_id,
        "at": record.at,
        "actor_id": record.actor_id,
        "actor_groups": [str(g) for g in record.actor_groups or []],
        "action": record.action,
        "target_type": record.target_type,
        "target_id": record.target_id,
        "before": json.loads(record.before),
        "after": json.loads(record.after),
        "correlation_id": record.correlation_id,
    }
