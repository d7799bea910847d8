"""Make the local identity provider's signing key, or keep the one the state directory has.

A key that exists is kept: tokens it signed stay valid across a restart on the same
`PEKEN_STATE_DIR` (`infra/local/persistence.py` removes it with the rest of the state when
there is no snapshot to restore, so a fresh stack still gets a fresh key).
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
