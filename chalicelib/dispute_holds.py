"""Whether an order has an undecided dispute: the one item per order that holds its earning from release.

The disputes table (`chalicelib.disputes.tables`) keeps, beside each dispute, one item per
disputed order keyed `order#<order_id>` whose `open_dispute_id` names its undecided (`open` or
`contested`) dispute, absent once decided. Opening a dispute sets it on condition it is absent
(so an order has at most one undecided dispute: a second is refused by the write, not by a read),
and the decision removes it on condition it still names that dispute, each in one transaction
with the dispute item.

This read side lives outside the `disputes` package, as `marketplace_settings` does for
settings, so that settlement can ask without a cycle (disputes -> payments -> orders ->
settlement -> here). Cost: `has_open` one consistent GetItem; `require_none_open` one
ConditionCheck in the caller's transaction (a missing item has no open dispute).
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from chalicelib.dynamo import region, table_name

HOLD_PREFIX = "order#"


def hold_key(order_id: str) -> str:
    """The key of an order's hold item in the disputes table."""
    return f"{HOLD_PREFIX}{order_id}"


class DisputeHoldRecord(Model):
    """An order's hold item (same table as the disputes; key `order#<order_id>`)."""

    class Meta:
        table_name = table_name("disputes")
        region = region()

    pk = UnicodeAttribute(hash_key=True)
    order_id = UnicodeAttribute(null=True)
    open_dispute_id = UnicodeAttribute(null=True)  # the order's undecided dispute; absent when none


def open_dispute_of(order_id: str) -> str | None:
    """The id of the order's undecided dispute, or None (one GetItem)."""
    try:
        record = DisputeHoldRecord.get(hold_key(order_id), consistent_read=True)
    except DoesNotExist:
        return None
    return record.open_dispute_id or None


def require_none_open(tx: Any, order_id: str) -> None:
    """Add to a transaction the check that the order has no undecided dispute (a release racing an opening)."""
    tx.condition_check(
        DisputeHoldRecord, hold_key(order_id), condition=DisputeHoldRecord.open_dispute_id.does_not_exist()
    )


def has_open(order_id: str) -> bool:
    """Tell whether the order has an undecided dispute (its earning stays pending while it has)."""
    return open_dispute_of(order_id) is not None
