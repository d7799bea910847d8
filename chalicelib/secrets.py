"""Fetch secrets from configuration: Secrets Manager on AWS (cached), the environment locally."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any

CACHE_SECONDS = 300.0
_cache: dict[str, Any] = {"at": -CACHE_SECONDS, "value": None}


@dataclass(frozen=True)
class StripeSecrets:
    """The Stripe API key and the webhook signing secrets.

    Stripe signs events of the platform's own account with the platform endpoint's secret and
    events of connected accounts (Connect's `account.updated`) with the Connect endpoint's, even
    when both endpoints have the same URL; `connect_webhook_secret` is that second one (empty:
    only the platform's; the local stand-in signs everything with one secret).
    """

    secret_key: str
    webhook_secret: str
    connect_webhook_secret: str = ""

    @property
    def webhook_secrets(self) -> tuple[str, ...]:
        """Every secret an event may be signed with, the platform's first."""
        return tuple(s for s in (self.webhook_secret, self.connect_webhook_secret) if s)


def stripe_secrets() -> StripeSecrets:
    """Return Stripe's secrets; from the secret named by PEKEN_STRIPE_SECRET_ARN when set."""
    arn = os.environ.get("PEKEN_STRIPE_SECRET_ARN")
    if not arn:
        return StripeSecrets(
            os.environ.get("PEKEN_STRIPE_SECRET_KEY", "sk_test_local"),
            os.environ.get("PEKEN_STRIPE_WEBHOOK_SECRET", ""),
            os.environ.get("PEKEN_STRIPE_CONNECT_WEBHOOK_SECRET", ""),
        )
    now = time.monotonic()
    if _cache["value"] is None or now - _cache["at"] > CACHE_SECONDS:
        import boto3

        raw = boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
        data = json.loads(raw)
        _cache["value"] = StripeSecrets(
            data["secret_key"], data["webhook_secret"], data.get("connect_webhook_secret", "")
        )
        _cache["at"] = now
    value: StripeSecrets = _cache["value"]
    return value
