"""The exports worker: writes an export's CSV to S3 a part at a time, one part per queue message.

Each `ExportStep` message writes the next part: it reads the checkpoint (next part number,
the cursor where it starts, the parts' ETags), reads pages from `sources` until the part holds
at least the part size (model.MIN_PART_BYTES; `PEKEN_EXPORT_PART_BYTES` may raise it, or
lower it locally, where the emulator takes smaller parts) or the rows end, uploads it as that
part number of the export's multipart upload, then moves the checkpoint on, conditional on the
part number it read, and queues the next step. So memory is bounded by one part and one page
whatever the export's size, and progress (`rows`) is visible after every part.

Faults (a worker dying anywhere, SQS delivering twice):
- one object key per export (`exports/<export_id>.csv`), one multipart upload per attempt,
  recorded with `attribute_not_exists`: a second worker that started one aborts its own;
- a step redelivered before its checkpoint uploads the same part number again (S3 keeps the
  last one) from the same cursor; after its checkpoint, it writes the *next* part, and two
  steps racing for one part are settled by the conditional checkpoint (the loser queues nothing);
- the last part's checkpoint sets `completing` before the parts are assembled, so a worker
  dying there finishes the assembly next time (an upload already completed counts as done);
- a file S3 refuses to assemble (a part replaced by a racing duplicate) is started again from
  the top (aborting the upload, clearing the checkpoint) at most model.MAX_RESTARTS times, then
  the export is `failed`; so is one whose step fails on its last try (`given_up`, before the
  message goes to the dead-letter queue).
Never two files, and never a file with a part twice.

Cost per part: one GetItem, the source's reads, one UploadPart, one UpdateItem, one SendMessage;
plus one CreateMultipartUpload and one CompleteMultipartUpload per export.
"""

from __future__ import annotations

import csv
import io
import json
import os
from typing import Any, cast

from pynamodb.exceptions import UpdateError

from chalicelib import observability, queues, storage
from chalicelib.csvfile import cell
from chalicelib.errors import ApiError, condition_failed
from chalicelib.exports import model, sources
from chalicelib.exports.service import abort_upload, fail
from chalicelib.exports.tables import ExportRecord
from chalicelib.ids import iso, utcnow
from chalicelib.messages import ExportStep, Message

PART_BYTES_ENV = "PEKEN_EXPORT_PART_BYTES"


def part_bytes() -> int:
    """How big a part grows before it is uploaded (S3's minimum unless set)."""
    return int(os.environ.get(PART_BYTES_ENV) or model.MIN_PART_BYTES)


def handle(message: Message) -> None:
    """Handle one exports-queue message."""
    if isinstance(message, ExportStep):
        step(message.export_id)


def given_up(message: Message) -> None:
    """A step failed on its last try (it goes to the dead-letter queue): the export is `failed`."""
    if isinstance(message, ExportStep):
        fail(message.export_id, "the export's worker failed on every try; ask for it again")


def _read(export_id: str) -> ExportRecord | None:
    try:
        return ExportRecord.get(export_id, consistent_read=True)
    except ExportRecord.DoesNotExist:
        return None


def step(export_id: str) -> None:
    """Write the export's next part (or assemble the file); queue the next step if rows remain."""
    record = _read(export_id)
    if record is None or record.status in ("done", "failed"):
        return
    if record.completing:
        _complete(record)
        return
    if not record.upload_id:
        record = _start(record)
        if record is None:
            return
    part = int(record.next_part)
    cursor = json.loads(record.cursor) if record.cursor else None
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if part == 1:
        writer.writerow(model.header(record.kind, record.lang))  # type: ignore[arg-type]
    rows, limit, ended = 0, part_bytes(), False
    try:
        for page, following in sources.pages(record.kind, json.loads(record.params), cursor):  # type: ignore[arg-type]
            writer.writerows([cell(value) for value in row] for row in page)
            rows += len(page)
            cursor = following
            if following is None:
                ended = True
                break
            if buffer.tell() >= limit:
                break
        else:
            ended = True
    except ApiError as exc:  # the source refused its parameters (checked at creation: a defect)
        fail(record.export_id, exc.message)
        return
    body = buffer.getvalue().encode("utf-8")
    del buffer
    uploaded = storage.client().upload_part(
        Bucket=storage.uploads_bucket(), Key=record.key, UploadId=record.upload_id, PartNumber=part, Body=body
    )
    etags = [*(record.etags or []), str(uploaded["ETag"])]
    try:
        record.update(
            actions=[
                ExportRecord.next_part.set(part + 1),
                ExportRecord.etags.set(cast(Any, etags)),
                ExportRecord.cursor.remove() if ended else ExportRecord.cursor.set(json.dumps(cursor, sort_keys=True)),
                ExportRecord.rows.set(int(record.rows or 0) + rows),
                ExportRecord.completing.set(ended),
                ExportRecord.updated_at.set(iso(utcnow())),
            ],
            condition=(ExportRecord.next_part == part) & (ExportRecord.upload_id == record.upload_id),
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return  # a duplicate step wrote this part first: its chain goes on, this one stops
        raise
    if ended:
        _complete(record)
    else:
        queues.publish(ExportStep(export_id=record.export_id))


def _start(record: ExportRecord) -> ExportRecord | None:
    """Begin the export's multipart upload and mark it running; a racing worker's upload wins."""
    upload_id = str(
        storage.client().create_multipart_upload(
            Bucket=storage.uploads_bucket(), Key=record.key, ContentType=model.CONTENT_TYPE
        )["UploadId"]
    )
    try:
        record.update(
            actions=[
                ExportRecord.upload_id.set(upload_id),
                ExportRecord.status.set("running"),
                ExportRecord.updated_at.set(iso(utcnow())),
            ],
            condition=ExportRecord.upload_id.does_not_exist() & ExportRecord.status.is_in("queued", "running"),
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        abort_upload(record.key, upload_id)
        return None  # another worker started it: its step goes on
    return record


def _complete(record: ExportRecord) -> None:
    """Assemble the parts into the file and mark the export done (once)."""
    from botocore.exceptions import ClientError

    parts = [{"PartNumber": i + 1, "ETag": etag} for i, etag in enumerate(record.etags or [])]
    try:
        storage.client().complete_multipart_upload(
            Bucket=storage.uploads_bucket(), Key=record.key, UploadId=record.upload_id, MultipartUpload={"Parts": parts}
        )
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code == "NoSuchUpload" and _exists(record.key):
            pass  # completed before a crash: the file is there
        elif code in ("InvalidPart", "InvalidPartOrder", "NoSuchUpload", "EntityTooSmall"):
            _restart(record, str(code))
            return
        else:
            raise
    try:
        record.update(
            actions=[
                ExportRecord.status.set("done"),
                ExportRecord.finished_at.set(iso(utcnow())),
                ExportRecord.updated_at.set(iso(utcnow())),
            ],
            condition=(ExportRecord.status == "running") & (ExportRecord.upload_id == record.upload_id),
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
    observability.logger.info("export done", extra={"export_id": record.export_id, "rows": int(record.rows or 0)})


def _restart(record: ExportRecord, reason: str) -> None:
    """Throw the upload away and start the export again from the top (or fail it, after too many)."""
    abort_upload(record.key, str(record.upload_id))
    restarts = int(record.restarts or 0) + 1
    if restarts > model.MAX_RESTARTS:
        fail(record.export_id, f"the file could not be assembled ({reason})")
        return
    try:
        record.update(
            actions=[
                ExportRecord.upload_id.remove(),
                ExportRecord.next_part.set(1),
                ExportRecord.etags.remove(),
                ExportRecord.cursor.remove(),
                ExportRecord.rows.set(0),
                ExportRecord.completing.set(False),
                ExportRecord.restarts.set(restarts),
                ExportRecord.updated_at.set(iso(utcnow())),
            ],
            condition=ExportRecord.upload_id == record.upload_id,
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return
        raise
    observability.logger.warning("export restarted", extra={"export_id": record.export_id, "reason": reason})
    queues.publish(ExportStep(export_id=record.export_id))


def _exists(key: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        storage.client().head_object(Bucket=storage.uploads_bucket(), Key=key)
    except ClientError:
        return False
    return True
