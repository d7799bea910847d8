"""Upload rules without I/O: the local S3's POST policy check, the S3 grant and its audit, the declared limits."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.uploads.model import MAX_UPLOAD_BYTES, NewUpload
from infra.aws.access import GRANTS
from infra.local import audit
from infra.local.s3_post_policy import Refused, check, signature

SECRET = "testing"
NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
KEY = "uploads/buyer-1/01JDZQ8V6W3X5Y7Z9A1B2C3D4E"


def form(
    conditions: list[Any] | None = None, expires: datetime | None = None, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """A form as boto3's generate_presigned_post signs it, then `extra` fields as a client changes them."""
    credential = "testing/20260301/ap-southeast-3/s3/aws4_request"
    fields = {
        "Content-Type": "image/png",
        "key": KEY,
        "x-amz-algorithm": "AWS4-HMAC-SHA256",
        "x-amz-credential": credential,
        "x-amz-date": "20260301T080000Z",
    }
    signed = [{"Content-Type": "image/png"}, ["content-length-range", 1, 100], {"bucket": "b"}]
    signed += [{k: v} for k, v in fields.items() if k not in ("Content-Type", "key")]
    signed += [{"key": KEY}] if conditions is None else conditions
    policy = {
        "expiration": (expires or NOW + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "conditions": signed,
    }
    encoded = base64.b64encode(json.dumps(policy).encode()).decode()
    sig = signature(SECRET, "20260301", "ap-southeast-3", "s3", encoded)
    return {**fields, "policy": encoded, "x-amz-signature": sig, **(extra or {})}


def refusal(fields: dict[str, str], size: int = 10, bucket: str = "b") -> tuple[int, str]:
    with pytest.raises(Refused) as caught:
        check(fields, bucket, size, NOW, SECRET)
    return caught.value.status, caught.value.code


def test_a_signed_form_within_its_policy_passes() -> None:
    check(form(), "b", 100, NOW, SECRET)
    check(form(extra={"x-ignore-note": "anything"}), "b", 1, NOW, SECRET)


def test_the_policy_conditions_hold() -> None:
    assert refusal(form(extra={"Content-Type": "text/html"})) == (403, "AccessDenied")
    assert refusal(form(extra={"key": "uploads/someone-else/x"})) == (403, "AccessDenied")
    assert refusal(form(), bucket="another-bucket") == (403, "AccessDenied")
    assert refusal(form(), size=101) == (400, "EntityTooLarge")
    assert refusal(form(), size=0) == (400, "EntityTooSmall")
    assert refusal(form(extra={"x-amz-meta-extra": "1"})) == (403, "AccessDenied")  # a field no condition names
    prefix = [["starts-with", "$key", "uploads/buyer-1/"]]
    check(form(prefix, extra={"key": "uploads/buyer-1/another"}), "b", 1, NOW, SECRET)
    assert refusal(form(prefix, extra={"key": "uploads/buyer-2/x"})) == (403, "AccessDenied")


def test_the_signature_and_the_expiry_hold() -> None:
    assert refusal(form(expires=NOW - timedelta(seconds=1))) == (403, "AccessDenied")
    tampered = form()
    tampered["policy"] = form([["starts-with", "$key", ""]])["policy"]  # a looser policy under the old signature
    assert refusal(tampered) == (403, "SignatureDoesNotMatch")
    with pytest.raises(Refused) as caught:
        check(form(), "b", 10, NOW, "another-secret")  # signed with another key
    assert caught.value.code == "SignatureDoesNotMatch"
    unsigned = {"key": KEY, "Content-Type": "image/png"}
    assert refusal(unsigned) == (403, "AccessDenied")


def test_the_declared_upload_is_a_jpeg_or_png_of_at_most_5_mib() -> None:
    assert NewUpload.model_validate({"content_type": "image/jpeg", "size_bytes": MAX_UPLOAD_BYTES}, strict=True)
    for bad in (
        {"content_type": "image/png", "size_bytes": MAX_UPLOAD_BYTES + 1},
        {"content_type": "image/png", "size_bytes": 0},
        {"content_type": "image/webp", "size_bytes": 10},
        {"content_type": "image/png", "size_bytes": 10, "bucket": "x"},
    ):
        with pytest.raises(ValidationError):
            NewUpload.model_validate(bad, strict=True)


def test_s3_calls_are_audited_as_iam_sees_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEKEN_STAGE", "local")
    bucket = {"Bucket": "peken-local-uploads-123456789012", "Key": KEY}
    assert audit.accesses("s3", "HeadObject", bucket) == [("s3:GetObject", "uploads")]
    assert audit.accesses("s3", "CopyObject", bucket) == [("s3:GetObject", "uploads"), ("s3:PutObject", "uploads")]
    api = GRANTS["api_handler"]
    assert api.allows("s3:GetObject", "uploads") and api.allows("s3:PutObject", "uploads")
    assert not api.allows("s3:DeleteObject", "uploads")
    assert not any(g.allows("s3:GetObject", "uploads") for name, g in GRANTS.items() if name != "api_handler")


def test_on_aws_the_browser_posts_to_the_regional_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib import storage
    from chalicelib.config import settings

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)  # as deployed: no emulator
    for name, value in {"AWS_REGION": "ap-southeast-3", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"}.items():
        monkeypatch.setenv(name, value)
    settings.cache_clear()
    storage.client.cache_clear()
    try:
        url = storage.client().generate_presigned_post("peken-dev-uploads-123456789012", KEY)["url"]
    finally:
        settings.cache_clear()
        storage.client.cache_clear()
    # Jakarta opened after 2019: its buckets are not reachable through the global endpoint
    assert url == "https://peken-dev-uploads-123456789012.s3.ap-southeast-3.amazonaws.com/"
