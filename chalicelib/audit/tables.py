"""The audit table: one item per entry (key: `audit_id`, a ULID of its time), written once, never changed.

Item attributes: `audit_id`, `at`, `actor_id`, `actor_groups`, `action`, `target_type`,
`target_id` (`service.filed_under`: a NIP is a keyed pseudonym), `before`, `after` (JSON text of the
changed fields, masked), `correlation_id`, `feed` (always "all").

Who writes what: only `chalicelib.audit.service.record`, a Put conditional on the id not
existing, inside the transaction of the change it describes (or of its ledger entry). No
code path updates or deletes an entry, and no IAM grant allows it (`infra/aws/access.py`:
the API may only append).

Indexes (all attributes projected; sort key `audit_id`, so newest first is a reverse Query):
`by_target` (`target_id`), `by_actor` (`actor_id`), `by_feed` (`feed`: every entry, one
partition: audit writes are officers' and sellers' hand-made changes, far below one
partition's 1,000 writes per second).
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import ListAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.dynamo import index, region, table_name

FEED = "all"


class AuditRecord(Model):
    """One audit entry."""

    class Meta:
        table_name = table_name("audit")
        region = region()

    audit_id = UnicodeAttribute(hash_key=True)
    at = UnicodeAttribute()
    actor_id = UnicodeAttribute()
    actor_groups: ListAttribute[Any] = ListAttribute(default=list)
    action = UnicodeAttribute()
    target_type = UnicodeAttribute()
    target_id = UnicodeAttribute()
    before = UnicodeAttribute()
    after = UnicodeAttribute()
    correlation_id = UnicodeAttribute(null=True)
    feed = UnicodeAttribute(default=FEED)

    by_target = index("by_target", "target_id", "audit_id")
    by_actor = index("by_actor", "actor_id", "audit_id")
    by_feed = index("by_feed", "feed", "audit_id")
