"""Evidence uploads: sign a browser's POST to the private bucket, then check and claim what arrived.

Invariants:
- a user posts only under their own prefix (`uploads/<user>/<upload_id>`): the POST policy
  pins the exact key, the exact content type and a size of 1 byte up to the declared
  `size_bytes` (at most 5 MiB), and expires after 10 minutes. S3 refuses anything else
  (the local stack's S3 does too: `infra/local/s3_post_policy.py`); the API never sees the bytes.
- `claim` (for disputes) takes only the caller's own uploads that arrived as declared: it
  reads the object's head and first bytes again (type, size, and the file's own PNG/JPEG
  signature, which no policy can check),
  then copies it to `evidence/<user>/<upload_id>`, which no presigned POST can reach, so the
  owner cannot replace evidence once it is claimed. Unknown, foreign, missing or mismatched
  ids answer 422 naming the field (an id's owner is never revealed: foreign reads as unknown).
- unclaimed uploads vanish after model.UNCLAIMED_DAYS: the object by the bucket's lifecycle
  rule on `uploads/`, the record by its TTL. Claimed ones stay under `evidence/` (730 days).

Cost: `create` one PutItem (the signature is computed locally, no S3 call); `claim` of n
ids one BatchGetItem, then for each pending one a ranged GetObject (16 bytes), a CopyObject and one
conditional UpdateItem (a claimed one costs nothing more); `download_url` nothing but local
signing. The API's role may read and write objects under `uploads/` and `evidence/` only
(infra/aws/access.py): a presigned POST acts with its signer's rights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote

from pynamodb.exceptions import UpdateError

from chalicelib import storage
from chalicelib.errors import ValidationFailed, condition_failed
from chalicelib.ids import iso, new_id, utcnow
from chalicelib.uploads import model
from chalicelib.uploads.tables import UploadRecord

if TYPE_CHECKING:
    from chalicelib import shapes
    from chalicelib.auth import Principal

BATCH_GET_LIMIT = 100  # DynamoDB's most keys in one BatchGetItem


@dataclass(frozen=True)
class Upload:
    """An upload as disputes see it: whose it is, where it lives now, what it is."""

    upload_id: str
    owner_id: str
    key: str  # the object's key now: evidence/... once claimed, uploads/... before
    content_type: str
    size_bytes: int  # declared; once claimed, what S3 holds
    created_at: str
    status: model.UploadStatus


def _prefix(user_id: str) -> str:
    """The user's own part of a key (ids are quoted, so no id reaches into another's prefix)."""
    return quote(user_id, safe="-_.")


def create(principal: Principal, body: model.NewUpload) -> shapes.PresignedUpload:
    """Sign a POST of one photo to the caller's prefix; record it as pending. One PutItem."""
    upload_id = new_id()
    key = f"{model.UPLOAD_PREFIX}{_prefix(principal.user_id)}/{upload_id}"
    now = utcnow()
    post = storage.client().generate_presigned_post(
        Bucket=storage.uploads_bucket(),
        Key=key,
        Fields={"Content-Type": body.content_type},
        Conditions=[{"Content-Type": body.content_type}, ["content-length-range", 1, body.size_bytes]],
        ExpiresIn=model.POST_EXPIRY_SECONDS,
    )
    record = UploadRecord(
        upload_id,
        owner_id=principal.user_id,
        key=key,
        content_type=body.content_type,
        size_bytes=body.size_bytes,
        created_at=iso(now),
        status="pending",
        expires_at=int((now + timedelta(days=model.UNCLAIMED_DAYS)).timestamp()),
    )
    record.save(condition=UploadRecord.upload_id.does_not_exist())  # a fresh ULID: never taken
    return {
        "upload_id": upload_id,
        "url": str(post["url"]),
        "fields": {str(k): str(v) for k, v in post["fields"].items()},
        "expires_at": iso(now + timedelta(seconds=model.POST_EXPIRY_SECONDS)),
    }


def find(upload_ids: Sequence[str]) -> dict[str, Upload]:
    """Read uploads by id (one BatchGetItem per 100), whoever owns them; unknown ids are left out."""
    out: dict[str, Upload] = {}
    unique = list(dict.fromkeys(upload_ids))
    for start in range(0, len(unique), BATCH_GET_LIMIT):
        for record in UploadRecord.batch_get(unique[start : start + BATCH_GET_LIMIT], consistent_read=True):
            out[record.upload_id] = _upload(record)
    return out


def claim(principal: Principal, upload_ids: Sequence[str], field: str = "evidence") -> list[Upload]:
    """Take the caller's uploads as evidence, in the order given; 422 naming `<field>.<i>` for a bad one.

    Claiming an upload twice (a retried dispute) answers it again as it is. The whole list is
    checked before anything is copied, so a bad id leaves every upload as it was.
    """
    if len(set(upload_ids)) != len(upload_ids):
        raise ValidationFailed.field(field, "the same upload is named twice")
    found = find(upload_ids)
    checked: list[tuple[Upload, tuple[str, int] | None]] = []
    for i, upload_id in enumerate(upload_ids):
        upload = found.get(upload_id)
        if upload is None or upload.owner_id != principal.user_id:
            raise ValidationFailed.field(f"{field}.{i}", "no such upload of yours")
        checked.append((upload, None if upload.status == "claimed" else _arrived(upload, f"{field}.{i}")))
    return [upload if arrived is None else _take(upload, *arrived) for upload, arrived in checked]


def _arrived(upload: Upload, field: str) -> tuple[str, int]:
    """Read the posted object's head and first bytes (one ranged GET); return its ETag and size.

    It must be there, of the declared type and size, and begin as its type's files do.
    """
    from botocore.exceptions import ClientError

    try:
        head = storage.client().get_object(
            Bucket=storage.uploads_bucket(), Key=upload.key, Range=f"bytes=0-{model.SNIFF_BYTES - 1}"
        )
        first = head["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            raise ValidationFailed.field(field, "the file has not been uploaded (yet)") from exc
        raise
    total = str(head.get("ContentRange", "")).rpartition("/")[2]
    size = int(total) if total.isdigit() else int(head.get("ContentLength", 0))
    if head.get("ContentType") != upload.content_type or not first.startswith(model.SIGNATURES[upload.content_type]):
        raise ValidationFailed.field(field, f"the file is not {upload.content_type} as declared")
    if not 0 < size <= min(upload.size_bytes, model.MAX_UPLOAD_BYTES):
        raise ValidationFailed.field(field, f"the file is larger than the declared {upload.size_bytes} bytes")
    return str(head["ETag"]), size


def _take(upload: Upload, etag: str, size: int) -> Upload:
    """Copy the object (the version checked, by its ETag) out of the owner's reach; mark the record claimed."""
    evidence_key = model.EVIDENCE_PREFIX + upload.key.removeprefix(model.UPLOAD_PREFIX)
    bucket = storage.uploads_bucket()
    storage.client().copy_object(
        Bucket=bucket,
        Key=evidence_key,
        CopySource={"Bucket": bucket, "Key": upload.key},
        CopySourceIfMatch=etag,
        MetadataDirective="COPY",
    )
    record = UploadRecord(upload.upload_id)
    try:
        record.update(
            actions=[
                UploadRecord.status.set("claimed"),
                UploadRecord.evidence_key.set(evidence_key),
                UploadRecord.stored_bytes.set(size),
                UploadRecord.claimed_at.set(iso(utcnow())),
                UploadRecord.expires_at.remove(),
            ],
            condition=(UploadRecord.owner_id == upload.owner_id) & (UploadRecord.status == "pending"),
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise  # claimed meanwhile by the same owner's other request: the same copy, the same answer
    return Upload(
        upload.upload_id, upload.owner_id, evidence_key, upload.content_type, size, upload.created_at, "claimed"
    )


def download_url(upload: Upload) -> str:
    """A short-lived (5 minutes) presigned GET of the upload's object, for the dispute view."""
    url: str = storage.client().generate_presigned_url(
        "get_object",
        Params={"Bucket": storage.uploads_bucket(), "Key": upload.key, "ResponseContentType": upload.content_type},
        ExpiresIn=model.DOWNLOAD_EXPIRY_SECONDS,
    )
    return url


def _upload(record: UploadRecord) -> Upload:
    claimed = record.status == "claimed" and record.evidence_key
    status: model.UploadStatus = "claimed" if claimed else "pending"
    return Upload(
        upload_id=record.upload_id,
        owner_id=record.owner_id,
        key=record.evidence_key if claimed and record.evidence_key else record.key,
        content_type=record.content_type,
        size_bytes=int(record.stored_bytes if claimed and record.stored_bytes else record.size_bytes),
        created_at=record.created_at,
        status=status,
    )
