"""Read every setting from the environment, once, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

LOCAL_STAGE = "local"


@dataclass(frozen=True)
class Settings:
    """Settings of one deployment, all from environment variables."""

    stage: str
    region: str
    allowed_origins: tuple[str, ...]
    auth_issuer: str
    auth_audience: str
    auth_jwks_url: str
    dev_signing_key_path: str
    token_ttl_seconds: int
    stripe_api_base: str
    stripe_timeout_seconds: float = 10.0  # per attempt; the SDK tries twice, well inside the 30 s Lambda

    @property
    def is_local(self) -> bool:
        """Tell whether this is the local stage, where dev-only routes exist."""
        return self.stage == LOCAL_STAGE

    def resource_name(self, short: str) -> str:
        """Name a table or queue of this stage (the template uses the same rule)."""
        return resource_name(self.stage, short)


def resource_name(stage: str, short: str) -> str:
    """Name a table or queue: `peken-<stage>-<short>`."""
    return f"peken-{stage}-{short}"


def queue_name(short: str) -> str:
    """Name a queue of the current stage (the template uses the same rule)."""
    return resource_name(current_stage(), short)


def current_region() -> str:
    """Return the AWS region (Lambda sets AWS_REGION; locally the stack does)."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "ap-southeast-3"


def current_stage() -> str:
    """Return the stage, readable before settings load (queue names need it at import)."""
    return os.environ.get("PEKEN_STAGE", LOCAL_STAGE)


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
        auth_issuer=env.get("PEKEN_AUTH_ISSUER", "peken-local"),
        auth_audience=env.get("PEKEN_AUTH_AUDIENCE", "peken-local-client"),
        auth_jwks_url=env.get("PEKEN_AUTH_JWKS_URL", ""),
        dev_signing_key_path=env.get("PEKEN_DEV_SIGNING_KEY_PATH", ""),
        token_ttl_seconds=int(env.get("PEKEN_DEV_TOKEN_TTL_SECONDS", "3600")),
        stripe_api_base=env.get("PEKEN_STRIPE_API_BASE", ""),
        stripe_timeout_seconds=float(env.get("PEKEN_STRIPE_TIMEOUT_SECONDS", "10")),
    )
