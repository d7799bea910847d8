"""Shape orders and checkouts for the API.

`order` shows `fulfillment.contact` (personal data): call it only for views its buyer, its
store's owner or an admin reads. It never shows the handover code (an `OrderRecord` cannot
carry it): `orders.handover.for_buyer` adds it to the buyer's single-order view.
A checkout lists orders by `summary`, which has no contact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from chalicelib.dynamo import plain
from chalicelib.orders import refunds as order_refunds
from chalicelib.orders.tables import CheckoutRecord, OrderRecord

if TYPE_CHECKING:
    from chalicelib import shapes


def order(record: OrderRecord) -> shapes.Order:
    """An order as GET /v1/orders/{order_id} returns it."""
    refunds = order_refunds.views(record)
    fulfillment = plain(record.fulfillment)
    return {
        "order_id": record.order_id,
        "checkout_id": record.checkout_id,
        "buyer_id": record.buyer_id,
        "store_id": record.store_id,
        "store_name": record.store_name,
        "status": record.status,
        "lines": [
            {
                "product_id": line["product_id"],
                "name": line["name"],
                "unit": line.get("unit"),
                "unit_price_idr": int(line["unit_price_idr"]),
                "quantity": int(line["quantity"]),
            }
            for line in record.lines
        ],
        "total_idr": int(record.total_idr),
        "delivery_fee_idr": int(record.delivery_fee_idr or 0),
        "subtotal_idr": sum(int(line["unit_price_idr"]) * int(line["quantity"]) for line in record.lines),
        "fulfillment": cast("shapes.OrderFulfillment", dict(fulfillment or {})),
        "refund": None if not refunds else {"status": refunds[0]["status"], "amount_idr": refunds[0]["amount_idr"]},
        "refunds": refunds,
        "refunded_idr": order_refunds.refunded_of(record),
        "history": [{"status": h["status"], "at": h["at"]} for h in record.history],
        "created_at": record.created_at,
        "expires_at": record.expires_at,
        "reason": record.reason,
        "completed_without_confirmation": record.status == "completed" and _completed_by(record) == "system",
    }


def _completed_by(record: OrderRecord) -> str:
    """Who completed the order (buyer, seller, system): the auto-complete schedule is `system`."""
    return next((str(h.get("by") or "") for h in reversed(record.history) if h["status"] == "completed"), "")


def summary(record: OrderRecord) -> shapes.CheckoutOrder:
    """An order as a checkout lists it."""
    return {
        "order_id": record.order_id,
        "store_id": record.store_id,
        "total_idr": int(record.total_idr),
        "delivery_fee_idr": int(record.delivery_fee_idr or 0),
        "status": record.status,
    }


def checkout(
    record: CheckoutRecord,
    orders: list[OrderRecord],
    with_secret: bool,
    price_changes: list[shapes.PriceChange] | None = None,
) -> shapes.Checkout:
    """A checkout with its orders and payment; a paid one has no payment error (an earlier attempt's)."""
    payment: shapes.Payment = {
        "provider": "stripe",
        "payment_intent_id": record.payment_intent_id,
        "amount_idr": int(record.total_idr),
    }
    if with_secret:
        payment["client_secret"] = record.client_secret
    answer: shapes.Checkout = {
        "checkout_id": record.checkout_id,
        "status": record.status,
        "total_idr": int(record.total_idr),
        "expires_at": record.expires_at,
        "orders": [summary(o) for o in orders],
        "payment": payment,
        "payment_error": None if record.status == "paid" else record.payment_error,
    }
    if price_changes is not None:
        answer["price_changes"] = price_changes
    return answer
