"""The exports table: one item per export, keyed by `export_id`.

Attributes: `owner_id` (who asked: only they may read it), `kind`, `params` (the checked
month/department/from/to as JSON), `lang`, `status` (model.STATUSES), `rows` (written so far),
`created_at`, `updated_at`, `finished_at`, `key` (exports/<export_id>.csv), `expires_at`
(TTL), and the worker's checkpoint: `upload_id` (the S3 multipart upload), `next_part`,
`etags` (of the parts written, in order), `cursor` (JSON: where the next part starts),
`completing` (every part is written, the file is being assembled), `restarts`, `error`.
Who writes what (`chalicelib.exports` only): `service.create` puts the item once
(`attribute_not_exists`); the worker (`worker.step`) sets the checkpoint, `rows`, `status`,
`updated_at`, `finished_at` and `error`, each write conditional on the checkpoint it read
(`next_part`, or `upload_id`), so a redelivered or duplicate step changes nothing. Nothing
else writes it.
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.dynamo import region, table_name


class ExportRecord(Model):
    """One export (hash key: its id)."""

    class Meta:
        table_name = table_name("exports")
        region = region()

    export_id = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    params = UnicodeAttribute()
    lang = UnicodeAttribute()
    status = UnicodeAttribute()
    rows = NumberAttribute(default=0)
    key = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    finished_at = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()  # DynamoDB TTL (epoch seconds)
    upload_id = UnicodeAttribute(null=True)
    next_part = NumberAttribute(default=1)
    etags = ListAttribute(of=UnicodeAttribute, null=True)
    cursor = UnicodeAttribute(null=True)
    completing = BooleanAttribute(default=False)
    restarts = NumberAttribute(default=0)
    error = UnicodeAttribute(null=True)
