"""Every queue message as a frozen dataclass: the contract between the steps."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar

from chalicelib.ids import iso, new_id, utcnow

ADMIN_INBOX = "#admins"  # the city admins' shared inbox (no user id has a '#')


class PoisonMessage(ValueError):
    """A message that can never be handled; it belongs in the dead-letter queue."""


@dataclass(frozen=True)
class Message:
    """Base of all messages: a type tag, an id for idempotency, a correlation id."""

    TYPE: ClassVar[str] = ""
    QUEUE: ClassVar[str] = ""

    message_id: str = field(default_factory=new_id, kw_only=True)
    correlation_id: str = field(default="", kw_only=True)
    sent_at: str = field(default_factory=lambda: iso(utcnow()), kw_only=True)

    def to_json(self) -> str:
        """Serialise with the type tag."""
        return json.dumps({"type": self.TYPE, **asdict(self)}, separators=(",", ":"), sort_keys=True)


@dataclass(frozen=True)
class Notify(Message):
    """Tell one user something: the notifications worker renders and delivers it."""

    TYPE: ClassVar[str] = "notify"
    QUEUE: ClassVar[str] = "notifications"

    user_id: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentEvent(Message):
    """A verified Stripe event, to be applied by the payments worker."""

    TYPE: ClassVar[str] = "payment_event"
    QUEUE: ClassVar[str] = "payments"

    event_id: str
    event_type: str
    object_id: str
    object_type: str = ""  # what the event carries: payment_intent, charge, refund (older messages: by id)


@dataclass(frozen=True)
class RefundOrder(Message):
    """Refund a cancelled or expired order's payment in full (idempotent per order), or one partial refund of it."""

    TYPE: ClassVar[str] = "refund_order"
    QUEUE: ClassVar[str] = "payments"

    order_id: str
    refund_id: str = ""  # a partial refund's id (payments.partial); "" : the whole-order refund


@dataclass(frozen=True)
class ExpireCheckout(Message):
    """Expire a checkout's unpaid orders once its payment window has passed."""

    TYPE: ClassVar[str] = "expire_checkout"
    QUEUE: ClassVar[str] = "expiry"

    checkout_id: str
    expires_at: str


@dataclass(frozen=True)
class OrderEvent(Message):
    """Something happened to an order: notifications, turnover and reports follow."""

    TYPE: ClassVar[str] = "order_event"
    QUEUE: ClassVar[str] = "order-events"

    order_id: str
    event: str  # paid | accepted | ready | completed | cancelled | expired | refunded
    store_id: str = ""
    buyer_id: str = ""
    amount_idr: int = 0
    month: str = ""
    buyer_nip: str = ""
    refund_id: str = ""  # a `refunded` event of a partial refund: its id keys each effect (once per refund)


@dataclass(frozen=True)
class RecountCompliance(Message):
    """Recompute who is compliant in a month after the quota policy changed."""

    TYPE: ClassVar[str] = "recount_compliance"
    QUEUE: ClassVar[str] = "order-events"

    month: str


@dataclass(frozen=True)
class SendPayouts(Message):
    """Send an approved batch's payouts still without a result (Stripe transfers; bank payouts to `processing`)."""

    TYPE: ClassVar[str] = "send_payouts"
    QUEUE: ClassVar[str] = "payments"

    batch_id: str


@dataclass(frozen=True)
class ExportStep(Message):
    """Write an export's next part (chalicelib.exports.worker); the last one assembles the file."""

    TYPE: ClassVar[str] = "export_step"
    QUEUE: ClassVar[str] = "exports"

    export_id: str


MESSAGE_TYPES: dict[str, type[Message]] = {
    cls.TYPE: cls
    for cls in (
        Notify,
        PaymentEvent,
        RefundOrder,
        ExpireCheckout,
        OrderEvent,
        RecountCompliance,
        SendPayouts,
        ExportStep,
    )
}


def parse_message(body: str) -> Message:
    """Turn a queue record body back into its message, or raise PoisonMessage."""
    try:
        data = json.loads(body)
        cls = MESSAGE_TYPES[data.pop("type")]
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PoisonMessage(f"unreadable message: {exc.__class__.__name__}") from exc
