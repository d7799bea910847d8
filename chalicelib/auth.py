"""Verify JWTs and say who is calling: signature, expiry, issuer and audience, in every stage.

Two issuers are trusted: the public user pool (buyers and sellers sign up there) and the
staff user pool (admins and finance officers, created by an admin, MFA required). A token's
groups count only if its issuer may grant them: `admin` and `finance` come from the staff
pool alone, so no public sign-up can ever hold them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeGuard

from chalicelib.config import settings
from chalicelib.errors import Forbidden, Unauthorized

PUBLIC_GROUPS = ("buyer", "seller")
STAFF_GROUPS = ("admin", "finance")
GROUPS = PUBLIC_GROUPS + STAFF_GROUPS
ALGORITHMS = ["RS256"]
LEEWAY_SECONDS = 30
# A civil servant's NIP: 18 ASCII digits (\d takes any script). The one definition: the token's
# claim, the roster row (chalicelib.spending.model, hence the API document) and dev tokens use it. It
# lives here, not in the spending domain, because this module must not import pydantic (it is on
# every request's path, `GET /v1/health` too). `$` is the end of the text for JSON Schema and for
# pydantic (Rust regex); Python's `re` lets `$` match before a final newline, so use `is_nip`.
NIP_PATTERN = r"^[0-9]{18}$"


def is_nip(value: object) -> TypeGuard[str]:
    """Tell whether a value is a NIP: 18 ASCII digits and nothing else (no final newline either)."""
    return isinstance(value, str) and re.fullmatch(NIP_PATTERN, value) is not None


@dataclass(frozen=True)
class Principal:
    """The signed-in caller, as the verified token describes them."""

    user_id: str
    groups: tuple[str, ...]
    nip: str | None = None
    name: str | None = None
    email: str | None = None
    phone_number: str | None = None

    def has(self, group: str) -> bool:
        """Tell whether the caller belongs to a group."""
        return group in self.groups

    def require(self, *groups: str) -> Principal:
        """Raise 403 unless the caller is in one of the groups."""
        if not any(g in self.groups for g in groups):
            raise Forbidden(f"requires group: {' or '.join(groups)}")
        return self


class KeySource:
    """Find the public key that signed a token."""

    def key_for(self, token: str) -> Any:
        """Return the verification key for this token's `kid`."""
        raise NotImplementedError


class LocalKeySource(KeySource):
    """The local issuer's key pair, read from a PEM file the local stack writes."""

    def __init__(self, pem_path: str) -> None:
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        with open(pem_path, "rb") as fh:
            key = load_pem_private_key(fh.read(), password=None)
        if not isinstance(key, RSAPrivateKey):
            raise TypeError("the local signing key must be RSA")
        self.private_key: RSAPrivateKey = key
        self.public_key = key.public_key()

    def key_for(self, token: str) -> Any:
        return self.public_key


class JwksKeySource(KeySource):
    """The Cognito user pool's published keys, fetched once per container and cached."""

    def __init__(self, url: str) -> None:
        import jwt

        self.client = jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=5)

    def key_for(self, token: str) -> Any:
        import jwt

        try:
            return self.client.get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientError as exc:
            raise Unauthorized("token signed by an unknown key") from exc


@dataclass(frozen=True)
class Issuer:
    """A trusted token issuer (a user pool): its name, app client, key set and the groups it may grant."""

    name: str
    audience: str
    jwks_url: str
    grants: tuple[str, ...]


def issuers() -> dict[str, Issuer]:
    """The trusted issuers by name: the public pool grants buyer and seller; the staff pool, staff and those."""
    cfg = settings()
    return {
        cfg.auth_issuer: Issuer(cfg.auth_issuer, cfg.auth_audience, cfg.auth_jwks_url, PUBLIC_GROUPS),
        cfg.staff_auth_issuer: Issuer(cfg.staff_auth_issuer, cfg.staff_auth_audience, cfg.staff_auth_jwks_url, GROUPS),
    }


@lru_cache(maxsize=4)
def key_source(jwks_url: str = "") -> KeySource:
    """Pick the key source of an issuer: its published keys, or the local stack's key when it has none."""
    if jwks_url:
        return JwksKeySource(jwks_url)
    if settings().dev_signing_key_path:
        return LocalKeySource(settings().dev_signing_key_path)
    raise Unauthorized("no token issuer is configured")


def verify_token(token: str) -> Principal:
    """Verify a JWT against its (trusted) issuer and turn its claims into a Principal, or raise 401."""
    import jwt  # with cryptography, ~80 ms: only requests that carry a token pay for it

    try:
        claimed = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError as exc:
        raise Unauthorized("invalid token") from exc
    issuer = issuers().get(claimed) if isinstance(claimed, str) else None
    if issuer is None:
        raise Unauthorized("invalid token")
    try:
        claims = jwt.decode(
            token,
            key=key_source(issuer.jwks_url).key_for(token),
            algorithms=ALGORITHMS,
            issuer=issuer.name,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "sub"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("token expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("invalid token") from exc
    _check_client(claims, issuer.audience)
    return principal_from_claims(claims, issuer.grants)


def _check_client(claims: Mapping[str, Any], client_id: str) -> None:
    """Accept Cognito ID tokens (`aud`) and access tokens (`client_id`) of our app client only."""
    aud = claims.get("aud", claims.get("client_id"))
    audiences = aud if isinstance(aud, list) else [aud]
    if client_id not in audiences:
        raise Unauthorized("token issued for another client")
    if claims.get("token_use", "id") not in ("id", "access"):
        raise Unauthorized("unsupported token use")


def principal_from_claims(claims: Mapping[str, Any], grantable: tuple[str, ...] = GROUPS) -> Principal:
    """Read the claims API.md names into a Principal, keeping only the groups its issuer may grant."""
    raw_groups = claims.get("cognito:groups") or []
    if not isinstance(raw_groups, list):
        raise Unauthorized("malformed groups claim")
    nip = claims.get("custom:nip")
    return Principal(
        user_id=str(claims["sub"]),
        groups=tuple(g for g in raw_groups if g in grantable),
        nip=nip if is_nip(nip) else None,
        name=_str_or_none(claims.get("name")),
        email=_str_or_none(claims.get("email")),
        phone_number=_str_or_none(claims.get("phone_number")),
    )


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """Extract the bearer token from an Authorization header, if any."""
    value = headers.get("authorization")
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization must be 'Bearer <token>'")
    return token.strip()
