"""Stripe signs Connect events with the Connect endpoint's secret: both secrets are accepted, nothing else."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from chalicelib import stripe_gateway
from chalicelib.errors import BadSignature

EVENT = json.dumps({"id": "evt_1", "object": "event", "type": "account.updated", "data": {"object": {}}}).encode()


def signed(secret: str, payload: bytes = EVENT) -> str:
    now = int(time.time())
    digest = hmac.new(secret.encode(), f"{now}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={now},v1={digest}"


@pytest.fixture()
def two_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PEKEN_STRIPE_SECRET_ARN", raising=False)
    monkeypatch.setenv("PEKEN_STRIPE_WEBHOOK_SECRET", "whsec_platform")
    monkeypatch.setenv("PEKEN_STRIPE_CONNECT_WEBHOOK_SECRET", "whsec_connect")


@pytest.mark.usefixtures("two_secrets")
@pytest.mark.parametrize("secret", ["whsec_platform", "whsec_connect"])
def test_an_event_signed_by_either_endpoint_is_accepted(secret: str) -> None:
    assert stripe_gateway.verify_webhook(EVENT, signed(secret))["type"] == "account.updated"


@pytest.mark.usefixtures("two_secrets")
def test_an_event_signed_with_another_secret_or_changed_after_signing_is_refused() -> None:
    with pytest.raises(BadSignature):
        stripe_gateway.verify_webhook(EVENT, signed("whsec_someone_else"))
    with pytest.raises(BadSignature):
        stripe_gateway.verify_webhook(EVENT.replace(b"evt_1", b"evt_2"), signed("whsec_connect"))


def test_without_a_connect_secret_only_the_platform_secret_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PEKEN_STRIPE_SECRET_ARN", raising=False)
    monkeypatch.setenv("PEKEN_STRIPE_WEBHOOK_SECRET", "whsec_platform")
    monkeypatch.delenv("PEKEN_STRIPE_CONNECT_WEBHOOK_SECRET", raising=False)
    assert stripe_gateway.verify_webhook(EVENT, signed("whsec_platform"))["id"] == "evt_1"
    with pytest.raises(BadSignature):
        stripe_gateway.verify_webhook(EVENT, signed("whsec_connect"))
