"""Check out a cart: one order per store, stock for all lines or none, one PaymentIntent.

DynamoDB round trips: read the cart (1), read the products' live prices (1 BatchGetItem),
the stores' fulfilment offers (1 BatchGetItem), for a delivery without a full contact or
without a kecamatan the buyer's profile (1, read once), one TransactWriteItems that
takes the stock, writes the orders and the checkout and empties the cart (1) - plus the
idempotency record (2, Powertools). Stripe: one PaymentIntent, created before the transaction
so the checkout stores it; if the transaction fails, the intent is cancelled and nothing else
remains.

Prices: a line costs the price the buyer saw in the cart, or the live price if that is lower
(the answer lists it in `price_changes`); a higher live price needs the buyer's consent (409,
viewing the cart adopts it). The stock is taken on condition of exactly the price charged.

Delivery: each order's `delivery_fee_idr` follows its store's offer (`catalog.delivery.fee`:
0 for pickup, 0 once the order's goods reach the store's `free_from_idr`) and is part of the
order's `total_idr`, so of the one PaymentIntent, turnover, spending and the seller's earning.
A delivery's kecamatan is the body's (`kecamatan`, or `address.kecamatan`), else one the
address text names as a part, else the buyer's profile's; none is 422 naming
`fulfillment.kecamatan` unless every store still delivers city-wide by default (it never
chose an area: checkout as before the setting existed). A store that cannot serve the order
that way (no delivery there, no pickup) is 422 `delivery_unavailable` naming it, before any
reservation or Stripe call.

The delivery contact (name, phone) is kept on the order only: never logged, never in a
notification, shown only by the order views of its buyer, its store's owner and admins.

Stripe's idempotency key is the checkout id, new for every attempt: a retry after a 503
must neither get back an intent this attempt cancelled nor send the same key with other
parameters (Stripe refuses that). An intent whose answer was lost (Stripe slow) stays
unconfirmed: only a 201 hands out its client secret.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import marketplace_settings, metrics, queues
from chalicelib.auth import Principal
from chalicelib.cart import service as cart_service
from chalicelib.cart import tables as cart_tables
from chalicelib.catalog import delivery, inventory
from chalicelib.catalog import stores as catalog_stores
from chalicelib.dynamo import connection
from chalicelib.errors import (
    ApiError,
    CartEmpty,
    Conflict,
    DeliveryUnavailable,
    OutOfStock,
    ServiceUnavailable,
    StoreUnavailable,
    ValidationFailed,
    is_transient,
)
from chalicelib.ids import iso, jakarta_month, new_id, utcnow
from chalicelib.messages import ExpireCheckout
from chalicelib.observability import logger
from chalicelib.orders import model, render
from chalicelib.orders.tables import CheckoutRecord, OrderRecord
from chalicelib.validators import UnknownPlace, kelurahan_in, places_in

if TYPE_CHECKING:
    from chalicelib import shapes


def checkout(principal: Principal, body: model.CheckoutRequest) -> shapes.Checkout:
    """Turn the caller's cart into awaiting-payment orders and a PaymentIntent.

    The request's Idempotency-Key is honoured by the HTTP layer (the same key replays the
    first answer); Stripe gets a key of its own per attempt (see the module docstring).
    """
    from chalicelib import stripe_gateway

    cart = cart_tables.load(principal.user_id)
    lines = cart_tables.lines_of(cart)
    if not lines:
        raise CartEmpty("the cart is empty")
    price_changes = _take_lower_prices(lines)
    now = utcnow()
    timeout = marketplace_settings.current()["payment_timeout_minutes"]
    expires_at = iso(now + timedelta(minutes=timeout))
    checkout_id = new_id()
    profile = _Profile(principal.user_id)
    kecamatan, kelurahan = _place(body.fulfillment, profile)
    fulfillment = {
        **body.fulfillment.model_dump(),
        "contact": _contact(principal, body.fulfillment, profile),
        "kecamatan": kecamatan,
        "kelurahan": kelurahan,
    }
    orders = _orders(principal.user_id, checkout_id, lines, fulfillment, now, expires_at)
    _charge_delivery(orders, body.fulfillment.method, kecamatan)
    for order in orders:
        order.buyer_nip = principal.nip
    total = sum(int(o.total_idr) for o in orders)
    stripe_gateway.check_amount(total)
    intent = stripe_gateway.create_payment_intent(total, f"checkout-{checkout_id}", {"checkout_id": checkout_id})
    record = CheckoutRecord(
        checkout_id,
        buyer_id=principal.user_id,
        order_ids=[o.order_id for o in orders],
        total_idr=total,
        payment_intent_id=intent.id,
        client_secret=intent.client_secret,
        status="awaiting_payment",
        expires_at=expires_at,
        created_at=iso(now),
        open_flag="1",
    )
    for order in orders:
        order.payment_intent_id = intent.id
    reserved = [inventory.Line(pid, int(line["quantity"]), int(line["price_idr"])) for pid, line in lines.items()]
    try:
        with TransactWrite(connection=connection()) as tx:
            inventory.reserve(tx, reserved, principal.user_id)
            for order in orders:
                tx.save(order, condition=OrderRecord.order_id.does_not_exist())
            tx.save(record, condition=CheckoutRecord.checkout_id.does_not_exist())
            cart_tables.clear_in(tx, cart)
    except TransactWriteError as exc:
        stripe_gateway.cancel_payment_intent(intent.id)
        raise _why(exc, reserved, principal.user_id) from exc
    try:
        queues.publish(
            ExpireCheckout(checkout_id=checkout_id, expires_at=expires_at),
            delay_seconds=min(queues.MAX_DELAY_SECONDS, timeout * 60),  # the expiry worker re-queues until then
        )
    except Exception:  # the orders exist: answer 201; the expiry sweep is the safety net for this message
        logger.exception("expiry message not queued; the sweep will expire the checkout")
    metrics.count(metrics.ORDERS_PLACED, len(orders))
    return render.checkout(record, orders, with_secret=True, price_changes=price_changes)


def _take_lower_prices(lines: dict[str, dict[str, Any]]) -> list[shapes.PriceChange]:
    """Charge the live price where it fell below the one the buyer saw (one BatchGetItem); list those lines.

    A higher live price is left alone: the reservation's price condition fails and the buyer
    gets the 409 that asks for consent.
    """
    changes: list[shapes.PriceChange] = []
    live = inventory.many(lines)
    for product_id, line in lines.items():
        product = live.get(product_id)
        seen = int(line["price_idr"])
        if product is not None and product.price_idr < seen:
            line["price_idr"] = product.price_idr
            changes.append({"product_id": product_id, "seen_price_idr": seen, "price_idr": product.price_idr})
    return changes


class _Profile:
    """The buyer's saved profile, read at most once per checkout (for the contact and the kecamatan)."""

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        self._read = False
        self._record: Any = None

    def get(self) -> Any:
        if not self._read:
            from chalicelib.profiles.tables import get_profile

            self._record, self._read = get_profile(self.user_id), True
        return self._record


def _place(fulfillment: model.Fulfillment, profile: _Profile) -> tuple[str | None, str | None]:
    """The official kecamatan and kelurahan of a delivery (see the module docstring); as given for pickup."""
    kecamatan, kelurahan = fulfillment.kecamatan, fulfillment.kelurahan
    if fulfillment.method == "delivery" and kecamatan is None:
        kecamatan, found = places_in(fulfillment.address or "")
        kelurahan = kelurahan or found
        if kecamatan is None:
            saved = profile.get()
            if saved is not None and saved.kecamatan:
                kecamatan, kelurahan = saved.kecamatan, kelurahan or saved.kelurahan
    if kecamatan is None or kelurahan is None:
        return kecamatan, kelurahan
    try:
        return kecamatan, kelurahan_in(kecamatan, kelurahan)
    except UnknownPlace as exc:
        raise ValidationFailed.field("fulfillment.kelurahan", str(exc)) from exc


def _charge_delivery(orders: list[OrderRecord], method: str, kecamatan: str | None) -> None:
    """Set each order's delivery fee and add it to its total; refuse a store that cannot serve it (1 BatchGetItem)."""
    offers = catalog_stores.offers([o.store_id for o in orders])
    if method == "delivery" and kecamatan is None and any(offer.needs_place for _, offer in offers.values()):
        raise ValidationFailed.field(
            "fulfillment.kecamatan",
            "a delivery needs the address's kecamatan (send kecamatan and kelurahan, or save them in /v1/me)",
        )
    refused: list[dict[str, Any]] = []
    for order in orders:
        if order.store_id not in offers:
            continue  # no such store: its lines cannot be reserved, and the transaction says why
        name, offer = offers[order.store_id]
        fee = delivery.fee(offer, method, kecamatan, int(order.total_idr))
        if fee is None:
            refused.append({"store_id": order.store_id, "store_name": name})
            continue
        order.delivery_fee_idr = fee
        order.total_idr = int(order.total_idr) + fee
    if refused:
        first = refused[0]
        why = "does not offer pickup" if method == "pickup" else f"does not deliver to {kecamatan}"
        raise DeliveryUnavailable(
            f"{first['store_name']} {why}; remove its items or choose another way to get them",
            {**first, "kecamatan": kecamatan, "stores": refused},
        )


def _contact(principal: Principal, fulfillment: model.Fulfillment, profile: _Profile) -> dict[str, Any] | None:
    """Whom the store calls: as given; for a delivery, completed from the profile, then the token.

    API.md's checkout body has no contact, so a delivery without any phone is still taken
    (the contact then holds what is known, or is null).
    """
    given = fulfillment.contact
    if fulfillment.method != "delivery":
        return given.model_dump() if given else None
    name, phone = (given.name, given.phone_number) if given else (None, None)
    if not (name and phone):
        saved = profile.get()
        name = name or (saved.name if saved else None) or principal.name
        phone = phone or (saved.phone_number if saved else None) or principal.phone_number
    if not (name or phone):
        return None
    return {"name": name, "phone_number": phone}


def _orders(
    buyer_id: str,
    checkout_id: str,
    lines: dict[str, dict[str, Any]],
    fulfillment: dict[str, Any],
    at: datetime,
    expires_at: str,
) -> list[OrderRecord]:
    now = iso(at)
    by_store: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for product_id, line in lines.items():
        by_store[str(line["store_id"])].append((product_id, line))
    orders = []
    for store_id, items in by_store.items():
        snapshot = [
            {
                "product_id": pid,
                "name": line["name"],
                "unit": line.get("unit"),
                "category": line.get("category", ""),
                "unit_price_idr": int(line["price_idr"]),
                "quantity": int(line["quantity"]),
            }
            for pid, line in items
        ]
        orders.append(
            OrderRecord(
                new_id(),
                checkout_id=checkout_id,
                buyer_id=buyer_id,
                store_id=store_id,
                store_name=str(items[0][1].get("store_name") or ""),
                status="awaiting_payment",
                lines=snapshot,
                total_idr=sum(s["unit_price_idr"] * s["quantity"] for s in snapshot),  # plus the delivery fee, later
                delivery_fee_idr=0,
                fulfillment=fulfillment,
                payment_intent_id="",
                refund=None,
                history=[{"status": "awaiting_payment", "at": now}],
                created_at=now,
                created_month=jakarta_month(at),
                updated_at=now,
                expires_at=expires_at,
                awaiting_flag="1",
            )
        )
    return orders


def _why(exc: TransactWriteError, reserved: list[inventory.Line], buyer_id: str) -> ApiError:
    """Explain a refused transaction: which lines lack stock, changed price, cannot be sold or are the buyer's own.

    A throttled or conflicting transaction wrote nothing and says nothing about the cart:
    503, which idempotency does not keep, so the same key may try again.
    """
    if is_transient(exc):
        return ServiceUnavailable("the marketplace is busy; nothing was reserved, try again shortly")
    # PynamoDB sends condition checks, deletes, puts, then updates: the reservations come last.
    reasons = list(exc.cancellation_reasons or [])[-len(reserved) :]
    failed = [
        line
        for line, reason in zip(reserved, reasons, strict=False)
        if reason is not None and getattr(reason, "code", None) == "ConditionalCheckFailed"
    ]
    if not failed:
        return Conflict("the cart changed meanwhile; reload it and try again")
    live = inventory.many(line.product_id for line in failed)
    own = cart_service.own_store_among(buyer_id, {pid: product.owner_id for pid, product in live.items()})
    if own:
        return own
    short, unavailable, repriced = [], [], []
    for line in failed:
        product = live.get(line.product_id)
        if product is None or not product.listed:
            unavailable.append({"product_id": line.product_id})
        elif product.stock < line.quantity:
            short.append({"product_id": line.product_id, "requested": line.quantity, "available": product.stock})
        else:
            repriced.append({"product_id": line.product_id, "unit_price_idr": product.price_idr})
    if short:
        return OutOfStock("not enough in stock", {"items": short})
    if unavailable:
        return StoreUnavailable("some products cannot be bought now", {"items": unavailable})
    return Conflict("prices changed since you saw them; review your cart", {"items": repriced})
