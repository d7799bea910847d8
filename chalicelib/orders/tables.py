"""Orders and checkouts tables (the only DynamoDB code of this domain).

Who owns which attribute: checkout creates both items whole, once; `transitions` owns an
order's `status`, `history`, `reason`, the times and flags of each move (each write
conditional on the status read); the payments worker owns `refund` and `refund_flag`
(conditional on the refund map read); the payments worker (`payments.partial`) also owns
`refunds` (partial refunds keyed by refund_id, each entry written conditional on itself as read)
and `refunded_idr` (raised in the same conditional write that records a refund, so it never
exceeds `total_idr`: see payments.partial); a checkout's `payment_error` belongs to the payments
worker (which removes it when the checkout is paid), its `status` and `open_flag` to whoever
settles it (payment or expiry).

`total_idr` includes `delivery_fee_idr` (both written once by checkout), so turnover, spending,
sales and the seller's earning count the fee as part of the order's amount.

`fulfillment.contact` (the buyer's name and phone for the store) is personal data: only the
order views of its buyer, its store's owner and admins show it. `created_month` (the Jakarta
month of `created_at`, written once by checkout) partitions `by_month`, the admins' search
over all orders (newest first, one Query per month walked, no Scan).

The handover code and its wrong-attempt counter live on the order item but are mapped only by
`HandoverRecord`, never by `OrderRecord`: every order view, list and log line is made from an
`OrderRecord`, which cannot carry the code (PynamoDB drops attributes its model does not
declare). `transitions` writes `handover_code` once, in the move to `ready` (`handover` only
gives one, under "none yet", to an order that became ready before codes existed); `handover` owns
`handover_failures`, `handover_window_at` and `handover_locked_until` (each write conditional
on the values read). Only the buyer's single-order view reads the code.

Index projections (infra/aws/resources.json): the orders' `by_buyer`, `by_store` and `by_month`
and the checkouts' `by_payment_intent` hold the keys only, so a status change (or a payment,
or an expiry) writes none of their entries; their readers fetch the items
(`dynamo.page_of_items`, `checkout_of_payment`). The sparse flag indexes project all
attributes (an entry is written when its flag comes and goes anyway).
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from chalicelib.dynamo import index, raw_map, region, table_name
from chalicelib.errors import NotFound


class OrderRecord(Model):
    """One store's part of a checkout, with its price snapshot and history."""

    class Meta:
        table_name = table_name("orders")
        region = region()

    order_id = UnicodeAttribute(hash_key=True)
    checkout_id = UnicodeAttribute()
    buyer_id = UnicodeAttribute()
    buyer_nip = UnicodeAttribute(null=True)  # the token's NIP: spending counts for rostered ASN
    store_id = UnicodeAttribute()
    store_name = UnicodeAttribute()
    status = UnicodeAttribute()
    lines: ListAttribute[Any] = ListAttribute(default=list)  # [{product_id, name, unit, unit_price_idr, quantity}]
    total_idr = NumberAttribute()  # the goods plus `delivery_fee_idr`: what the buyer pays for this order
    delivery_fee_idr = NumberAttribute(null=True)  # set once by checkout (absent: 0, orders made before fees)
    fulfillment = raw_map(default=dict)
    payment_intent_id = UnicodeAttribute()
    refund = raw_map(null=True)
    refunds = raw_map(null=True)  # refund_id -> a partial refund (payments.partial); absent: none yet
    refunded_idr = NumberAttribute(null=True)  # every refund recorded so far, pending or done (payments.partial)
    history: ListAttribute[Any] = ListAttribute(default=list)  # [{status, at}]
    created_at = UnicodeAttribute()
    created_month = UnicodeAttribute(null=True)  # Asia/Jakarta YYYY-MM of created_at (by_month's partition)
    updated_at = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    paid_at = UnicodeAttribute(null=True)
    paid_month = UnicodeAttribute(null=True)
    ready_at = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    awaiting_flag = UnicodeAttribute(null=True)  # "1" while awaiting payment (sparse index)
    ready_flag = UnicodeAttribute(null=True)  # "1" while ready (sparse index)
    refund_flag = UnicodeAttribute(null=True)  # "1" while a refund is due and not done (sparse index)

    by_buyer = index("by_buyer", "buyer_id", "created_at", projection=())
    by_store = index("by_store", "store_id", "created_at", projection=())
    by_month = index("by_month", "created_month", "created_at", projection=())
    awaiting_payment = index("awaiting_payment", "awaiting_flag", "expires_at")
    ready_orders = index("ready_orders", "ready_flag", "ready_at")
    refunds_due = index("refunds_due", "refund_flag", "updated_at")


class HandoverRecord(Model):
    """The handover side of an order item (same table and key): its code and the wrong-code counter."""

    class Meta:
        table_name = table_name("orders")
        region = region()

    order_id = UnicodeAttribute(hash_key=True)
    handover_code = UnicodeAttribute(null=True)  # six digits, made when the order becomes ready
    handover_failures = NumberAttribute(null=True)  # wrong codes in the current window
    handover_window_at = UnicodeAttribute(null=True)  # when the window's first wrong code came
    handover_locked_until = UnicodeAttribute(null=True)  # set by the fifth wrong code of a window


class CheckoutRecord(Model):
    """One checkout: its orders and its single PaymentIntent."""

    class Meta:
        table_name = table_name("checkouts")
        region = region()

    checkout_id = UnicodeAttribute(hash_key=True)
    buyer_id = UnicodeAttribute()
    order_ids = ListAttribute(of=UnicodeAttribute)
    total_idr = NumberAttribute()
    payment_intent_id = UnicodeAttribute()
    client_secret = UnicodeAttribute()
    status = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    created_at = UnicodeAttribute()
    payment_error = UnicodeAttribute(null=True)
    open_flag = UnicodeAttribute(null=True)  # "1" until paid or expired (sparse index for reconciliation)

    by_payment_intent = index("by_payment_intent", "payment_intent_id", "checkout_id", projection=())
    open_checkouts = index("open_checkouts", "open_flag", "created_at")


def order(order_id: str) -> OrderRecord:
    """Read an order or raise 404."""
    try:
        return OrderRecord.get(order_id, consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound("no such order") from exc


def checkout(checkout_id: str) -> CheckoutRecord:
    """Read a checkout or raise 404."""
    try:
        return CheckoutRecord.get(checkout_id, consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound("no such checkout") from exc


def checkout_of_payment(payment_intent_id: str) -> CheckoutRecord | None:
    """Find the checkout a PaymentIntent pays for.

    Its id from `by_payment_intent` (keys only, so a payment's status change writes no index
    entry), then the item by a consistent GetItem.
    """
    from chalicelib.dynamo import get_or_none

    found = next(iter(CheckoutRecord.by_payment_intent.query(payment_intent_id, limit=1)), None)
    return None if found is None else get_or_none(CheckoutRecord, found.checkout_id)


def orders_of(checkout_record: CheckoutRecord) -> list[OrderRecord]:
    """Read a checkout's orders with BatchGetItem, in checkout order."""
    found = {o.order_id: o for o in OrderRecord.batch_get(list(checkout_record.order_ids), consistent_read=True)}
    return [found[str(i)] for i in checkout_record.order_ids if str(i) in found]
