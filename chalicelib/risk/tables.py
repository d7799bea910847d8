"""The risk table (the only DynamoDB code of this domain): flags and the spending counters the rules read.

Items by `pk`:
- a flag (`rf_<hash>`, `model.Finding.flag_id`: one per rule, subject and month): `flag_id`,
  `rule`, `subject` ({store_id?, buyer_id?, nip?}), `evidence` (the figures the rule saw),
  `month`, `created_at` (written once, by `flags.raise_flag`, a conditional put in one
  transaction with the month's report counter); `status`, `status_rule`, `note`,
  `decided_by`, `decided_at` (set once, by `flags.decide`, conditional on `status` = open,
  with the counters in the same transaction). GSIs `by_status` (status, created_at) and
  `by_status_rule` (status#rule, created_at) serve the admins' list;
- a spending counter of an ASN's month at one store (`spend#<nip>#<month>#<store_id>`):
  `spent_idr`, `orders`, `late_spent_idr`, `late_orders`, only ADDed by `pipeline.Counting.effect`,
  in the order-events worker's transaction of the event's turnover ledger entry (once per order
  event and refund). The ASN's whole month is the spending ledger's item (`spending.tables`,
  whose `late_spent_idr` the rules own); the `spend#<nip>#<month>#*` items counted before
  issue 18 are no longer written or read.
Counters carry no `status`, so they never appear in the flag indexes. Nothing is ever
`save()`d over an item another path updates.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.dynamo import get_or_none, index, raw_map, region, table_name


class FlagRecord(Model):
    """One risk flag."""

    class Meta:
        table_name = table_name("risk")
        region = region()

    pk = UnicodeAttribute(hash_key=True)
    flag_id = UnicodeAttribute()
    rule = UnicodeAttribute()
    subject = raw_map()
    evidence = raw_map()
    month = UnicodeAttribute()
    created_at = UnicodeAttribute()
    status = UnicodeAttribute()
    status_rule = UnicodeAttribute()
    note = UnicodeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    decided_at = UnicodeAttribute(null=True)

    by_status = index("by_status", "status", "created_at")
    by_status_rule = index("by_status_rule", "status_rule", "created_at")


class CounterRecord(Model):
    """An ASN's spending of a month, at one store or (store `*`) in all."""

    class Meta:
        table_name = table_name("risk")
        region = region()

    pk = UnicodeAttribute(hash_key=True)
    spent_idr = NumberAttribute(default=0)
    orders = NumberAttribute(default=0)
    late_spent_idr = NumberAttribute(default=0)
    late_orders = NumberAttribute(default=0)


def counter_key(nip: str, month: str, store_id: str) -> str:
    return f"spend#{nip}#{month}#{store_id}"


def add_spending(tx: Any, key: str, **deltas: int) -> None:
    """ADD to one spending counter inside a transaction (the item appears on first use)."""
    actions = [getattr(CounterRecord, name).add(value) for name, value in deltas.items() if value]
    if actions:
        tx.update(CounterRecord(key), actions=actions)


def counter(nip: str, month: str, store_id: str) -> CounterRecord | None:
    """The ASN's month at one store (one consistent GetItem), None before its first order there."""
    return get_or_none(CounterRecord, counter_key(nip, month, store_id))


def flag(flag_id: str) -> FlagRecord | None:
    """Read a flag (consistent), None if there is none (a counter's key is never a flag)."""
    if not flag_id.startswith("rf_"):
        return None
    return get_or_none(FlagRecord, flag_id)
