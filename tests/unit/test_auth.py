from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib import auth, config
from chalicelib.config import LOCAL_AUDIENCE, LOCAL_ISSUER
from chalicelib.errors import Forbidden, Unauthorized
from tests.helpers import load_key, new_key, sign, tamper, unsigned


@pytest.fixture()
def key_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = new_key(tmp_path)
    monkeypatch.setenv("PEKEN_DEV_SIGNING_KEY_PATH", str(path))
    monkeypatch.delenv("PEKEN_AUTH_JWKS_URL", raising=False)
    config.settings.cache_clear()
    auth.key_source.cache_clear()
    yield path
    config.settings.cache_clear()
    auth.key_source.cache_clear()


def test_valid_token_gives_principal_with_claims(key_path: Path) -> None:
    token = sign(
        load_key(key_path),
        sub="asn-7",
        **{"cognito:groups": ["buyer", "seller", "root"], "custom:nip": "198501012010011001", "name": "Budi"},
    )
    who = auth.verify_token(token)
    assert who.user_id == "asn-7"
    assert who.groups == ("buyer", "seller")  # unknown groups are dropped
    assert who.nip == "198501012010011001"
    assert who.name == "Budi"


def test_malformed_nip_claim_is_ignored(key_path: Path) -> None:
    who = auth.verify_token(sign(load_key(key_path), **{"custom:nip": "12345"}))
    assert who.nip is None


@pytest.mark.parametrize(
    "overrides, reason",
    [
        ({"exp": 1_000_000}, "token expired"),
        ({"iss": "https://evil.example"}, "invalid token"),
        ({"aud": "another-client"}, "token issued for another client"),
        ({"exp": None}, "invalid token"),
        ({"sub": None}, "invalid token"),
        ({"token_use": "refresh"}, "unsupported token use"),
    ],
)
def test_bad_claims_are_rejected(key_path: Path, overrides: dict[str, object], reason: str) -> None:
    with pytest.raises(Unauthorized) as caught:
        auth.verify_token(sign(load_key(key_path), **overrides))
    assert caught.value.message == reason


def test_token_signed_by_another_key_is_rejected(key_path: Path, tmp_path: Path) -> None:
    other = load_key(new_key(tmp_path, "other.pem"))
    with pytest.raises(Unauthorized):
        auth.verify_token(sign(other))


def test_unsigned_and_tampered_tokens_are_rejected(key_path: Path) -> None:
    with pytest.raises(Unauthorized):
        auth.verify_token(unsigned())
    with pytest.raises(Unauthorized):
        auth.verify_token(tamper(sign(load_key(key_path))))


def test_hmac_token_keyed_with_public_key_is_rejected(key_path: Path) -> None:
    # The algorithm-confusion attack: HS256 signed with the public key's PEM.
    from cryptography.hazmat.primitives import serialization

    public_pem = (
        load_key(key_path)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    # PyJWT refuses to sign HS256 with a PEM key, so build the token by hand.
    with pytest.raises(Unauthorized):
        auth.verify_token(_hs256(public_pem))


def _hs256(secret: bytes) -> str:
    import base64
    import hashlib
    import hmac
    import json

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64(
        json.dumps(
            {
                "sub": "x",
                "iss": "peken-local",
                "aud": "peken-local-client",
                "iat": 1,
                "exp": 2**40,
                "cognito:groups": ["admin"],
            }
        ).encode()
    )
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


def test_bearer_header_parsing() -> None:
    assert auth.bearer_token({}) is None
    assert auth.bearer_token({"authorization": "Bearer abc"}) == "abc"
    with pytest.raises(Unauthorized):
        auth.bearer_token({"authorization": "Basic abc"})
    with pytest.raises(Unauthorized):
        auth.bearer_token({"authorization": "Bearer "})


def test_require_group() -> None:
    who = auth.Principal("u", ("buyer",))
    assert who.require("buyer", "admin") is who
    with pytest.raises(Forbidden):
        who.require("admin")


@pytest.fixture()
def jwks_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    """Serve a Cognito-style JWKS document on loopback, as the user pool publishes it."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from jwt.algorithms import RSAAlgorithm

    key = load_key(new_key(tmp_path, "pool.pem"))
    jwk = {**RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": "pool-key-1", "alg": "RS256", "use": "sig"}
    document = json.dumps({"keys": [jwk]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/pool/.well-known/jwks.json"
    monkeypatch.setenv("PEKEN_AUTH_JWKS_URL", url)
    monkeypatch.setenv("PEKEN_AUTH_ISSUER", "https://cognito-idp.example/pool")
    monkeypatch.setenv("PEKEN_AUTH_AUDIENCE", "app-client")
    monkeypatch.setenv("PEKEN_STAFF_AUTH_JWKS_URL", url.replace("/pool/", "/staff/"))
    monkeypatch.setenv("PEKEN_STAFF_AUTH_ISSUER", "https://cognito-idp.example/staff")
    monkeypatch.setenv("PEKEN_STAFF_AUTH_AUDIENCE", "staff-client")
    monkeypatch.delenv("PEKEN_DEV_SIGNING_KEY_PATH", raising=False)
    config.settings.cache_clear()
    auth.key_source.cache_clear()
    yield key, url
    server.shutdown()
    config.settings.cache_clear()
    auth.key_source.cache_clear()


def test_cognito_tokens_verify_against_the_pool_keys(jwks_server: tuple[Any, str]) -> None:
    import jwt

    key, _ = jwks_server
    claims = {
        "sub": "c-1",
        "iss": "https://cognito-idp.example/pool",
        "aud": "app-client",
        "token_use": "id",
        "iat": 1,
        "exp": 2**40,
        "cognito:groups": ["admin"],
    }
    good = jwt.encode({**claims, "cognito:groups": ["buyer"]}, key, algorithm="RS256", headers={"kid": "pool-key-1"})
    assert auth.verify_token(good).groups == ("buyer",)
    unknown_kid = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "rotated-away"})
    with pytest.raises(Unauthorized):
        auth.verify_token(unknown_kid)
    with pytest.raises(Unauthorized):
        auth.verify_token(
            jwt.encode({**claims, "iss": "peken-local"}, key, algorithm="RS256", headers={"kid": "pool-key-1"})
        )


def test_staff_groups_come_from_the_staff_pool_only(jwks_server: tuple[Any, str]) -> None:
    import jwt

    key, _ = jwks_server
    claims = {"sub": "s-1", "token_use": "id", "iat": 1, "exp": 2**40, "cognito:groups": ["admin", "finance", "buyer"]}

    def token(issuer: str, audience: str) -> str:
        return jwt.encode(
            {**claims, "iss": issuer, "aud": audience}, key, algorithm="RS256", headers={"kid": "pool-key-1"}
        )

    public = auth.verify_token(token("https://cognito-idp.example/pool", "app-client"))
    assert public.groups == ("buyer",)  # a public sign-up that claims admin is a buyer, nothing more
    with pytest.raises(Forbidden):
        public.require("admin", "finance")
    staff = auth.verify_token(token("https://cognito-idp.example/staff", "staff-client"))
    assert staff.groups == ("admin", "finance", "buyer")
    with pytest.raises(Unauthorized) as caught:
        auth.verify_token(token("https://cognito-idp.example/staff", "app-client"))
    assert caught.value.message == "token issued for another client"
    with pytest.raises(Unauthorized):
        auth.verify_token(token("https://cognito-idp.example/other-pool", "app-client"))


def test_a_local_public_token_cannot_grant_staff_groups(key_path: Path) -> None:
    forged = sign(load_key(key_path), **{"cognito:groups": ["admin"], "iss": LOCAL_ISSUER, "aud": LOCAL_AUDIENCE})
    assert auth.verify_token(forged).groups == ()
    assert auth.verify_token(sign(load_key(key_path), **{"cognito:groups": ["admin"]})).groups == ("admin",)
