"""The audit archive: every entry, as the API shows it, kept in a bucket whose object lock nobody can lift.

The audit table's stream (new images) feeds the `audit_archiver` function; each batch of
entries becomes one gzipped JSON-lines object `audit/<YYYY>/<MM>/<DD>/<first id>_<last id>.jsonl.gz`
(the day of the batch's first entry, UTC). The bucket (infra/aws/resources.json,
`AuditArchiveBucket`) has S3 Object Lock in COMPLIANCE mode with a default retention of
ten years: no one, the account's root included, can overwrite, shorten or delete an
object version before then. The entries are the table's, already masked (no whole NIP,
phone, email or account number), in `service.render`'s shape.

Invariants:
- every entry written reaches the archive: Lambda retries a failed batch until it is
  archived (the stream keeps records 24 hours; the `AuditArchiveLag` alarm fires long
  before), in order per shard;
- a batch retried after its object was written finds the same key and writes nothing
  (`If-None-Match: *`), so a retry leaves no second copy;
- only new entries are archived (the table is append-only: an update or removal event
  cannot come from our code, and is counted and logged, never archived as an entry).

Cost: one PutObject per batch (up to ARCHIVE_BATCH entries, or what the batching window of
ARCHIVE_WINDOW_SECONDS gathered); reading the stream is free for Lambda.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

from chalicelib import observability, storage

ARCHIVE_BATCH = 500  # entries per object at most (the event source's batch size)
ARCHIVE_WINDOW_SECONDS = 60  # the event source gathers entries this long before invoking
PREFIX = "audit/"
RETENTION_YEARS = 10  # AuditArchiveBucket's default retention (COMPLIANCE mode); resources.json sets it


def archive(event: dict[str, Any]) -> dict[str, int]:
    """Write a stream batch's new entries as one locked object; answer how many were archived and skipped."""
    from pynamodb.exceptions import PynamoDBException

    from chalicelib.audit.service import render
    from chalicelib.audit.tables import AuditRecord

    entries, skipped = [], 0
    for record in event.get("Records", []):
        image = record.get("dynamodb", {}).get("NewImage")
        if record.get("eventName") != "INSERT" or not image:
            skipped += 1
            continue
        try:
            entries.append(render(AuditRecord.from_raw_data(image)))
        except (PynamoDBException, KeyError, TypeError, ValueError):
            skipped += 1  # not an entry of ours: logged below, never archived half
    if skipped:
        observability.logger.warning("audit stream records not archived", extra={"skipped": skipped})
    if not entries:
        return {"archived": 0, "skipped": skipped}
    entries.sort(key=lambda e: e["audit_id"])
    key = object_key(entries[0]["audit_id"], entries[-1]["audit_id"], entries[0]["at"])
    body = gzip.compress(
        "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in entries).encode(), mtime=0
    )
    _put_once(key, body)
    return {"archived": len(entries), "skipped": skipped}


def object_key(first_id: str, last_id: str, first_at: str) -> str:
    """The object a batch is kept in: by the day of its first entry, named by its first and last ids."""
    day = first_at[:10]  # `YYYY-MM-DD` of an API timestamp
    return f"{PREFIX}{day[:4]}/{day[5:7]}/{day[8:10]}/{first_id}_{last_id}.jsonl.gz"


def _put_once(key: str, body: bytes) -> None:
    """Put the object unless a retry of the same batch already did (412: it is there, locked)."""
    from botocore.exceptions import ClientError

    try:
        storage.client().put_object(
            Bucket=storage.archive_bucket(),
            Key=key,
            Body=body,
            ContentType="application/x-ndjson",
            ContentEncoding="gzip",
            ChecksumAlgorithm="SHA256",  # S3 takes an object-locked PUT only with a checksum
            IfNoneMatch="*",
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("PreconditionFailed", "412"):
            raise
