"""The disputes table: one item per dispute (key: its id) and one hold item per disputed order.

Dispute item attributes: `dispute_id`, `order_id`, `buyer_id`, `store_id`, `seller_id` (the
store's owner when it was opened), `reason`, `description`, `lines` ([{product_id, name,
unit_price_idr, quantity}], the order's prices), `evidence` ([{upload_id, owner_id, key,
content_type, size_bytes, created_at}], claimed uploads), `requested_refund_idr`,
`respond_by`, `created_at` (written once, by `open`); `status`, `history`, `updated_at`,
`contest_reason`, `refund_idr`, `note`, `decided_by`, `decided_at` and the sparse flags
`queue_flag` ("1" while undecided: the admins' queue), `answer_flag` ("1" while `open`: the
escalation schedule's index) and `refund_flag` ("1" from a refunding decision until its
refund is recorded); `messages` (appended, at most model.MAX_MESSAGES).
The hold item (`order#<order_id>`, `chalicelib.dispute_holds.DisputeHoldRecord`):
`order_id`, `open_dispute_id`. It has no `created_at`, so it never appears in `by_order` (an
order's disputes: keys only, read with `dynamo.page_of_items`).

Who writes what (`chalicelib.disputes.service` only; settlement only reads the hold):
- `open` puts the dispute item (attribute_not_exists) and sets the hold's `open_dispute_id`
  (attribute_not_exists) in ONE transaction: one undecided dispute per order;
- every move (accept, contest, escalate, resolve) updates `status`, `history`, `updated_at`
  and the flags, conditional on the status read; a decision also removes the hold's
  `open_dispute_id` (conditional on naming this dispute) in the same transaction, and sets
  `refund_idr`, `decided_by`, `decided_at` (and `note` / `contest_reason` where given);
- `refund_recorded` removes `refund_flag` once `payments.partial.refund_part` took the refund;
- `post_message` appends to `messages` (list_append), conditional on the thread's size.
Nothing is ever `save()`d over an item another path updates.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from chalicelib.dynamo import index, region, table_name
from chalicelib.errors import NotFound

FLAG = "1"


class DisputeRecord(Model):
    """One dispute (hash key `pk` = its id)."""

    class Meta:
        table_name = table_name("disputes")
        region = region()

    pk = UnicodeAttribute(hash_key=True)
    dispute_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    buyer_id = UnicodeAttribute()
    store_id = UnicodeAttribute()
    seller_id = UnicodeAttribute()
    status = UnicodeAttribute()
    reason = UnicodeAttribute()
    description = UnicodeAttribute()
    lines: ListAttribute[Any] = ListAttribute(default=list)
    evidence: ListAttribute[Any] = ListAttribute(default=list)
    messages: ListAttribute[Any] = ListAttribute(default=list)  # [{message_id, author_id, author_role, body, at}]
    history: ListAttribute[Any] = ListAttribute(default=list)  # [{status, at, by}]
    requested_refund_idr = NumberAttribute()
    refund_idr = NumberAttribute(null=True)
    respond_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    contest_reason = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    decided_at = UnicodeAttribute(null=True)
    queue_flag = UnicodeAttribute(null=True)
    answer_flag = UnicodeAttribute(null=True)
    refund_flag = UnicodeAttribute(null=True)

    queue = index("queue", "queue_flag", "created_at")
    by_status = index("by_status", "status", "created_at")
    awaiting_answer = index("awaiting_answer", "answer_flag", "respond_by")
    refund_due = index("refund_due", "refund_flag", "decided_at")
    by_store = index("by_store", "store_id", "created_at")  # a store's disputes (its owner's list)
    by_order = index("by_order", "order_id", "created_at", projection=())  # an order's disputes (keys only)


def dispute(dispute_id: str) -> DisputeRecord:
    """Read a dispute or raise 404 (a hold item's key is never a dispute)."""
    if dispute_id.startswith("order#"):
        raise NotFound("no such dispute")
    try:
        return DisputeRecord.get(dispute_id, consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound("no such dispute") from exc
