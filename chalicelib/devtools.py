"""Local-stage helpers: issue signed tokens as the local identity provider would."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import Field

from chalicelib.auth import GROUPS, STAFF_GROUPS, LocalKeySource, is_nip, key_source
from chalicelib.bodies import Body, Email, PersonName, Phone
from chalicelib.config import dev_routes_enabled, settings
from chalicelib.errors import NotFound, ValidationFailed
from chalicelib.ids import iso

if TYPE_CHECKING:
    from chalicelib import shapes

LOCAL_KEY_ID = "peken-local-1"


class DevTokenRequest(Body):
    """POST /v1/dev/token."""

    user_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._@:-]+$")
    groups: list[str] = Field(default_factory=list, max_length=len(GROUPS))
    name: PersonName | None = None
    email: Email | None = None
    phone_number: Phone | None = None
    nip: str | None = Field(default=None, max_length=18)


def require_local_stage() -> None:
    """Refuse dev routes where they are not enabled (defence in depth: there they are not even registered)."""
    if not dev_routes_enabled():
        raise NotFound("no such route")


def issue_token(body: DevTokenRequest) -> shapes.DevToken:
    """Sign a JWT with the claims a Cognito ID token carries."""
    require_local_stage()
    bad = [g for g in body.groups if g not in GROUPS]
    if bad:
        raise ValidationFailed.field("groups", f"unknown group {bad[0]!r}; use {', '.join(GROUPS)}")
    if body.nip is not None and not is_nip(body.nip):
        raise ValidationFailed.field("nip", "must be 18 digits")
    source = key_source()
    if not isinstance(source, LocalKeySource):
        raise NotFound("no local issuer")
    cfg = settings()
    now = int(time.time())
    expires = now + cfg.token_ttl_seconds
    staff = bool(set(body.groups) & set(STAFF_GROUPS))  # admins and finance sign in at the staff pool
    claims: dict[str, Any] = {
        "sub": body.user_id,
        "iss": cfg.staff_auth_issuer if staff else cfg.auth_issuer,
        "aud": cfg.staff_auth_audience if staff else cfg.auth_audience,
        "token_use": "id",
        "iat": now,
        "exp": expires,
        "cognito:groups": list(dict.fromkeys(body.groups)),
    }
    for claim, value in (
        ("name", body.name),
        ("email", body.email),
        ("phone_number", body.phone_number),
        ("custom:nip", body.nip),
    ):
        if value is not None:
            claims[claim] = value
    import jwt

    token = jwt.encode(claims, source.private_key, algorithm="RS256", headers={"kid": LOCAL_KEY_ID})
    return {"token": token, "expires_at": iso(datetime.fromtimestamp(expires, UTC))}
