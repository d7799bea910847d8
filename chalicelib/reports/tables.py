"""Report counters (the only DynamoDB code of this domain): one item per (partition, key).

Partitions: `roster` (ASN per department), `compliance#<month>` (spent and compliant per
department), `sales#<group>` with keys `<day>#<value>` (orders and GMV per day and
kecamatan, store or category; by day alone is the sum of a day's kecamatan rows). Counters
change inside the same transaction as the ledger entry of the event that moves them, so
redeliveries count nothing twice.

Short attribute names: `pk` (partition key) is the counter family: `roster` (written by the
roster upload, `spending.roster`), `compliance#<month>` (the order-events worker and the
recount, `spending.service`) or `sales#<group>` (the order-events worker,
`reports.service.record_sale`); `sk` (sort key) is the department for the first two and
`<day>#<value>` for sales (no `sales#day` partition: the sales report adds up a day's
kecamatan rows, one write fewer per paid order). `risk#<month>` (key: the rule)
counts the month's risk flags open and confirmed (written by `chalicelib.risk.flags` only, in
the transaction that raises or decides a flag).
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.dynamo import region, table_name


class CounterRecord(Model):
    """One counter row."""

    class Meta:
        table_name = table_name("reports")
        region = region()

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    orders = NumberAttribute(default=0)
    gmv_idr = NumberAttribute(default=0)
    spent_idr = NumberAttribute(default=0)
    compliant_count = NumberAttribute(default=0)
    asn_count = NumberAttribute(default=0)
    flags_open = NumberAttribute(default=0)  # `risk#<month>`, key the rule (chalicelib.risk.flags)
    flags_confirmed = NumberAttribute(default=0)


def add(tx: Any, pk: str, sk: str, **deltas: int) -> None:
    """Add to counters inside a transaction (the row appears on first use)."""
    actions = [getattr(CounterRecord, name).add(value) for name, value in deltas.items() if value]
    if actions:
        tx.update(CounterRecord(pk, sk), actions=actions)


def add_now(pk: str, sk: str, **deltas: int) -> None:
    """Add to counters outside a transaction."""
    actions = [getattr(CounterRecord, name).add(value) for name, value in deltas.items() if value]
    if actions:
        CounterRecord(pk, sk).update(actions=actions)


def rows(pk: str, sk_from: str | None = None, sk_to: str | None = None) -> list[CounterRecord]:
    """Read a partition's counters, or a range of it, with Query (paged through)."""
    condition = CounterRecord.sk.between(sk_from, sk_to) if sk_from is not None and sk_to is not None else None
    return list(CounterRecord.query(pk, range_key_condition=condition))
