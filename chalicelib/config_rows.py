"""Small JSON documents in the config table (marketplace settings, the quota policy).

A document is written whole, but only if it is still the revision its writer read (`rev`,
bumped by every write): two admins saving different settings at once both keep their
change, because the second one reads again and merges into the first one's result.
"""

from __future__ import annotations

import json
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.models import Model

from chalicelib.dynamo import WRITE_ATTEMPTS, region, table_name


class JsonRow(Model):
    """One JSON document keyed by (kind, key); new fields need no migration."""

    class Meta:
        table_name = table_name("config")
        region = region()

    kind = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)
    values = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    rev = NumberAttribute(null=True)  # bumped by every write: the optimistic lock


def _row(kind: str, key: str, consistent: bool = False) -> JsonRow | None:
    try:
        return JsonRow.get(kind, key, consistent_read=consistent)
    except DoesNotExist:
        return None


def read(kind: str, key: str) -> dict[str, Any] | None:
    """Return a document with one GetItem, None if it was never saved."""
    row = _row(kind, key)
    return dict(json.loads(row.values)) if row else None


def write(
    kind: str, key: str, values: dict[str, Any], at: str, merge: bool = False, audited: tuple[str, Any] | None = None
) -> dict[str, Any]:
    """Save a document (or, with `merge`, the saved one updated with `values`); return what was saved.

    `audited` (action, target type): the Put and its audit entry are one transaction.
    Cost: one GetItem and one conditional PutItem (again when another writer came first).
    """
    from pynamodb.exceptions import TransactWriteError

    from chalicelib.audit import service as audit
    from chalicelib.errors import Conflict, condition_failed

    for _ in range(WRITE_ATTEMPTS):
        row = _row(kind, key, consistent=True)
        saved = dict(json.loads(row.values)) if row else {}
        document = {**saved, **values} if merge else dict(values)
        seen = int(row.rev or 0) if row else 0
        condition = JsonRow.rev == seen if row else JsonRow.kind.does_not_exist()
        item = JsonRow(kind, key, values=json.dumps(document, sort_keys=True), updated_at=at, rev=seen + 1)
        try:
            if audited:
                audit.save(item, condition, audited[0], audited[1], key, saved, document)
            else:
                item.save(condition=condition)
        except (PutError, TransactWriteError) as exc:
            if condition_failed(exc):
                continue
            raise
        return document
    raise Conflict(f"the {kind} changed meanwhile; try again")
