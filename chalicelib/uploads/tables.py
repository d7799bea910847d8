"""The uploads table: one item per presigned POST, keyed by `upload_id`.

Attributes: `owner_id` (the user whose key prefix it is), `key` (uploads/<user>/<id>),
`content_type` and `size_bytes` (as declared, and as the POST policy enforces), `created_at`,
`status` (model.STATUSES), `expires_at` (DynamoDB TTL, epoch seconds: an unclaimed upload
is forgotten after model.UNCLAIMED_DAYS, as the bucket's lifecycle forgets its object), and,
once claimed, `evidence_key`, `stored_bytes` (the size S3 holds), `claimed_at`.
Who writes what (`chalicelib.uploads.service` only): `create` puts the item once
(`attribute_not_exists`); `claim` sets `status`, `evidence_key`, `stored_bytes`,
`claimed_at` and removes `expires_at`, conditional on the owner and on `pending`. Nothing
else writes it.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.dynamo import region, table_name


class UploadRecord(Model):
    """One upload (hash key: its id)."""

    class Meta:
        table_name = table_name("uploads")
        region = region()

    upload_id = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()
    key = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size_bytes = NumberAttribute()
    created_at = UnicodeAttribute()
    status = UnicodeAttribute()
    expires_at = NumberAttribute(null=True)  # DynamoDB TTL attribute (epoch seconds); removed by a claim
    evidence_key = UnicodeAttribute(null=True)
    stored_bytes = NumberAttribute(null=True)
    claimed_at = UnicodeAttribute(null=True)
