"""Make moto's S3 hold a browser POST upload to its signed policy, as S3 does.

moto 5 stores whatever a POST form sends: it checks neither the signature nor the policy's
expiry or conditions, so a test of "the wrong content type is refused by S3" would pass on
AWS and fail here (or, worse, a test that a bad file gets in would pass here). This patch
checks, before moto stores anything, what S3 checks for a SigV4 POST
(https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html):

- the form carries `policy`, `x-amz-algorithm`, `x-amz-credential`, `x-amz-date` and
  `x-amz-signature`, and the signature is the HMAC chain of the credential's scope over the
  base64 policy, with the secret key the emulator's credentials use (403 `AccessDenied`,
  `SignatureDoesNotMatch`): a private bucket takes no unsigned POST;
- the policy has not expired (403 `AccessDenied`, "Policy expired");
- every condition holds: `{"field": value}` and `["eq", "$field", value]` exact matches,
  `["starts-with", "$field", prefix]`, `["content-length-range", min, max]` on the file's
  size (400 `EntityTooLarge` / `EntityTooSmall`), and every form field but `policy`,
  `x-amz-signature`, `file` and `x-ignore-*` is named by a condition (403 `AccessDenied`).

Cost: none outside the emulator; the check is pure computation on the parsed form.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from infra.local.provision import TEST_CREDENTIALS

UNCONDITIONED = ("policy", "x-amz-signature", "file")
_PATCHED = False


class Refused(Exception):
    """What S3 answers a POST its policy does not allow."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> tuple[int, dict[str, str], str]:
        """The S3 error document."""
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{self.code}</Code><Message>{_xml(self.message)}</Message></Error>"
        )
        return self.status, {"Content-Type": "application/xml"}, body


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def signature(secret_key: str, scope_date: str, region: str, service: str, policy_b64: str) -> str:
    """SigV4 for a POST policy: the signing key of the credential's scope, HMAC over the base64 policy."""

    def mac(key: bytes, text: str) -> bytes:
        return hmac.new(key, text.encode(), hashlib.sha256).digest()

    key = mac(mac(mac(mac(f"AWS4{secret_key}".encode(), scope_date), region), service), "aws4_request")
    return hmac.new(key, policy_b64.encode(), hashlib.sha256).hexdigest()


def check(form: dict[str, str], bucket: str, size: int, now: datetime, secret_key: str) -> None:
    """Raise Refused unless the POST form (field names as sent) is signed and its policy allows it."""
    fields = {name.lower(): value for name, value in form.items()}
    fields["bucket"] = bucket
    policy_b64 = fields.get("policy")
    needed = ("x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature")
    if not policy_b64 or any(name not in fields for name in needed):
        raise Refused(403, "AccessDenied", "Anonymous POST is not allowed on this bucket: sign a policy")
    if fields["x-amz-algorithm"] != "AWS4-HMAC-SHA256":
        raise Refused(400, "InvalidArgument", "only AWS4-HMAC-SHA256 POST policies are emulated")
    parts = fields["x-amz-credential"].split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise Refused(400, "InvalidArgument", "malformed x-amz-credential")
    expected = signature(secret_key, parts[1], parts[2], parts[3], policy_b64)
    if not hmac.compare_digest(expected, fields["x-amz-signature"]):
        raise Refused(403, "SignatureDoesNotMatch", "The request signature we calculated does not match")
    try:
        policy = json.loads(base64.b64decode(policy_b64, validate=True))
        expires = datetime.fromisoformat(str(policy["expiration"]).replace("Z", "+00:00"))
        conditions = list(policy["conditions"])
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise Refused(400, "InvalidPolicyDocument", "Invalid Policy: malformed policy") from exc
    if expires <= now:
        raise Refused(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    named = {"bucket"}
    for condition in conditions:
        named |= _hold(condition, fields, size)
    stray = sorted(
        name for name in fields if name not in named and name not in UNCONDITIONED and not name.startswith("x-ignore-")
    )
    if stray:
        raise Refused(403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {stray[0]}")


def _hold(condition: Any, fields: dict[str, str], size: int) -> set[str]:
    """Check one condition; return the field names it covers."""
    if isinstance(condition, dict) and len(condition) == 1:
        name, value = next(iter(condition.items()))
        condition = ["eq", f"${name}", value]
    if not isinstance(condition, list) or len(condition) != 3:
        raise Refused(400, "InvalidPolicyDocument", f"Invalid Policy: Invalid Condition: {json.dumps(condition)}")
    operator, subject, value = condition
    if operator == "content-length-range":
        if size > int(value):
            raise Refused(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
        if size < int(subject):
            raise Refused(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size")
        return set()
    name = str(subject).removeprefix("$").lower()
    actual = fields.get(name)
    held = actual == value if operator == "eq" else actual is not None and actual.startswith(str(value))
    if operator not in ("eq", "starts-with") or not held:
        failed = json.dumps(condition)
        raise Refused(403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {failed}")
    return {name}


def apply() -> None:
    """Patch moto's S3 POST upload once per process."""
    global _PATCHED
    if _PATCHED:
        return
    from moto.s3.responses import S3Response

    original = S3Response._bucket_response_post

    def bucket_response_post(self: Any, request: Any, bucket_name: str) -> Any:
        if "delete" in (self.querystring or {}) or not self.form_data:
            return original(self, request, bucket_name)  # DeleteObjects and the SDK's own calls
        form = {name: value for name, value in self.form_data.items()}
        body = self.raw_body if isinstance(self.raw_body, bytes) else str(self.raw_body or "").encode()
        try:
            check(form, bucket_name, len(body), datetime.now(UTC), TEST_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
        except Refused as refused:
            return refused.response()
        return original(self, request, bucket_name)

    S3Response._bucket_response_post = bucket_response_post  # type: ignore[method-assign]
    _PATCHED = True
