"""Evidence uploads: a presigned S3 POST whose policy, not only our check, holds the file to what was declared.

The browser posts the photo straight to the private bucket (locally: the emulator's S3,
which holds a POST to its policy as S3 does, `infra/local/s3_post_policy.py`). What the
policy pins: the exact key under the caller's own prefix, the exact content type, a size of
1 byte up to the declared `size_bytes`, and a 10-minute expiry.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.e2e.conftest import RunningStack
from tests.e2e.shop import Shop
from tests.helpers import error_of

TIMEOUT = 30
MIB = 1024 * 1024


def png(width: int = 2, height: int = 2) -> bytes:
    """A small valid PNG (grey pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def shop(stack: RunningStack) -> Shop:
    return Shop(stack)


def ticket(shop: Shop, user: dict[str, str], content_type: str = "image/png", size: int = 1024) -> dict[str, Any]:
    answer = shop.call("POST", "/v1/uploads", user, {"content_type": content_type, "size_bytes": size})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def post(ticket: dict[str, Any], content: bytes, content_type: str = "image/png", **fields: str) -> requests.Response:
    """POST the form as a browser does: the fields (some overridden), then the file, last."""
    form = {**ticket["fields"], **fields}
    return requests.post(ticket["url"], data=form, files={"file": ("bukti", content, content_type)}, timeout=TIMEOUT)


def policy_of(ticket: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(base64.b64decode(ticket["fields"]["policy"])))


def test_a_buyer_posts_a_photo_straight_to_the_bucket(shop: Shop) -> None:
    buyer = shop.user("buyer")
    photo = png()
    answer = ticket(shop, buyer, "image/png", len(photo))
    assert urlsplit(answer["url"]).hostname == "127.0.0.1"  # the local stack's S3, reachable from here
    expires = datetime.fromisoformat(answer["expires_at"].replace("Z", "+00:00"))
    assert timedelta(minutes=9) < expires - datetime.now(UTC) <= timedelta(minutes=10, seconds=5)
    uploaded = post(answer, photo)
    assert uploaded.status_code in (201, 204), uploaded.text
    again = ticket(shop, buyer, "image/jpeg", 5 * MIB)  # the largest allowed
    assert again["upload_id"] != answer["upload_id"]


def test_the_policy_pins_the_key_the_type_the_size_and_a_short_expiry(shop: Shop) -> None:
    buyer = shop.user("buyer")
    answer = ticket(shop, buyer, "image/jpeg", 4000)
    policy = policy_of(answer)
    conditions = policy["conditions"]
    key = answer["fields"]["key"]
    assert key.startswith("uploads/") and key.endswith(f"/{answer['upload_id']}")
    assert {"key": key} in conditions  # exact: no other key, no other user's prefix
    assert {"Content-Type": "image/jpeg"} in conditions and answer["fields"]["Content-Type"] == "image/jpeg"
    assert ["content-length-range", 1, 4000] in conditions
    expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert expiration - datetime.now(UTC) <= timedelta(minutes=10, seconds=5)
    other = ticket(shop, shop.user("buyer"))
    assert other["fields"]["key"].rsplit("/", 2)[1] != key.rsplit("/", 2)[1]  # one prefix per user


def test_s3_refuses_another_content_type_than_declared(shop: Shop) -> None:
    answer = ticket(shop, shop.user("buyer"), "image/png", 1024)
    refused = post(answer, b"<html><script>alert(1)</script></html>", "text/html", **{"Content-Type": "text/html"})
    assert refused.status_code == 403, refused.text
    assert "<Code>AccessDenied</Code>" in refused.text and "Content-Type" in refused.text


def test_s3_refuses_a_file_larger_than_declared(shop: Shop) -> None:
    answer = ticket(shop, shop.user("buyer"), "image/png", 100)
    refused = post(answer, png(64, 64) + b"\x00" * 200)
    assert refused.status_code == 400, refused.text
    assert "<Code>EntityTooLarge</Code>" in refused.text


def test_s3_refuses_a_key_outside_the_signed_one(shop: Shop) -> None:
    mine = ticket(shop, shop.user("buyer"))
    theirs = ticket(shop, shop.user("buyer"))
    refused = post(mine, png(), key=theirs["fields"]["key"])  # overwrite another user's upload
    assert refused.status_code == 403, refused.text
    refused = post(mine, png(), policy=theirs["fields"]["policy"])  # a policy signed for someone else
    assert refused.status_code == 403, refused.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content_type": "image/png", "size_bytes": 5 * MIB + 1}, "size_bytes"),
        ({"content_type": "image/png", "size_bytes": 0}, "size_bytes"),
        ({"content_type": "image/png", "size_bytes": "1024"}, "size_bytes"),
        ({"content_type": "image/gif", "size_bytes": 1024}, "content_type"),
        ({"content_type": "text/html", "size_bytes": 1024}, "content_type"),
        ({"size_bytes": 1024}, "content_type"),
        ({"content_type": "image/png", "size_bytes": 1024, "key": "uploads/x/y"}, "key"),
    ],
)
def test_bad_declarations_are_refused_naming_the_field(shop: Shop, body: dict[str, Any], field: str) -> None:
    answer = shop.call("POST", "/v1/uploads", shop.user("buyer"), body)
    assert answer.status_code == 422, answer.text
    error = error_of(answer.json())
    assert error["code"] == "validation_error"
    assert error["details"]["field"] == field


def test_signing_in_is_required(shop: Shop) -> None:
    answer = shop.call("POST", "/v1/uploads", None, {"content_type": "image/png", "size_bytes": 10})
    assert answer.status_code == 401
