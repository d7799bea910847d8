"""Claiming evidence uploads (what disputes call): only the caller's own, arrived as declared, copied out of reach.

The app runs in-process against the emulator; the photo goes to the emulator's S3 with the
presigned POST, as a browser sends it. A file that slipped past the policy (written here
straight into the bucket, as a looser policy or a bug would let it) is still refused by the
claim's own check, and so is one whose bytes are not the image its label says (S3 checks
only the label).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import requests
from chalice.test import Client

from chalicelib.auth import Principal
from chalicelib.config import settings
from chalicelib.errors import ValidationFailed
from chalicelib.uploads import service as uploads
from chalicelib.uploads.tables import UploadRecord
from infra.local.prepare import REGION
from infra.local.provision import emulator_client
from tests.integration.conftest import bearer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 56


def someone() -> Principal:
    return Principal(user_id=f"buyer-{uuid.uuid4().hex[:10]}", groups=("buyer",))


def ticket(client: Client, aws: dict[str, Any], who: Principal, size: int = len(PNG)) -> dict[str, Any]:
    answer = client.http.post(
        "/v1/uploads",
        headers=bearer(aws["key_path"], who.user_id),
        body=json.dumps({"content_type": "image/png", "size_bytes": size}),
    )
    assert answer.status_code == 201, answer.body
    return dict(json.loads(answer.body))


def posted(client: Client, aws: dict[str, Any], who: Principal, content: bytes = PNG) -> dict[str, Any]:
    made = ticket(client, aws, who)
    sent = requests.post(made["url"], data=made["fields"], files={"file": ("p.png", content, "image/png")}, timeout=10)
    assert sent.status_code == 204, sent.text
    return made


def s3(aws: dict[str, Any]) -> Any:
    return emulator_client("s3", REGION, aws["emulator"].url)


def refused_field(who: Principal, ids: list[str]) -> str:
    with pytest.raises(ValidationFailed) as caught:
        uploads.claim(who, ids)
    return str(caught.value.details["field"])


def test_a_claim_copies_the_photo_out_of_the_owners_reach(client: Client, aws: dict[str, Any]) -> None:
    buyer = someone()
    made = posted(client, aws, buyer)
    [claimed] = uploads.claim(buyer, [made["upload_id"]])
    assert claimed.status == "claimed" and claimed.owner_id == buyer.user_id
    assert claimed.key.startswith("evidence/") and claimed.key.endswith(made["upload_id"])
    assert claimed.size_bytes == len(PNG) and claimed.content_type == "image/png"
    # the owner posts again with the same (still valid) policy: the evidence does not change
    again = requests.post(made["url"], data=made["fields"], files={"file": ("p.png", b"x", "image/png")}, timeout=10)
    assert again.status_code == 204
    downloaded = requests.get(uploads.download_url(claimed), timeout=10)
    assert downloaded.status_code == 200 and downloaded.content == PNG
    assert downloaded.headers["Content-Type"] == "image/png"
    record = UploadRecord.get(made["upload_id"], consistent_read=True)
    assert record.status == "claimed" and record.expires_at is None  # no TTL once it is evidence
    assert uploads.claim(buyer, [made["upload_id"]]) == [claimed]  # a retried dispute gets the same


def test_someone_elses_upload_cannot_be_claimed(client: Client, aws: dict[str, Any]) -> None:
    owner, thief = someone(), someone()
    made = posted(client, aws, owner)
    assert refused_field(thief, [made["upload_id"]]) == "evidence.0"
    assert UploadRecord.get(made["upload_id"], consistent_read=True).status == "pending"


def test_unknown_missing_and_repeated_ids_are_refused_naming_the_field(client: Client, aws: dict[str, Any]) -> None:
    buyer = someone()
    arrived = posted(client, aws, buyer)
    never_posted = ticket(client, aws, buyer)
    assert refused_field(buyer, [arrived["upload_id"], "01JDZQ8V6W3X5Y7Z9A1B2C3D4E"]) == "evidence.1"
    assert refused_field(buyer, [arrived["upload_id"], never_posted["upload_id"]]) == "evidence.1"
    assert refused_field(buyer, [arrived["upload_id"], arrived["upload_id"]]) == "evidence"
    # nothing was claimed by a list that failed
    assert UploadRecord.get(arrived["upload_id"], consistent_read=True).status == "pending"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(b"<html>not a photo</html>", "text/html"), (PNG + b"\x00" * 4096, "image/png")],
    ids=["another type", "larger than declared"],
)
def test_a_file_that_slipped_past_the_policy_is_refused_at_claim(
    client: Client, aws: dict[str, Any], content: bytes, content_type: str
) -> None:
    buyer = someone()
    made = ticket(client, aws, buyer)
    bucket = settings().uploads_bucket
    s3(aws).put_object(Bucket=bucket, Key=made["fields"]["key"], Body=content, ContentType=content_type)
    assert refused_field(buyer, [made["upload_id"]]) == "evidence.0"


def test_uploads_go_under_the_callers_own_prefix(client: Client, aws: dict[str, Any]) -> None:
    odd = Principal(user_id="a/../b", groups=("buyer",))
    made = ticket(client, aws, odd)
    assert made["fields"]["key"] == f"uploads/a%2F..%2Fb/{made['upload_id']}"  # a user id cannot leave its prefix


def test_a_file_that_is_not_the_declared_kind_is_refused_at_claim(client: Client, aws: dict[str, Any]) -> None:
    buyer = someone()
    made = posted(client, aws, buyer, b"<svg onload=alert(1)>".ljust(len(PNG)))  # labelled image/png: S3 takes it
    assert refused_field(buyer, [made["upload_id"]]) == "evidence.0"
    jpeg_as_png = posted(client, aws, buyer, b"\xff\xd8\xff\xe0" + PNG[4:])
    assert refused_field(buyer, [jpeg_as_png["upload_id"]]) == "evidence.0"
