"""An order's refunds as the order item holds them: what is left to refund, and how views show them.

Read-only (the payments worker writes them: `payments.partial`, `payments.worker`). The item's
`refunds` map holds partial refunds by refund_id; its `refund` map the whole-order refund of a
cancel or a late payment, which the worker "claims" at what is left after the partial refunds
(raising `refunded_idr` to the total). Before that claim it will take the rest, and counts so.
No I/O here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.dynamo import plain
from chalicelib.ids import epoch_ms, new_id

if TYPE_CHECKING:
    from chalicelib import shapes
    from chalicelib.orders.tables import OrderRecord

DONE = ("succeeded", "failed")  # a refund in one of these is no longer due


def left_of(order: OrderRecord) -> int:
    """What is left to refund of an order: its total less every refund so far (pending or done)."""
    return int(order.total_idr) - refunded_of(order)


def refunded_of(order: OrderRecord) -> int:
    """Every refund of an order so far; a whole-order refund not yet claimed by the worker takes the rest."""
    whole = plain(order.refund)
    if whole and not whole.get("claimed"):
        return int(order.total_idr)
    return int(order.refunded_idr or 0)


def entries_of(order: OrderRecord) -> dict[str, dict[str, Any]]:
    """An order's partial refunds by refund_id."""
    return {str(k): dict(v) for k, v in (plain(order.refunds) or {}).items()}


def quantities_of(order: OrderRecord) -> dict[str, int]:
    """product_id → quantity refunded by the order's partial refunds with lines (pending or done)."""
    refunded: dict[str, int] = {}
    for entry in entries_of(order).values():
        for line in entry.get("lines") or []:
            product_id = str(line["product_id"])
            refunded[product_id] = refunded.get(product_id, 0) + int(line["quantity"])
    return refunded


def views(order: OrderRecord) -> list[shapes.OrderRefund]:
    """Every refund of an order, oldest first: its partial refunds and its whole-order refund."""
    found: list[shapes.OrderRefund] = [view_of(order.order_id, e) for e in entries_of(order).values()]
    whole = plain(order.refund)
    if whole:
        at = _called_off_at(order)
        found.append(
            {
                "refund_id": new_id(epoch_ms(at), seed=f"{order.order_id}:refund"),
                "order_id": order.order_id,
                "amount_idr": int(whole["amount_idr"]) if whole.get("claimed") else left_of_claim(order),
                "status": str(whole["status"]),
                "reason": order.reason or f"the order was {order.status}",
                "lines": [],
                "created_at": at,
                "at": str(whole["at"]) if whole.get("at") else None,
            }
        )
    return sorted(found, key=lambda r: r["created_at"])


def left_of_claim(order: OrderRecord) -> int:
    """What a whole-order refund not yet claimed will refund: the total less the partial refunds."""
    return int(order.total_idr) - int(order.refunded_idr or 0)


def _called_off_at(order: OrderRecord) -> str:
    return next(
        (str(h["at"]) for h in reversed(order.history or []) if h["status"] in ("cancelled", "expired")),
        order.created_at,
    )


def view_of(order_id: str, entry: dict[str, Any]) -> shapes.OrderRefund:
    return {
        "refund_id": str(entry["refund_id"]),
        "order_id": order_id,
        "amount_idr": int(entry["amount_idr"]),
        "status": str(entry["status"]),
        "reason": str(entry.get("reason") or ""),
        "lines": [
            {"product_id": str(x["product_id"]), "quantity": int(x["quantity"])} for x in entry.get("lines") or []
        ],
        "created_at": str(entry["created_at"]),
        "at": str(entry["at"]) if entry.get("at") else None,
    }
