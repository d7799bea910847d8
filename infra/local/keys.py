"""Make the local stack's keys, or keep those the state directory has.

The identity provider's signing key, and the audit's pseudonym key (a secret on AWS).

A key that exists is kept: tokens it signed (and pseudonyms it made) stay valid across a
restart on the same `PEKEN_STATE_DIR` (`infra/local/persistence.py` removes the keys with
the rest of the state when there is no snapshot to restore, so a fresh stack gets fresh keys).
"""

from __future__ import annotations

from pathlib import Path


def write_signing_key(path: Path) -> Path:
    """Generate an RSA key and write it as PEM, readable only by us; keep a key already there."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    if path.exists() and b"PRIVATE KEY" in path.read_bytes():
        return path
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.write_bytes(pem)
    path.chmod(0o600)
    return path


def write_pseudonym_key(path: Path) -> str:
    """Generate the audit's pseudonym key (256 random bits, hex) readable only by us; keep one already there."""
    import secrets

    if path.exists() and len(path.read_text().strip()) >= 32:
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
