"""Read every setting from the environment, once, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

LOCAL_STAGE = "local"
UPLOADS_BUCKET_ENV = "PEKEN_UPLOADS_BUCKET"  # the evidence bucket: the template sets it, locally prepare.py
ARCHIVE_BUCKET_ENV = "PEKEN_AUDIT_ARCHIVE_BUCKET"  # the audit archive (object lock): set the same ways
# Each bucket's logical id in infra/aws/resources.json, and the variable that names it to the functions.
BUCKET_ENVS = {"UploadsBucket": UPLOADS_BUCKET_ENV, "AuditArchiveBucket": ARCHIVE_BUCKET_ENV}
DEV_ROUTES_ENV = "PEKEN_DEV_ROUTES"  # set to 1 by the local stack (with stage local) to register /v1/dev/*
# The local stack's two issuers, standing in for the public and the staff user pools.
LOCAL_ISSUER, LOCAL_AUDIENCE = "peken-local", "peken-local-client"
LOCAL_STAFF_ISSUER, LOCAL_STAFF_AUDIENCE = "peken-local-staff", "peken-local-staff-client"


@dataclass(frozen=True)
class Settings:
    """Settings of one deployment, all from environment variables."""

    stage: str
    region: str
    allowed_origins: tuple[str, ...]
    auth_issuer: str  # the public user pool (buyers, sellers)
    auth_audience: str
    auth_jwks_url: str
    staff_auth_issuer: str  # the staff user pool (admins, finance officers; MFA)
    staff_auth_audience: str
    staff_auth_jwks_url: str
    dev_signing_key_path: str
    token_ttl_seconds: int
    stripe_api_base: str
    stripe_timeout_seconds: float = 10.0  # per attempt; the SDK tries twice, well inside the 30 s Lambda
    # What Stripe charges in IDR: the minimum follows the account's settlement currency
    # (USD 0.50 is about Rp8.500), the maximum is 12 digits of minor units.
    stripe_min_charge_idr: int = 5_000
    stripe_max_charge_idr: int = 9_999_999_999
    # A refund Stripe failed is made again after this: a message delay, so at most
    # queues.MAX_DELAY_SECONDS (SQS's longest); the default is that longest delay.
    refund_retry_seconds: int = 900
    # The private bucket evidence photos are posted to (the template names it per account:
    # peken-<stage>-uploads-<account>; the local stack creates the same); `chalicelib.uploads`.
    uploads_bucket: str = ""
    audit_archive_bucket: str = ""

    def resource_name(self, short: str) -> str:
        """Name a table or queue of this stage (the template uses the same rule)."""
        return resource_name(self.stage, short)


def resource_name(stage: str, short: str) -> str:
    """Name a table or queue: `peken-<stage>-<short>`."""
    return f"peken-{stage}-{short}"


def queue_name(short: str) -> str:
    """Name a queue of the current stage (the template uses the same rule)."""
    return resource_name(current_stage(), short)


def stream_arn(short: str) -> str:
    """Stand in for a table's stream ARN in Chalice's decorator (unknown until the table exists).

    The template puts the table's real `StreamArn` in its place (infra/aws/template.py), and
    the local stack reads the table's name from it (infra/local/streams.py).
    """
    return f"arn:aws:dynamodb:{current_region()}:000000000000:table/{queue_name(short)}/stream/latest"


def stream_table(arn: str) -> str:
    """The table a stream ARN (a real one, or `stream_arn`'s) belongs to: `peken-<stage>-audit`."""
    return arn.split(":table/", 1)[1].split("/stream/", 1)[0]


def current_region() -> str:
    """Return the AWS region (Lambda sets AWS_REGION; locally the stack does)."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "ap-southeast-3"


def current_stage() -> str:
    """Return the stage, readable before settings load (queue names need it at import).

    There is no default: a function deployed without its stage fails at once instead of
    taking the local stage (and its dev routes) for granted.
    """
    stage = os.environ.get("PEKEN_STAGE")
    if not stage:
        raise RuntimeError("PEKEN_STAGE is not set: name the stage (local, dev, prod, ...)")
    return stage


def dev_routes_enabled() -> bool:
    """Tell whether the dev-only routes (`/v1/dev/*`) exist: only when the local stack asks for them.

    Both must hold: the stage is `local` and PEKEN_DEV_ROUTES is 1. `make package` refuses
    the local stage, so a deployed API never has these routes, not even as a 404 handler.
    """
    return os.environ.get(DEV_ROUTES_ENV) == "1" and current_stage() == LOCAL_STAGE


@lru_cache(maxsize=1)
def settings() -> Settings:
    """Load settings from the environment (cached; tests clear the cache)."""
    env = os.environ
    stage = current_stage()
    origins = tuple(o.strip() for o in env.get("PEKEN_ALLOWED_ORIGINS", "").split(",") if o.strip())
    return Settings(
        stage=stage,
        region=current_region(),
        allowed_origins=origins,
        auth_issuer=env.get("PEKEN_AUTH_ISSUER", LOCAL_ISSUER),
        auth_audience=env.get("PEKEN_AUTH_AUDIENCE", LOCAL_AUDIENCE),
        auth_jwks_url=env.get("PEKEN_AUTH_JWKS_URL", ""),
        staff_auth_issuer=env.get("PEKEN_STAFF_AUTH_ISSUER", LOCAL_STAFF_ISSUER),
        staff_auth_audience=env.get("PEKEN_STAFF_AUTH_AUDIENCE", LOCAL_STAFF_AUDIENCE),
        staff_auth_jwks_url=env.get("PEKEN_STAFF_AUTH_JWKS_URL", ""),
        dev_signing_key_path=env.get("PEKEN_DEV_SIGNING_KEY_PATH", ""),
        token_ttl_seconds=int(env.get("PEKEN_DEV_TOKEN_TTL_SECONDS", "3600")),
        stripe_api_base=env.get("PEKEN_STRIPE_API_BASE", ""),
        stripe_timeout_seconds=float(env.get("PEKEN_STRIPE_TIMEOUT_SECONDS", "10")),
        stripe_min_charge_idr=int(env.get("PEKEN_STRIPE_MIN_CHARGE_IDR", Settings.stripe_min_charge_idr)),
        stripe_max_charge_idr=int(env.get("PEKEN_STRIPE_MAX_CHARGE_IDR", Settings.stripe_max_charge_idr)),
        refund_retry_seconds=int(env.get("PEKEN_REFUND_RETRY_SECONDS", Settings.refund_retry_seconds)),
        uploads_bucket=env.get(UPLOADS_BUCKET_ENV, ""),
        audit_archive_bucket=env.get(ARCHIVE_BUCKET_ENV, ""),
    )
