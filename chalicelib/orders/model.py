"""The order state machine, enforced here and nowhere else, and checkout inputs."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import StringConstraints, model_validator

from chalicelib.bodies import Body, KecamatanName, KelurahanName, PersonName, Phone
from chalicelib.errors import Forbidden, InvalidTransition

OrderStatus = Literal["awaiting_payment", "paid", "accepted", "ready", "completed", "cancelled", "expired"]
STATUSES: tuple[OrderStatus, ...] = get_args(OrderStatus)
FulfillmentMethod = Literal["delivery", "pickup"]
CheckoutStatus = Literal["awaiting_payment", "paid", "expired"]
# An order's refund: ours while it waits to be sent, then as Stripe reports its Refund.
RefundStatus = Literal["pending", "requires_action", "succeeded", "failed", "canceled"]
REFUND_STATUSES: tuple[RefundStatus, ...] = get_args(RefundStatus)
OPEN_STATUSES = ("awaiting_payment", "paid", "accepted", "ready")
# Paid and not yet handed over: cancelling an order in one of these owes the buyer a full refund.
REFUNDABLE: tuple[OrderStatus, ...] = ("paid", "accepted", "ready")
# Ended without a sale: the stock goes back, and a payment that arrives anyway is refunded.
CALLED_OFF: tuple[OrderStatus, ...] = ("cancelled", "expired")

# action -> role -> statuses it may start from; every action has one target status.
RULES: dict[str, tuple[dict[str, frozenset[str]], str]] = {
    "pay": ({"system": frozenset({"awaiting_payment"})}, "paid"),
    "accept": ({"seller": frozenset({"paid"})}, "accepted"),
    "ready": ({"seller": frozenset({"accepted"})}, "ready"),
    "complete": (
        # the store completes delivery and pickup orders alike, with the buyer's handover code (orders.handover)
        {"buyer": frozenset({"ready"}), "seller": frozenset({"ready"}), "system": frozenset({"ready"})},
        "completed",
    ),
    "cancel": (
        {
            "buyer": frozenset({"awaiting_payment", "paid"}),
            "seller": frozenset({"awaiting_payment", "paid", "accepted"}),
            "admin": frozenset({"awaiting_payment", "paid", "accepted", "ready"}),
        },
        "cancelled",
    ),
    "expire": ({"system": frozenset({"awaiting_payment"})}, "expired"),
}

# The order events the order-events worker acts on (turnover, spending, notifications, settlement).
ANNOUNCED = frozenset({"paid", "accepted", "ready", "completed", "cancelled", "refunded"})
# In which capacity a caller with several roles acts (kept in the history: who cancelled is told apart).
ROLE_ORDER = ("buyer", "seller", "admin", "system")
# Why a role is refused an action, where the rule is not obvious: (role, action) -> (details.reason, message).
REFUSALS: dict[tuple[str, str], tuple[str, str]] = {}


def decide(action: str, status: str, roles: set[str]) -> str:
    """Return the status an action leads to for a caller with these roles, or raise 403/409."""
    allowed, target = RULES[action]
    usable = [allowed[r] for r in roles if r in allowed]
    if not usable:
        refusal = next((REFUSALS[(r, action)] for r in ROLE_ORDER if (r, action) in REFUSALS and r in roles), None)
        if refusal:
            raise Forbidden(refusal[1], {"reason": refusal[0]})
        raise Forbidden(f"you may not {action} this order")
    if not any(status in starts for starts in usable):
        raise InvalidTransition(f"cannot {action} an order that is {status}", {"status": status})
    return target


def acting_role(action: str, status: str, roles: set[str]) -> str:
    """The capacity in which the caller makes a move `decide` allowed: buyer before seller before admin."""
    allowed, _ = RULES[action]
    return next((r for r in ROLE_ORDER if r in roles and status in allowed.get(r, frozenset())), "")


def returns_stock(target: str) -> bool:
    """Cancelled and expired orders give their stock back."""
    return target in CALLED_OFF


Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class Contact(Body):
    """Whom the store calls about the order; private to the buyer, the store's owner and admins."""

    name: PersonName | None = None
    phone_number: Phone


# An address sent as an object: its parts (`street`, or `line`/`detail` for it) become the fields below.
ADDRESS_PARTS = ("street", "line", "detail", "kecamatan", "kelurahan")


class Fulfillment(Body):
    """How the buyer gets the goods (delivery: the contact defaults to the buyer's profile or token).

    A delivery's kecamatan (which stores deliver there, for what fee) is `kecamatan`, or
    `address.kecamatan` when the address is sent as `{street, kecamatan, kelurahan}`, or a
    comma-separated part of the address text naming one ("Jl. Airlangga 4, Gubeng"), or the
    buyer's profile (checkout resolves it: `orders.checkout`).
    """

    method: FulfillmentMethod
    address: Text | None = None
    notes: Text | None = None
    contact: Contact | None = None
    kecamatan: KecamatanName | None = None
    kelurahan: KelurahanName | None = None

    @model_validator(mode="before")
    @classmethod
    def _address_parts(cls, data: Any) -> Any:
        """Take an address object apart: `street` becomes `address`, its kecamatan and kelurahan the fields."""
        if not isinstance(data, dict) or not isinstance(data.get("address"), dict):
            return data
        parts = dict(data["address"])
        unknown = sorted(set(parts) - set(ADDRESS_PARTS))
        if unknown:
            raise ValueError(f"address has no part {unknown[0]!r}; it takes street, kecamatan and kelurahan")
        out = {**data, "address": next((parts[k] for k in ("street", "line", "detail") if k in parts), None)}
        for name in ("kecamatan", "kelurahan"):
            if name in parts:
                if data.get(name) is not None and data[name] != parts[name]:
                    raise ValueError(f"address.{name} and {name} differ")
                out[name] = parts[name]
        return out

    @model_validator(mode="after")
    def _address_for_delivery(self) -> Fulfillment:
        if self.method == "delivery" and not self.address:
            raise ValueError("address is required for delivery")
        return self


class CheckoutRequest(Body):
    """POST /v1/checkout."""

    fulfillment: Fulfillment


class CancelRequest(Body):
    """POST /v1/orders/{order_id}/cancel."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] | None = None
