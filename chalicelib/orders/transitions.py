"""Move an order between statuses: the one place that writes a status.

Every move is a conditional update on the status read; moves that give stock back do so
in the same transaction, and the move to `ready` writes the handover code in the same update.
What follows a move (notifications, turnover, refunds) is queued.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib import queues
from chalicelib.audit import service as audit
from chalicelib.catalog import inventory
from chalicelib.dynamo import connection
from chalicelib.errors import InvalidTransition, condition_failed
from chalicelib.ids import iso, jakarta_month, utcnow
from chalicelib.messages import OrderEvent, RefundOrder
from chalicelib.orders import handover, model, tables
from chalicelib.orders.tables import HandoverRecord, OrderRecord

ATTEMPTS = 3
AUDITED_ROLES = ("seller", "admin")  # a buyer's own moves and the system's are not audited


def move(order_id: str, action: str, roles: set[str], reason: str | None = None) -> OrderRecord:
    """Apply an action for a caller with these roles; re-check on a race; queue what follows."""
    for _ in range(ATTEMPTS):
        moved = attempt(tables.order(order_id), action, roles, reason)
        if moved is not None:
            return moved
    raise InvalidTransition("the order changed meanwhile; reload it")


def attempt(
    order: OrderRecord, action: str, roles: set[str], reason: str | None = None, guard: Any = None
) -> OrderRecord | None:
    """Apply an action to the order as read (and `guard`, an extra condition, holding); None if it changed."""
    target = model.decide(action, order.status, roles)
    if not _write(order, target, reason, model.acting_role(action, order.status, roles), guard):
        return None
    order.refresh(consistent_read=True)
    _after(order, target, was=_previous(order))
    return order


def mover(order: OrderRecord, event: str) -> str:
    """Who made the order's latest move to `event` (buyer, seller, admin, system; "" if unknown)."""
    return next((str(h.get("by") or "") for h in reversed(order.history or []) if h["status"] == event), "")


def _previous(order: OrderRecord) -> str:
    history = list(order.history or [])
    return str(history[-2]["status"]) if len(history) >= 2 else ""


def _write(order: OrderRecord, target: str, reason: str | None, by: str, guard: Any = None) -> bool:
    """Write the move if the status is still the one read (and `guard` holds); False if not.

    The history entry names the capacity the mover acted in (`by`: buyer, seller, admin,
    system), so who cancelled is known to whoever must be told (and an order the schedule
    completed shows `completed_without_confirmation`). The move to `ready` makes the order's
    handover code, in the same update (written through `HandoverRecord`: see orders.tables).
    """
    now = utcnow()
    at = iso(now)
    actions: list[Any] = [
        OrderRecord.status.set(target),
        OrderRecord.updated_at.set(at),
        OrderRecord.history.set(OrderRecord.history.append([{"status": target, "at": at, "by": by}])),
        OrderRecord.awaiting_flag.remove(),
    ]
    if target == "paid":
        actions += [OrderRecord.paid_at.set(at), OrderRecord.paid_month.set(jakarta_month(now))]
    if target == "ready":
        actions += [
            OrderRecord.ready_flag.set("1"),
            OrderRecord.ready_at.set(at),
            HandoverRecord.handover_code.set(handover.new_code()),
        ]
    if target in ("completed", "cancelled"):
        actions.append(OrderRecord.ready_flag.remove())
    if reason:
        actions.append(OrderRecord.reason.set(reason))
    if target == "cancelled" and order.status in model.REFUNDABLE:
        actions += _refund_due(order)
    condition = OrderRecord.status == order.status
    if guard is not None:
        condition &= guard
    entry = None  # a seller's or an admin's move is audited in its own transaction
    if by in AUDITED_ROLES:
        entry = audit.entry(f"order.{target}", "order", order.order_id, {"status": order.status}, {"status": target})
    try:
        if model.returns_stock(target) or entry is not None:
            with TransactWrite(connection=connection()) as tx:
                tx.update(OrderRecord(order.order_id), actions=actions, condition=condition)
                if model.returns_stock(target):
                    inventory.give_back(tx, lines_of(order))
                if entry is not None:
                    audit.put(tx, entry)
        else:
            OrderRecord(order.order_id).update(actions=actions, condition=condition)
    except (TransactWriteError, UpdateError) as exc:
        # The order moved first; a conflicting or throttled write is no lost race: it raises,
        # so the message is retried or the caller gets a 503.
        if condition_failed(exc):
            return False
        raise
    return True


def lines_of(order: OrderRecord) -> list[inventory.Line]:
    """The order's lines as stock movements."""
    return [
        inventory.Line(str(line["product_id"]), int(line["quantity"]), int(line["unit_price_idr"]))
        for line in order.lines
    ]


def _after(order: OrderRecord, target: str, was: str) -> None:
    announce(order, target)
    if target == "cancelled" and was in model.REFUNDABLE:
        queues.publish(RefundOrder(order_id=order.order_id))


def announce(order: OrderRecord, event: str) -> None:
    """Queue an order's event if anything follows it; consumers are idempotent, so announcing again is safe.

    The event carries the time of the move (from the history), so an announcement repeated
    by another message still makes the same notification id.
    """
    if event not in model.ANNOUNCED:
        return  # e.g. expired: nothing follows, so no message, no worker run
    at = next((str(h["at"]) for h in reversed(order.history or []) if h["status"] == event), None)
    queues.publish(event_of(order, event, at))


def event_of(order: OrderRecord, event: str, at: str | None, amount_idr: int | None = None) -> OrderEvent:
    """Describe an order's event for the order-events worker: the one place an OrderEvent is made.

    `at` is the time of the move (or of the refund), so a repeated announcement makes the same
    notification id; without it the message's own time stands in. The amount is the order's
    total unless told (a refund's amount).
    """
    return OrderEvent(
        order_id=order.order_id,
        event=event,
        store_id=order.store_id,
        buyer_id=order.buyer_id,
        amount_idr=int(order.total_idr) if amount_idr is None else amount_idr,
        month=order.paid_month or "",
        buyer_nip=order.buyer_nip or "",
        **({"sent_at": at} if at else {}),
    )


def _refund_due(order: OrderRecord) -> list[Any]:
    """Mark the order due a full refund; the flag lets reconciliation find it if its message is lost."""
    return [
        OrderRecord.refund.set({"status": "pending", "amount_idr": int(order.total_idr)}),
        OrderRecord.refund_flag.set("1"),
    ]


def request_refund(order: OrderRecord) -> bool:
    """Mark a cancelled or expired order that got paid anyway as due a full refund; queue it once."""
    try:
        OrderRecord(order.order_id).update(
            actions=[*_refund_due(order), OrderRecord.updated_at.set(iso(utcnow()))],
            condition=OrderRecord.refund.does_not_exist() & OrderRecord.status.is_in(*model.CALLED_OFF),
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    queues.publish(RefundOrder(order_id=order.order_id))
    return True
