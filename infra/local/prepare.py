"""Prepare this process to run the app against an emulator: the one setup step of every local run.

The local stack (`stack.py`), the integration tests and the benchmarks all call
`prepare`: it writes the environment the app reads (AWS endpoint and test credentials,
stage, region, the dev routes, the local issuer's signing key, Stripe's stand-in when there
is one, where business metrics go), creates the stage's tables and queues from
`infra/aws/resources.json` on the given emulator, verifies the SES sender and, when asked,
seeds the demo data. Starting and stopping the emulator and localstripe stay with the
caller, which owns their lifetimes; what differs between callers is a parameter here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from chalicelib.config import BUCKET_ENVS, DEV_ROUTES_ENV, LOCAL_STAGE
from chalicelib.secrets import PSEUDONYM_KEY_ENV
from infra.aws import resources
from infra.local.keys import write_pseudonym_key, write_signing_key
from infra.local.provision import TEST_CREDENTIALS, bucket_names, emulator_client, provision

if TYPE_CHECKING:
    from infra.local.stripe_local import LocalStripe

REGION = "ap-southeast-3"
ACCOUNT = "123456789012"  # moto's default account: its backends are keyed by it
SIGNING_KEY = "signing-key.pem"  # in the state dir: the local issuer's private key
PSEUDONYM_KEY = "pseudonym-key"  # in the state dir: the audit's NIP pseudonym key (a secret on AWS)
# The state dir's key files and their names in a snapshot (infra/local/persistence.py).
KEY_FILES = {"signing_key": SIGNING_KEY, "pseudonym_key": PSEUDONYM_KEY}
WEBHOOK_SECRET_FILE = "stripe-webhook-secret"  # in the state dir, for tests that replay signed webhooks
LOCAL_STRIPE_SECRET_KEY = "sk_test_peken_local"
# Set only when the caller has not set them (Lambda's configuration sets them on AWS).
DEFAULTS = {"POWERTOOLS_SERVICE_NAME": "peken", "POWERTOOLS_METRICS_NAMESPACE": "Peken"}


@dataclass(frozen=True)
class Prepared:
    """What `prepare` made: the signing key, the stage's tables and queues, the environment it wrote."""

    key_path: Path
    tables: list[str]
    queues: dict[str, str]  # queue name -> URL
    environment: dict[str, str]  # the variables prepare wrote or left as the caller had set them
    seeded: dict[str, int] | None = None  # counts of the demo data, when seeded


def environment(endpoint: str, key_path: Path, stage: str = LOCAL_STAGE) -> dict[str, str]:
    """Return the variables that point boto3, PynamoDB and the app at the emulator and the local issuer."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        **TEST_CREDENTIALS,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "PEKEN_STAGE": stage,
        DEV_ROUTES_ENV: "1",  # /v1/dev/* exist on the local stage only (config.dev_routes_enabled)
        "PEKEN_DEV_SIGNING_KEY_PATH": str(key_path),
    }


def prepare(
    state_dir: Path,
    endpoint: str,
    *,
    stage: str = LOCAL_STAGE,
    stripe: LocalStripe | None = None,
    metrics_file: Path | None = None,
    seed: bool = False,
    environ: MutableMapping[str, str] | None = None,
) -> Prepared:
    """Configure the app for the emulator at `endpoint`, create the stage's tables and queues, seed if asked.

    - `state_dir` receives the signing and pseudonym keys (and, with `stripe`, the webhook
      secret); it is created if missing.
    - `stripe`: a started localstripe; the app's Stripe base URL and secrets then point at it.
    - `metrics_file`: where business metrics (EMF) go; left as the environment has it when None.
    - `seed`: write the demo data (`infra/local/seed.py`) through the app's own use cases.
    - `environ`: where the variables go; this process's environment by default. Another mapping
      keeps this process as it is (for a child process to use), and cannot be seeded.
    """
    target = os.environ if environ is None else environ
    if seed and target is not os.environ:
        raise ValueError("seeding runs the app in this process: it needs this process's environment")
    state_dir.mkdir(parents=True, exist_ok=True)
    key_path = write_signing_key(state_dir / SIGNING_KEY)
    variables, defaults = environment(endpoint, key_path, stage), dict(DEFAULTS)
    variables[PSEUDONYM_KEY_ENV] = write_pseudonym_key(state_dir / PSEUDONYM_KEY)
    buckets = bucket_names(resources.load(stage), REGION)
    variables.update({env: buckets[logical] for logical, env in BUCKET_ENVS.items()})
    if stripe is not None:
        variables["PEKEN_STRIPE_API_BASE"] = stripe.url
        variables["PEKEN_STRIPE_WEBHOOK_SECRET"] = stripe.webhook_secret
        defaults["PEKEN_STRIPE_SECRET_KEY"] = LOCAL_STRIPE_SECRET_KEY
        secret_file = state_dir / WEBHOOK_SECRET_FILE  # local-only; it dies with the state dir
        secret_file.write_text(stripe.webhook_secret)
        secret_file.chmod(0o600)
    if metrics_file is not None:
        variables["PEKEN_METRICS_FILE"] = str(metrics_file)
    target.update(variables)
    for name, value in defaults.items():
        target.setdefault(name, value)
    if target is os.environ:
        _forget_cached_settings()
    created = provision(stage, REGION, endpoint)
    _verify_sender(endpoint)
    seeded = None
    if seed:
        from infra.local import seed as demo

        seeded = demo.seed()
    in_force = {name: target[name] for name in (*variables, *defaults)}
    return Prepared(key_path, created["tables"], created["queues"], in_force, seeded)


def _forget_cached_settings() -> None:
    """Drop settings the app cached from an earlier environment (another emulator, another key)."""
    config, auth = sys.modules.get("chalicelib.config"), sys.modules.get("chalicelib.auth")
    if config is not None:
        config.settings.cache_clear()
    if auth is not None:
        auth.key_source.cache_clear()


def _verify_sender(endpoint: str) -> None:
    """Verify the app's From address in the emulator's SES, as the deploy steps do on AWS."""
    from chalicelib.notifications.channels import sender

    emulator_client("ses", REGION, endpoint).verify_email_identity(EmailAddress=sender())
