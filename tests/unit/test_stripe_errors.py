"""Stripe's refusals become our errors, never a 500: amounts 422, unknown objects poison, the rest 502."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import stripe

from chalicelib import stripe_gateway
from chalicelib.errors import AmountOutOfRange, PaymentProviderError


def invalid(message: str, code: str) -> Exception:
    """A Stripe InvalidRequestError (the SDK's constructor is untyped)."""
    error: Exception = stripe.InvalidRequestError(message, None, code=code)  # type: ignore[no-untyped-call]
    return error


def _refusing(error: Exception) -> Any:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise error

    intents = SimpleNamespace(create=refuse, retrieve=refuse, cancel=refuse)
    return SimpleNamespace(v1=SimpleNamespace(payment_intents=intents, refunds=SimpleNamespace(list=refuse)))


@pytest.fixture()
def refuse(monkeypatch: pytest.MonkeyPatch) -> Any:
    def with_error(error: Exception) -> None:
        monkeypatch.setattr(stripe_gateway, "_client", lambda: _refusing(error))

    return with_error


@pytest.mark.parametrize("code", ["amount_too_small", "amount_too_large"])
def test_an_amount_stripe_will_not_charge_is_422(refuse: Any, code: str) -> None:
    refuse(invalid("Amount must be ...", code))
    with pytest.raises(AmountOutOfRange) as raised:
        stripe_gateway.create_payment_intent(7_000, "checkout-1", {})
    assert (raised.value.status, raised.value.code) == (422, code)
    assert raised.value.details["total_idr"] == 7_000


def test_an_unknown_object_is_a_missing_resource(refuse: Any) -> None:
    refuse(invalid("No such charge: 'ch_x'", "resource_missing"))
    with pytest.raises(stripe_gateway.MissingResource):
        stripe_gateway.refunds_of_charge("ch_x")


@pytest.mark.parametrize(
    "error",
    [
        invalid("Received unknown parameter", "parameter_unknown"),
        stripe.AuthenticationError("Invalid API Key provided"),
        stripe.IdempotencyError("Keys for idempotent requests can only be used with the same parameters"),
    ],
)
def test_any_other_refusal_is_502_not_500(refuse: Any, error: Exception) -> None:
    refuse(error)
    with pytest.raises(PaymentProviderError) as raised:
        stripe_gateway.retrieve_payment_intent("pi_1")
    assert raised.value.status == 502 and raised.value.code == "payment_provider_error"


def test_a_payment_intent_stripe_no_longer_cancels_is_left_alone(refuse: Any) -> None:
    refuse(invalid("This PaymentIntent's status is succeeded", "payment_intent_unexpected_state"))
    stripe_gateway.cancel_payment_intent("pi_1")  # nothing raised


@pytest.mark.parametrize("total, code", [(1, "amount_too_small"), (10_000_000_000, "amount_too_large")])
def test_totals_are_checked_before_stripe_is_asked(total: int, code: str) -> None:
    with pytest.raises(AmountOutOfRange) as raised:
        stripe_gateway.check_amount(total)
    assert raised.value.code == code
    stripe_gateway.check_amount(50_000)
