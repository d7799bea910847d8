"""Upload rules: what may be posted, how big, for how long; the closed sets of an upload.

An upload is a photo (JPEG or PNG, at most 5 MiB: a constant, as the contract writes it)
that its owner's browser posts straight to the private bucket with a presigned POST whose
policy pins the key, the content type and the size; nothing passes through the API.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field

from chalicelib.bodies import Body

ContentType = Literal["image/jpeg", "image/png"]
CONTENT_TYPES: tuple[ContentType, ...] = get_args(ContentType)
# pending: the POST was signed, the file may or may not have arrived; claimed: a dispute
# took it as evidence (copied to the evidence prefix, kept with the dispute).
UploadStatus = Literal["pending", "claimed"]
STATUSES: tuple[UploadStatus, ...] = get_args(UploadStatus)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # 5 MiB (API.md)
POST_EXPIRY_SECONDS = 600  # the presigned POST works for 10 minutes
DOWNLOAD_EXPIRY_SECONDS = 300  # a dispute view's download links work for 5 minutes
# An unclaimed upload is forgotten after this: the record by its TTL, the object by the
# bucket's lifecycle rule on `uploads/` (infra/aws/resources.json, the same number of days).
UNCLAIMED_DAYS = 2
# How each type's files begin: a claim reads the first bytes, since S3 checks only the label.
SIGNATURES: dict[str, bytes] = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
SNIFF_BYTES = 16
UPLOAD_PREFIX = "uploads/"  # where the browser posts: uploads/<user>/<upload_id>
EVIDENCE_PREFIX = "evidence/"  # where a claim copies it: evidence/<user>/<upload_id>, out of the user's reach


class NewUpload(Body):
    """POST /v1/uploads: what the caller is about to post."""

    content_type: ContentType
    size_bytes: Annotated[int, Field(ge=1, le=MAX_UPLOAD_BYTES)]
