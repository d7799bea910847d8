"""Make the local identity provider's signing key."""

from __future__ import annotations

from pathlib import Path


def write_signing_key(path: Path) -> Path:
    """Generate an RSA key and write it as PEM, readable only by us."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.write_bytes(pem)
    path.chmod(0o600)
    return path
