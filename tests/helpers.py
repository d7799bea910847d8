"""Helpers shared by the test tiers: tokens signed like the local issuer's, and forged ones."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.auth import STAFF_GROUPS
from chalicelib.config import LOCAL_AUDIENCE as AUDIENCE
from chalicelib.config import LOCAL_ISSUER as ISSUER
from chalicelib.config import LOCAL_STAFF_AUDIENCE as STAFF_AUDIENCE
from chalicelib.config import LOCAL_STAFF_ISSUER as STAFF_ISSUER
from infra.local.keys import write_signing_key


def load_key(path: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def new_key(tmp: Path, name: str = "key.pem") -> Path:
    return write_signing_key(tmp / name)


def sign(key: rsa.RSAPrivateKey, **overrides: Any) -> str:
    """Sign a token with the local issuer's claims, any of which a test may override or drop (None).

    Admins and finance officers get the staff issuer's token, as they sign in at the staff pool.
    """
    now = int(time.time())
    staff = bool(set(overrides.get("cognito:groups") or []) & set(STAFF_GROUPS))
    claims: dict[str, Any] = {
        "sub": "user-1",
        "iss": STAFF_ISSUER if staff else ISSUER,
        "aud": STAFF_AUDIENCE if staff else AUDIENCE,
        "token_use": "id",
        "iat": now,
        "exp": now + 600,
        "cognito:groups": ["buyer"],
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm="RS256")


def unsigned(**overrides: Any) -> str:
    """Make an `alg: none` token carrying otherwise valid claims."""
    now = int(time.time())
    claims = {
        "sub": "user-1",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 600,
        "cognito:groups": ["admin"],
        **overrides,
    }
    return jwt.encode(claims, key="", algorithm="none")


def tamper(token: str) -> str:
    """Change the payload of a signed token without re-signing it."""
    import base64
    import json

    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["cognito:groups"] = ["admin"]
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"{header}.{forged}.{signature}"


def error_of(body: Any) -> dict[str, Any]:
    """Return the error object of an API.md error body, asserting its shape."""
    assert isinstance(body, dict) and set(body) == {"error"}, body
    err = body["error"]
    assert set(err) == {"code", "message", "details"}, err
    assert isinstance(err["code"], str) and isinstance(err["message"], str) and isinstance(err["details"], dict)
    return err


class CallCounter:
    """Count AWS API calls (by operation) this thread makes through botocore, e.g. Query vs Scan."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.services: list[str] = []
        self.items_read = 0
        self.seconds = 0.0  # time spent inside AWS calls (the emulator and the wire)

    def __enter__(self) -> CallCounter:
        import botocore.client

        client_class: Any = botocore.client.BaseClient
        self._original = client_class._make_api_call
        counter = self
        import threading

        mine = threading.get_ident()

        def counting(client: Any, operation: str, params: dict[str, Any]) -> Any:
            import time

            if threading.get_ident() != mine:
                return counter._original(client, operation, params)
            counter.calls.append(operation)
            counter.services.append(client.meta.service_model.service_name)
            started = time.perf_counter()
            try:
                result = counter._original(client, operation, params)
            finally:
                counter.seconds += time.perf_counter() - started
            if isinstance(result, dict):
                counter.items_read += int(result.get("ScannedCount", result.get("Count", 0)) or 0)
                for items in (result.get("Responses") or {}).values():
                    counter.items_read += len(items)
            return result

        client_class._make_api_call = counting
        return self

    def __exit__(self, *exc: object) -> None:
        import botocore.client

        client_class: Any = botocore.client.BaseClient
        client_class._make_api_call = self._original
