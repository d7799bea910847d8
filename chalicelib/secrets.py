"""Fetch secrets from configuration: Secrets Manager on AWS (cached), the environment locally."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any

CACHE_SECONDS = 300.0
_cache: dict[str, tuple[float, Any]] = {}  # secret ARN -> (when fetched, its value)
PSEUDONYM_SECRET_ENV = "PEKEN_PSEUDONYM_SECRET_ARN"  # on AWS: a secret the template generates
PSEUDONYM_KEY_ENV = "PEKEN_PSEUDONYM_KEY"  # locally: the key itself (the local stack keeps one per state dir)


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
    data = json.loads(_secret_string(arn))
    return StripeSecrets(data["secret_key"], data["webhook_secret"], data.get("connect_webhook_secret", ""))


def pseudonym_key() -> bytes:
    """The key of the NIP pseudonyms the audit trail files roster rows under (HMAC-SHA256).

    A NIP is 18 structured digits (birth date, start date, sex, number), so an unkeyed hash
    of one could be reversed by trying the candidates; without the key it cannot. On AWS the
    key is a secret the template generates (never in the code or the environment).
    """
    arn = os.environ.get(PSEUDONYM_SECRET_ENV)
    key = _secret_string(arn) if arn else os.environ.get(PSEUDONYM_KEY_ENV, "")
    if not key:
        raise RuntimeError(f"set {PSEUDONYM_SECRET_ENV} (AWS) or {PSEUDONYM_KEY_ENV} (local): the audit pseudonym key")
    return key.encode()


def _secret_string(arn: str) -> str:
    """A secret's value from Secrets Manager, cached for CACHE_SECONDS (one GetSecretValue per fetch)."""
    now = time.monotonic()
    fetched = _cache.get(arn)
    if fetched is None or now - fetched[0] > CACHE_SECONDS:
        import boto3

        fetched = (now, boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])
        _cache[arn] = fetched
    return str(fetched[1])
