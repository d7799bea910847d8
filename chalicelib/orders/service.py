"""Order use cases for people: show, list, accept, ready, complete, cancel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chalicelib.auth import Principal
from chalicelib.catalog import stores
from chalicelib.dynamo import page_of, plain
from chalicelib.errors import NotFound, ValidationFailed
from chalicelib.orders import model, render, tables, transitions
from chalicelib.orders.tables import OrderRecord
from chalicelib.paging import PageRequest, encode_cursor

if TYPE_CHECKING:
    from chalicelib import shapes

CURSOR_FIELDS = ("order_id", "created_at")


def roles_of(principal: Principal, order: OrderRecord) -> set[str]:
    """Say in which capacities the caller may act on an order."""
    roles = set()
    if order.buyer_id == principal.user_id:
        roles.add("buyer")
    if principal.has("admin"):
        roles.add("admin")
    if stores.load(order.store_id).owner_id == principal.user_id:
        roles.add("seller")
        if (plain(order.fulfillment) or {}).get("method") == "pickup":
            roles.add("seller_pickup")
    return roles


def show(principal: Principal, order_id: str) -> shapes.Order:
    """Return an order to its buyer, its store's owner or an admin; 404 to anyone else."""
    order = tables.order(order_id)
    if not roles_of(principal, order):
        raise NotFound("no such order")
    return render.order(order)


def act(principal: Principal, order_id: str, action: str, reason: str | None = None) -> shapes.Order:
    """Accept, mark ready, complete or cancel an order as the caller's role allows."""
    order = tables.order(order_id)
    roles = roles_of(principal, order)
    if not roles:
        raise NotFound("no such order")
    return render.order(transitions.move(order_id, action, roles, reason))


def _status_filter(query: Mapping[str, str]) -> Any:
    status = query.get("status")
    if status is None:
        return None
    if status not in model.STATUSES:
        raise ValidationFailed.field("status", f"must be one of {', '.join(model.STATUSES)}")
    return OrderRecord.status == status


def mine(principal: Principal, query: Mapping[str, str], request: PageRequest) -> shapes.OrderPage:
    """List the caller's orders, newest first (buyers only, as the cart)."""
    records, last = page_of(
        OrderRecord.by_buyer,
        "buyer_id",
        principal.user_id,
        request.after,
        request.limit,
        _status_filter(query),
        newest_first=True,
    )
    return {"items": [render.order(o) for o in records], "next_cursor": encode_cursor(last) if last else None}


def of_store(principal: Principal, store_id: str, query: Mapping[str, str], request: PageRequest) -> shapes.OrderPage:
    """List a store's orders for its owner (or an admin), newest first."""
    if not principal.has("admin"):
        stores.owned(principal, store_id)
    records, last = page_of(
        OrderRecord.by_store,
        "store_id",
        store_id,
        request.after,
        request.limit,
        _status_filter(query),
        newest_first=True,
    )
    return {"items": [render.order(o) for o in records], "next_cursor": encode_cursor(last) if last else None}


def show_checkout(principal: Principal, checkout_id: str) -> shapes.Checkout:
    """Return a checkout with its orders' current statuses to its buyer."""
    record = tables.checkout(checkout_id)
    if record.buyer_id != principal.user_id:
        raise NotFound("no such checkout")
    return render.checkout(record, tables.orders_of(record), with_secret=True)
