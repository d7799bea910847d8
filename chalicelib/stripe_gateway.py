"""The only module that imports `stripe`: PaymentIntents, refunds, Connect accounts and transfers, webhooks.

Amounts cross this boundary as whole Rupiah and leave it as Stripe's IDR minor units (x100).
Stripe's answers become our errors here, never a 500: "try later" (connection, rate limit,
Stripe's own 5xx, a request with the same idempotency key still running) is
PaymentUnavailable (503); an amount Stripe will not charge is 422 (`amount_too_small`/
`amount_too_large`, checked before calling, see `check_amount`); an object Stripe does not
know is MissingResource; any other refusal of our request is 502 `payment_provider_error`
(logged with Stripe's error code only; callers that must tell a refusal from an outage, like
the payouts, catch it).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import stripe

from chalicelib.config import settings
from chalicelib.errors import (
    AmountOutOfRange,
    BadSignature,
    Conflict,
    PaymentProviderError,
    PaymentUnavailable,
    ValidationFailed,
)
from chalicelib.secrets import stripe_secrets

CURRENCY = "idr"
TEST_CARDS = {
    "succeeded": "4242424242424242",
    "declined": "4000000000000341",
    "succeeded_refund_fails": "4000000000005126",  # Stripe's card whose refunds fail later (asynchronously)
}
AMOUNT_CODES = AmountOutOfRange.codes


class MissingResource(PaymentProviderError):
    """Stripe does not know the object (e.g. an event about something of another account)."""


def _out_of_range(code: str, total_idr: int) -> AmountOutOfRange:
    limits = settings()
    return AmountOutOfRange(
        code == "amount_too_small", total_idr, limits.stripe_min_charge_idr, limits.stripe_max_charge_idr
    )


def check_amount(total_idr: int) -> None:
    """Refuse (422) a total outside what Stripe charges in IDR, before anything is reserved or created."""
    limits = settings()
    if total_idr < limits.stripe_min_charge_idr:
        raise _out_of_range("amount_too_small", total_idr)
    if total_idr > limits.stripe_max_charge_idr:
        raise _out_of_range("amount_too_large", total_idr)


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


def _call(fn: Any, *args: Any, amount_idr: int | None = None, **kwargs: Any) -> Any:
    from chalicelib.observability import logger

    try:
        return fn(*args, **kwargs)
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
        logger.warning("stripe unavailable", extra={"error": type(exc).__name__, "stripe_code": exc.code})
        raise PaymentUnavailable("the payment provider is unavailable; try again shortly") from exc
    except stripe.CardError:
        raise  # the buyer's card: callers that confirm payments decide
    except stripe.IdempotencyError as exc:
        if exc.http_status == 409:  # a request with the same key is still running (two approvals at once)
            raise PaymentUnavailable("the same request to the payment provider is still running; try again") from exc
        raise PaymentProviderError(
            "the payment provider refused the request", {"stripe_code": "idempotency_error"}
        ) from exc
    except stripe.StripeError as exc:
        code = str(exc.code or "")
        if code in AMOUNT_CODES and amount_idr is not None:
            raise _out_of_range(code, amount_idr) from exc
        if code == "resource_missing":
            raise MissingResource("the payment provider does not know this object", {"stripe_code": code}) from exc
        logger.error("stripe refused the request", extra={"error": type(exc).__name__, "stripe_code": code})
        raise PaymentProviderError(
            "the payment provider refused the request; try again later", {"stripe_code": code}
        ) from exc


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
    create = _client().v1.payment_intents.create
    pi = _call(create, params=params, options={"idempotency_key": idempotency_key}, amount_idr=amount_idr)
    return _intent(pi)


def retrieve_payment_intent(payment_intent_id: str) -> PaymentIntent:
    """Fetch the authoritative state of a PaymentIntent."""
    return _intent(_call(_client().v1.payment_intents.retrieve, payment_intent_id))


def cancel_payment_intent(payment_intent_id: str) -> None:
    """Cancel a PaymentIntent nobody may pay any more; an already final one is left as it is."""
    with contextlib.suppress(PaymentProviderError):
        _call(_client().v1.payment_intents.cancel, payment_intent_id)


@dataclass(frozen=True)
class Refund:
    """What we need of a refund: its id, status and the order it is for."""

    id: str
    status: str
    order_id: str
    partial_id: str = ""  # our id of a partial refund (metadata `refund_id`); "" : an order's whole refund


def _refund(result: Any) -> Refund:
    metadata = result.metadata.to_dict() if result.metadata else {}
    return Refund(
        str(result.id), str(result.status), str(metadata.get("order_id", "")), str(metadata.get("refund_id", ""))
    )


def refund(payment_intent_id: str, amount_idr: int, idempotency_key: str, order_id: str, refund_id: str = "") -> Refund:
    """Refund part or all of a payment (`refund_id`: our partial refund's id, kept in the metadata)."""
    params: Any = {
        "payment_intent": payment_intent_id,
        "amount": to_minor(amount_idr),
        "metadata": {"order_id": order_id, **({"refund_id": refund_id} if refund_id else {})},
    }
    return _refund(_call(_client().v1.refunds.create, params=params, options={"idempotency_key": idempotency_key}))


def retrieve_refund(refund_id: str) -> Refund:
    """Fetch a refund's current state."""
    return _refund(_call(_client().v1.refunds.retrieve, refund_id))


def refunds_of_charge(charge_id: str) -> list[Refund]:
    """List a charge's refunds (a `charge.refunded` event carries the charge, not the refund)."""
    found = _call(_client().v1.refunds.list, params={"charge": charge_id, "limit": 100})
    return [_refund(r) for r in found.data]


@dataclass(frozen=True)
class ConnectedAccount:
    """What we need of a Connect account: its id, whether Stripe pays it out, the store it is for."""

    id: str
    payouts_enabled: bool
    store_id: str


def _account(result: Any) -> ConnectedAccount:
    metadata = result.metadata.to_dict() if result.metadata else {}
    return ConnectedAccount(str(result.id), bool(result.payouts_enabled), str(metadata.get("store_id", "")))


def create_express_account(store_id: str, idempotency_key: str) -> ConnectedAccount:
    """Create a store's Express account (Indonesia, transfers requested); the key makes a retry the same account."""
    params: Any = {
        "type": "express",
        "country": "ID",
        "capabilities": {"transfers": {"requested": True}},
        "metadata": {"store_id": store_id},
    }
    create = _client().v1.accounts.create
    return _account(_call(create, params=params, options={"idempotency_key": idempotency_key}))


def retrieve_account(account_id: str) -> ConnectedAccount:
    """Fetch a Connect account's current state (an `account.updated` event only says "look again")."""
    return _account(_call(_client().v1.accounts.retrieve, account_id))


@dataclass(frozen=True)
class AccountLink:
    """A one-time onboarding URL and when it stops working (Unix seconds)."""

    url: str
    expires_at: int


def create_account_link(account_id: str, refresh_url: str, return_url: str) -> AccountLink:
    """Make an onboarding link for an Express account (Stripe's links are short-lived and single-use)."""
    params: Any = {
        "account": account_id,
        "refresh_url": refresh_url,
        "return_url": return_url,
        "type": "account_onboarding",
    }
    link = _call(_client().v1.account_links.create, params=params)
    return AccountLink(str(link.url), int(link.expires_at))


@dataclass(frozen=True)
class Transfer:
    """What we need of a transfer to a connected account: its id and what of it was reversed (Rupiah)."""

    id: str
    amount_idr: int
    reversed_idr: int


def create_transfer(
    amount_idr: int, destination: str, idempotency_key: str, transfer_group: str, metadata: dict[str, str]
) -> Transfer:
    """Move money from the platform's balance to a connected account (once per idempotency key)."""
    params: Any = {
        "amount": to_minor(amount_idr),
        "currency": CURRENCY,
        "destination": destination,
        "transfer_group": transfer_group,
        "metadata": metadata,
    }
    made = _call(_client().v1.transfers.create, params=params, options={"idempotency_key": idempotency_key})
    return Transfer(str(made.id), from_minor(int(made.amount)), from_minor(int(made.amount_reversed or 0)))


def transfer_in_group(transfer_group: str, payout_id: str) -> Transfer | None:
    """The transfer already made for a payout (its own transfer group, at most a few), or None."""
    found = _call(_client().v1.transfers.list, params={"transfer_group": transfer_group, "limit": 10})
    for made in found.data:
        if (made.metadata.to_dict() if made.metadata else {}).get("payout_id") == payout_id:
            return Transfer(str(made.id), from_minor(int(made.amount)), from_minor(int(made.amount_reversed or 0)))
    return None


def reverse_transfer(transfer_id: str, amount_idr: int, idempotency_key: str, metadata: dict[str, str]) -> str:
    """Take part of a transfer back from the connected account (once per key); the reversal's id."""
    params: Any = {"amount": to_minor(amount_idr), "metadata": metadata}
    reverse = _client().v1.transfers.reversals.create
    made = _call(reverse, transfer_id, params=params, options={"idempotency_key": idempotency_key})
    return str(made.id)


def verify_webhook(payload: bytes, signature: str | None) -> dict[str, Any]:
    """Verify Stripe-Signature over the raw body (the platform's or the Connect endpoint's secret); the event."""
    secrets = stripe_secrets().webhook_secrets
    if not signature or not secrets:
        raise BadSignature("missing Stripe-Signature")
    for secret in secrets:
        try:
            event = stripe.Webhook.construct_event(payload, signature, secret)
        except stripe.SignatureVerificationError:
            continue  # perhaps signed with the other endpoint's secret
        except ValueError as exc:
            raise BadSignature("the Stripe-Signature does not match the body") from exc
        except (RecursionError, AttributeError, TypeError) as exc:  # signed, but no event (deep JSON, not an object)
            raise ValidationFailed.field("body", "not a Stripe event") from exc
        data: dict[str, Any] = event.to_dict()
        return data
    raise BadSignature("the Stripe-Signature does not match the body")


def confirm_with_test_card(payment_intent_id: str, outcome: str) -> str:
    """Pay a PaymentIntent with a test card (local stage only); return its new status.

    localstripe cannot confirm with a payment_method argument, so the method is set first.
    """
    client = _client()
    card: Any = {"number": TEST_CARDS[outcome], "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    method = _call(client.v1.payment_methods.create, params={"type": "card", "card": card})
    try:
        _call(client.v1.payment_intents.update, payment_intent_id, params={"payment_method": method.id})
        result = _call(client.v1.payment_intents.confirm, payment_intent_id)
        return str(result.status)
    except stripe.CardError:
        return "requires_payment_method"
    except PaymentProviderError as exc:
        raise Conflict("this payment cannot be confirmed in its current state") from exc
