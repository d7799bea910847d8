"""The carts table: one item per buyer, lines in a map (the only DynamoDB code of this domain).

The cart is written whole, but only under the revision read (`rev`, which every writer
bumps) and deleted by checkout under the same condition: no write loses another's.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.models import Model

from chalicelib.dynamo import plain, raw_map, region, table_name
from chalicelib.errors import Conflict, condition_failed


class CartRecord(Model):
    """A buyer's cart; `rev` guards against lost updates from two devices."""

    class Meta:
        table_name = table_name("carts")
        region = region()

    user_id = UnicodeAttribute(hash_key=True)
    lines = raw_map(default=dict)
    rev = NumberAttribute(default=0)
    updated_at = UnicodeAttribute(null=True)


def load(user_id: str) -> CartRecord:
    """Read a cart (one GetItem); a missing cart is an empty one."""
    try:
        return CartRecord.get(user_id, consistent_read=True)
    except DoesNotExist:
        return CartRecord(user_id, lines={}, rev=0)


def lines_of(cart: CartRecord) -> dict[str, dict[str, Any]]:
    """Return the cart's lines as plain dicts, by product id."""
    return {k: dict(v) for k, v in (plain(cart.lines) or {}).items()}


def save(cart: CartRecord, lines: dict[str, dict[str, Any]], at: str) -> None:
    """Write the cart if nobody changed it since it was read."""
    seen = int(cart.rev or 0)
    cart.lines = lines
    cart.rev = seen + 1
    cart.updated_at = at
    condition = CartRecord.user_id.does_not_exist() | (CartRecord.rev == seen)
    try:
        cart.save(condition=condition)
    except PutError as exc:
        if condition_failed(exc):
            raise Conflict("the cart changed meanwhile; reload it") from exc
        raise


def clear_in(tx: Any, cart: CartRecord) -> None:
    """Empty the cart inside a transaction, if it is still the cart that was read."""
    tx.delete(CartRecord(cart.user_id), condition=CartRecord.rev == int(cart.rev or 0))
