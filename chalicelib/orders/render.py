"""Shape orders and checkouts for the API.

`order` shows `fulfillment.contact` (personal data): call it only for views its buyer, its
store's owner or an admin reads. A checkout lists orders by `summary`, which has no contact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from chalicelib.dynamo import plain
from chalicelib.orders.tables import CheckoutRecord, OrderRecord

if TYPE_CHECKING:
    from chalicelib import shapes


def order(record: OrderRecord) -> shapes.Order:
    """An order as GET /v1/orders/{order_id} returns it."""
    refund = plain(record.refund)
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
        "fulfillment": cast("shapes.OrderFulfillment", dict(fulfillment or {})),
        "refund": None if not refund else {"status": str(refund["status"]), "amount_idr": int(refund["amount_idr"])},
        "history": [{"status": h["status"], "at": h["at"]} for h in record.history],
        "created_at": record.created_at,
        "expires_at": record.expires_at,
        "reason": record.reason,
    }


def summary(record: OrderRecord) -> shapes.CheckoutOrder:
    """An order as a checkout lists it."""
    return {
        "order_id": record.order_id,
        "store_id": record.store_id,
        "total_idr": int(record.total_idr),
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
