"""Order use cases for people: show, list, search (admins), accept, ready, complete, cancel.

Completion by the store needs the buyer's handover code (`handover`); only the buyer's
single-order view shows that code, never a list, the store's or an admin's view.

Every list is a Query of an orders index, newest first: the buyer's (`by_buyer`), the store's
(`by_store`) or, for an admin search with neither, the Jakarta months' (`by_month`), walked
from the newest month back, one Query (or a few, when a filter thins a page) per month.
Those three indexes hold keys only (a status change then writes none of them: issue 18), so
each Query is followed by one BatchGetItem of its orders, and the filters (status, buyer)
are applied to the orders read (`dynamo.page_of_items`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from chalicelib.auth import Principal
from chalicelib.catalog import stores
from chalicelib.dynamo import page_of_items, within
from chalicelib.errors import InvalidTransition, NotFound, ValidationFailed
from chalicelib.ids import iso, jakarta_month, utcnow
from chalicelib.orders import handover, model, render, tables, transitions
from chalicelib.orders.tables import OrderRecord
from chalicelib.paging import PageRequest, encode_cursor
from chalicelib.validators import day_param, day_span

if TYPE_CHECKING:
    from chalicelib import shapes

CURSOR_FIELDS = ("order_id", "created_at")
# The admin search's cursor: the month being walked ("-" when a store or buyer is named), and
# the last order read in it ("-" for both: start at the top of that month).
SEARCH_CURSOR_FIELDS = ("month", "order_id", "created_at")
MONTHS_PER_PAGE = 24  # empty months one page walks before it answers with a cursor to the next


def roles_of(principal: Principal, order: OrderRecord) -> set[str]:
    """Say in which capacities the caller may act on an order."""
    roles = set()
    if order.buyer_id == principal.user_id:
        roles.add("buyer")
    if principal.has("admin"):
        roles.add("admin")
    if stores.load(order.store_id).owner_id == principal.user_id:
        roles.add("seller")
    return roles


def show(principal: Principal, order_id: str) -> shapes.Order:
    """Return an order to its buyer, its store's owner or an admin; 404 to anyone else.

    Only its buyer's view carries the handover code (one GetItem more, once the order is ready).
    """
    order = tables.order(order_id)
    roles = roles_of(principal, order)
    if not roles:
        raise NotFound("no such order")
    if "buyer" in roles:
        return handover.for_buyer(order, render.order(order))
    return render.order(order)


def act(principal: Principal, order_id: str, action: str, reason: str | None = None) -> shapes.Order:
    """Accept, mark ready or cancel an order as the caller's role allows (completion: `complete`)."""
    order = tables.order(order_id)
    roles = roles_of(principal, order)
    if not roles:
        raise NotFound("no such order")
    return render.order(transitions.move(order_id, action, roles, reason))


def complete(principal: Principal, order_id: str, body: handover.CompleteRequest) -> shapes.Order:
    """Complete a ready order: its buyer without a code, its store's owner with the buyer's handover code.

    The store's move is conditional on the handover not being locked, so a lockout that
    lands between the check and the move refuses it (read again: 429).
    """
    order = tables.order(order_id)
    roles = roles_of(principal, order)
    if not roles:
        raise NotFound("no such order")
    for _ in range(transitions.ATTEMPTS + handover.MAX_FAILURES):
        model.decide("complete", order.status, roles)  # 403 / 409 before any code is looked at
        guard = None
        if model.acting_role("complete", order.status, roles) == "seller":
            guard = handover.check(order_id, body.handover_code, utcnow())
            if guard is None:  # another wrong code was counted meanwhile: read both again
                order = tables.order(order_id)
                continue
        moved = transitions.attempt(order, "complete", roles, guard=guard)
        if moved is not None:
            return render.order(moved)
        order = tables.order(order_id)
    raise InvalidTransition("the order changed meanwhile; reload it")


def _status_filter(query: Mapping[str, str]) -> Callable[[OrderRecord], bool] | None:
    status = query.get("status")
    if status is None:
        return None
    if status not in model.STATUSES:
        raise ValidationFailed.field("status", f"must be one of {', '.join(model.STATUSES)}")
    return lambda order: order.status == status


def mine(principal: Principal, query: Mapping[str, str], request: PageRequest) -> shapes.OrderPage:
    """List the caller's orders, newest first (buyers only, as the cart)."""
    records, last = page_of_items(
        OrderRecord.by_buyer,
        OrderRecord,
        CURSOR_FIELDS,
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
    records, last = page_of_items(
        OrderRecord.by_store,
        OrderRecord,
        CURSOR_FIELDS,
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


def search(query: Mapping[str, str], request: PageRequest) -> shapes.OrderPage:
    """Find orders for an admin by status, store, buyer and Jakarta days (inclusive), newest first; no Scan."""
    created = _created_between(query)
    store_id, buyer_id = query.get("store_id") or None, query.get("buyer_id") or None
    conditions = [c for c in (_status_filter(query),) if c is not None]
    after = request.after or {}
    if store_id or buyer_id:
        if store_id and buyer_id:
            conditions.append(lambda order: order.buyer_id == buyer_id)
        index, attr, value = (
            (OrderRecord.by_store, "store_id", store_id) if store_id else (OrderRecord.by_buyer, "buyer_id", buyer_id)
        )
        resume = {k: after[k] for k in CURSOR_FIELDS} if after.get("order_id", "-") != "-" else None
        records, last = page_of_items(
            index,
            OrderRecord,
            CURSOR_FIELDS,
            attr,
            str(value),
            resume,
            request.limit,
            _all(conditions),
            created,
            newest_first=True,
        )
        cursor = {"month": "-", **last} if last else None
    else:
        records, cursor = _walk_months(query, after, request.limit, _all(conditions), created)
    return {"items": [render.order(o) for o in records], "next_cursor": encode_cursor(cursor) if cursor else None}


def _walk_months(
    query: Mapping[str, str], after: dict[str, Any], limit: int, condition: Any, created: Any
) -> tuple[list[OrderRecord], dict[str, str] | None]:
    """Read `by_month` from the newest month in range back to the oldest until the page is full."""
    from chalicelib.spending.model import FIRST_MONTH, MONTH_PATTERN

    newest = min(jakarta_month(utcnow()), day_param(query, "to")[:7] or "9999-99")
    oldest = max(FIRST_MONTH, day_param(query, "from")[:7])
    month = str(after.get("month") or "-")
    if month == "-" or month > newest:
        month = newest
    elif not re.fullmatch(MONTH_PATTERN, month):
        raise ValidationFailed.field("cursor", "invalid cursor")
    resume = {k: after[k] for k in CURSOR_FIELDS} if after.get("order_id", "-") != "-" else None
    records: list[OrderRecord] = []
    for _ in range(MONTHS_PER_PAGE):
        if month < oldest:
            return records, None
        found, last = page_of_items(
            OrderRecord.by_month,
            OrderRecord,
            CURSOR_FIELDS,
            "created_month",
            month,
            resume,
            limit - len(records),
            condition,
            created,
            newest_first=True,
        )
        records += found
        if last:
            return records, {"month": month, **last}
        month, resume = _month_before(month), None
        if len(records) >= limit:
            break
    return records, ({"month": month, "order_id": "-", "created_at": "-"} if month >= oldest else None)


def _month_before(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def _all(conditions: list[Callable[[OrderRecord], bool]]) -> Callable[[OrderRecord], bool] | None:
    if not conditions:
        return None
    return lambda order: all(condition(order) for condition in conditions)


def _created_between(query: Mapping[str, str]) -> Any:
    """The range of `created_at` the Jakarta days `from`..`to` (inclusive) cover, or None."""
    low, high = day_span(query)
    return within(OrderRecord.created_at, low and iso(low), high and iso(high))
