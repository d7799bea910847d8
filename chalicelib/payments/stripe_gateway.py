"""The only module that imports `stripe`: PaymentIntents, refunds, webhook verification.

Amounts cross this boundary as whole Rupiah and leave it as Stripe's IDR minor units (x100).
Stripe errors that mean "try later" become PaymentUnavailable (503).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import stripe

from chalicelib.config import settings
from chalicelib.errors import ApiError, Conflict, ValidationFailed
from chalicelib.secrets import stripe_secrets

CURRENCY = "idr"
TEST_CARDS = {"succeeded": "4242424242424242", "declined": "4000000000000341"}


class PaymentUnavailable(ApiError):
    status, code = 503, "payment_unavailable"


class BadSignature(ApiError):
    status, code = 400, "bad_signature"


@dataclass(frozen=True)
class PaymentIntent:
    """What we need of a PaymentIntent."""

    id: str
    status: str
    amount_idr: int
    client_secret: str
    metadata: dict[str, str]


def to_minor(amount_idr: int) -> int:
    """Rupiah to Stripe's IDR minor units."""
    return amount_idr * 100


def from_minor(amount: int) -> int:
    """Stripe's IDR minor units to Rupiah."""
    return amount // 100


@lru_cache(maxsize=1)
def _client() -> stripe.StripeClient:
    base = settings().stripe_api_base
    return stripe.StripeClient(
        stripe_secrets().secret_key,
        base_addresses={"api": base} if base else None,
        max_network_retries=1,
        http_client=stripe.new_default_http_client(timeout=settings().stripe_timeout_seconds),
    )


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
        from chalicelib.observability import logger

        logger.warning("stripe unavailable", extra={"error": type(exc).__name__, "detail": str(exc)[:300]})
        raise PaymentUnavailable("the payment provider is unavailable; try again shortly") from exc


def _intent(pi: Any) -> PaymentIntent:
    metadata = pi.metadata.to_dict() if pi.metadata else {}
    return PaymentIntent(pi.id, pi.status, from_minor(int(pi.amount)), pi.client_secret or "", metadata)


def create_payment_intent(amount_idr: int, idempotency_key: str, metadata: dict[str, str]) -> PaymentIntent:
    """Create one PaymentIntent for a whole checkout."""
    params: Any = {
        "amount": to_minor(amount_idr),
        "currency": CURRENCY,
        "payment_method_types": ["card"],
        "metadata": metadata,
    }
    pi = _call(_client().v1.payment_intents.create, params=params, options={"idempotency_key": idempotency_key})
    return _intent(pi)


def retrieve_payment_intent(payment_intent_id: str) -> PaymentIntent:
    """Fetch the authoritative state of a PaymentIntent."""
    return _intent(_call(_client().v1.payment_intents.retrieve, payment_intent_id))


def cancel_payment_intent(payment_intent_id: str) -> None:
    """Cancel a PaymentIntent nobody may pay any more; an already final one is left as it is."""
    with contextlib.suppress(stripe.InvalidRequestError):
        _call(_client().v1.payment_intents.cancel, payment_intent_id)


def refund(payment_intent_id: str, amount_idr: int, idempotency_key: str, order_id: str) -> tuple[str, str]:
    """Refund part or all of a payment; return the refund id and status."""
    params: Any = {
        "payment_intent": payment_intent_id,
        "amount": to_minor(amount_idr),
        "metadata": {"order_id": order_id},
    }
    result = _call(_client().v1.refunds.create, params=params, options={"idempotency_key": idempotency_key})
    return str(result.id), str(result.status)


def retrieve_refund(refund_id: str) -> tuple[str, str]:
    """Return a refund's status and the order it was for."""
    result = _call(_client().v1.refunds.retrieve, refund_id)
    metadata = result.metadata.to_dict() if result.metadata else {}
    return str(result.status), str(metadata.get("order_id", ""))


def verify_webhook(payload: bytes, signature: str | None) -> dict[str, Any]:
    """Verify Stripe-Signature over the raw body; return the event as plain data."""
    secret = stripe_secrets().webhook_secret
    if not signature or not secret:
        raise BadSignature("missing Stripe-Signature")
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise BadSignature("the Stripe-Signature does not match the body") from exc
    except (RecursionError, AttributeError, TypeError) as exc:  # signed, but no event (deep JSON, not an object)
        raise ValidationFailed.field("body", "not a Stripe event") from exc
    data: dict[str, Any] = event.to_dict()
    return data


def confirm_with_test_card(payment_intent_id: str, outcome: str) -> str:
    """Pay a PaymentIntent with a test card (local stage only); return its new status.

    localstripe cannot confirm with a payment_method argument, so the method is set first.
    """
    client = _client()
    card: Any = {"number": TEST_CARDS[outcome], "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    method = _call(client.v1.payment_methods.create, params={"type": "card", "card": card})
    _call(client.v1.payment_intents.update, payment_intent_id, params={"payment_method": method.id})
    try:
        result = _call(client.v1.payment_intents.confirm, payment_intent_id)
        return str(result.status)
    except stripe.CardError:
        return "requires_payment_method"
    except stripe.InvalidRequestError as exc:
        raise Conflict("this payment cannot be confirmed in its current state") from exc
