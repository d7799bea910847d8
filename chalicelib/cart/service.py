"""Cart use cases: view with live prices, put, remove, clear.

Each line keeps the price the buyer last saw. Checkout charges that price, or the live one
if it is lower (and says so); a higher live price is refused with 409 until the buyer has
seen it. Viewing the cart shows live prices and adopts them (the buyer has now seen them),
so a price change between adding and paying never charges more than a price the buyer saw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from chalicelib.auth import Principal
from chalicelib.bodies import Body
from chalicelib.cart import tables
from chalicelib.catalog import inventory
from chalicelib.errors import NotFound, OutOfStock, OwnStore, StoreUnavailable, ValidationFailed
from chalicelib.ids import iso, utcnow

if TYPE_CHECKING:
    from chalicelib import shapes

MAX_LINES = 40  # a checkout of 40 lines from 40 stores is 82 items: under DynamoDB's 100 per transaction
MAX_QUANTITY = 999


def own_store_among(buyer_id: str, owners: dict[str, str]) -> OwnStore | None:
    """Return the error for the products (by id, with their store's owner) the buyer sells, if any."""
    own = sorted(product_id for product_id, owner in owners.items() if owner == buyer_id)
    if not own:
        return None
    items = [{"product_id": product_id} for product_id in own]
    return OwnStore("you cannot buy from your own store", {"field": "product_id", "items": items})


class Quantity(Body):
    """PUT /v1/cart/items/{product_id}."""

    quantity: int = Field(ge=0, le=MAX_QUANTITY)


def view(principal: Principal) -> shapes.Cart:
    """Return the cart with live prices and availability (one GetItem, one BatchGetItem)."""
    cart = tables.load(principal.user_id)
    lines = tables.lines_of(cart)
    live = inventory.many(lines)
    changed = False
    for product_id, line in lines.items():
        product = live.get(product_id)
        if product is not None and product.price_idr != line["price_idr"]:
            line["price_idr"], changed = product.price_idr, True
    if changed:
        tables.save(cart, lines, iso(utcnow()))
    return render(lines, live)


def put(principal: Principal, product_id: str, body: Quantity) -> shapes.Cart:
    """Set a line's quantity (0 removes it); refuse more than is in stock."""
    if body.quantity == 0:
        return remove(principal, product_id)
    product = inventory.one(product_id)
    if product is None:
        raise NotFound("no such product")
    if not product.listed:
        raise StoreUnavailable("this product cannot be bought now", {"product_id": product_id})
    own = own_store_among(principal.user_id, {product_id: product.owner_id})
    if own:
        raise own
    if body.quantity > product.stock:
        raise OutOfStock("not enough in stock", {"product_id": product_id, "available": product.stock})
    cart = tables.load(principal.user_id)
    lines = tables.lines_of(cart)
    if product_id not in lines and len(lines) >= MAX_LINES:
        raise ValidationFailed.field("product_id", f"a cart holds at most {MAX_LINES} products")
    lines[product_id] = {
        "quantity": body.quantity,
        "price_idr": product.price_idr,
        "name": product.name,
        "unit": product.unit,
        "store_id": product.store_id,
        "store_name": product.store_name,
        "category": product.category,
    }
    tables.save(cart, lines, iso(utcnow()))
    return render(lines, {product_id: product} | inventory.many(k for k in lines if k != product_id))


def remove(principal: Principal, product_id: str) -> shapes.Cart:
    """Remove one line."""
    cart = tables.load(principal.user_id)
    lines = tables.lines_of(cart)
    if lines.pop(product_id, None) is not None:
        tables.save(cart, lines, iso(utcnow()))
    return render(lines, inventory.many(lines))


def clear(principal: Principal) -> shapes.Cart:
    """Remove every line."""
    cart = tables.load(principal.user_id)
    if tables.lines_of(cart):
        tables.save(cart, {}, iso(utcnow()))
    return render({}, {})


def render(lines: dict[str, dict[str, Any]], live: dict[str, inventory.Snapshot]) -> shapes.Cart:
    """Shape a cart for the API."""
    items: list[shapes.CartLine] = []
    for product_id, line in lines.items():
        product = live.get(product_id)
        quantity, price = int(line["quantity"]), int(line["price_idr"])
        items.append(
            {
                "product_id": product_id,
                "store_id": line["store_id"],
                "store_name": line.get("store_name"),
                "name": line["name"],
                "unit": line.get("unit"),
                "unit_price_idr": price,
                "quantity": quantity,
                "line_total_idr": price * quantity,
                "available": product is not None and product.listed and product.stock >= quantity,
            }
        )
    return {"items": items, "total_idr": sum(i["line_total_idr"] for i in items)}
