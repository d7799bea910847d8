"""Ask for an export and follow it: checked here, queued, written by the exports worker.

Invariants:
- the kind decides who may ask (model.WHO_MAY, 403 otherwise); bad months, departments and
  ranges answer 422 naming the field before anything is queued;
- an export is read only by who asked for it: anyone else gets 404, as for an unknown id
  (an export's existence is never revealed);
- `url` is given only once the file is complete (`done`), presigned for
  model.URL_EXPIRY_SECONDS; each GET signs a new one.

- an export that stopped (its worker failed every try, its messages spent) is `failed`, never
  `running` for ever: the worker marks it on its last try (`worker.given_up`), and whoever
  reads it after model.STALLED_AFTER_SECONDS without progress marks it (a worker that died
  without a word); either way its unfinished upload is aborted.

Cost: `create` one GetItem (a department's roster counter) at most, one PutItem, one
SendMessage; `show` one GetItem, and when done a local signature (no S3 call); a stalled
export once one UpdateItem and one AbortMultipartUpload more.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING

from chalicelib import queues, storage
from chalicelib.errors import Forbidden, NotFound, ValidationFailed
from chalicelib.exports import model
from chalicelib.exports.tables import ExportRecord
from chalicelib.ids import iso, jakarta_month, new_id, parse_iso, utcnow
from chalicelib.messages import ExportStep

if TYPE_CHECKING:
    from chalicelib import shapes
    from chalicelib.auth import Principal


def create(principal: Principal, body: model.NewExport) -> shapes.ExportQueued:
    """Check the request, record the export as queued and queue its first step."""
    allowed = model.WHO_MAY[body.kind]
    if not any(principal.has(group) for group in allowed):
        raise Forbidden(f"{body.kind} exports: requires group {' or '.join(allowed)}")
    params = check(body)
    export_id = new_id()
    now = utcnow()
    record = ExportRecord(
        export_id,
        owner_id=principal.user_id,
        kind=body.kind,
        params=json.dumps(params, sort_keys=True),
        lang=body.lang,
        status="queued",
        rows=0,
        key=f"{model.EXPORT_PREFIX}{export_id}.csv",
        created_at=iso(now),
        updated_at=iso(now),
        expires_at=int((now + timedelta(days=model.KEEP_DAYS)).timestamp()),
        next_part=1,
    )
    record.save(condition=ExportRecord.export_id.does_not_exist())
    queues.publish(ExportStep(export_id=export_id))
    return {"export_id": export_id, "status": "queued", "kind": body.kind, "created_at": iso(now)}


def check(body: model.NewExport) -> dict[str, str]:
    """The export's parameters, checked and with their defaults; 422 naming a bad field."""
    if body.kind in model.MONTH_KINDS:
        latest = jakarta_month(utcnow())
        month = body.month or latest
        from chalicelib.spending.model import FIRST_MONTH, valid_month

        if not valid_month(month, latest):
            raise ValidationFailed.field("month", f"must be YYYY-MM between {FIRST_MONTH} and {latest}")
        params = {"month": month}
        if body.department is not None:
            params["department"] = _department(body.department)
        return params
    for name, value in (("month", body.month), ("department", body.department)):
        if value is not None:
            raise ValidationFailed.field(name, f"{body.kind} exports take from and to, not {name}")
    return _range(body.from_, body.to)


def _department(department: str) -> str:
    """A department the roster has (its counter of ASN); 422 otherwise."""
    from chalicelib.reports.tables import CounterRecord

    name = department.strip()
    try:
        counter = CounterRecord.get("roster", name) if name else None
    except CounterRecord.DoesNotExist:
        counter = None
    if counter is None or int(counter.asn_count or 0) <= 0:
        raise ValidationFailed.field("department", "no ASN on the roster in this department")
    return name


def _range(start_text: str | None, end_text: str | None) -> dict[str, str]:
    """Jakarta days `from`..`to` (validators.day_range: its defaults and bounds)."""
    from chalicelib.validators import day_range

    start, end = day_range(start_text, end_text)
    return {"from": start.isoformat(), "to": end.isoformat()}


def show(principal: Principal, export_id: str) -> shapes.Export:
    """The export's status and rows so far; once done, a short-lived download URL. 404 unless mine."""
    try:
        record = ExportRecord.get(export_id, consistent_read=True)
    except ExportRecord.DoesNotExist:
        record = None
    if record is None or record.owner_id != principal.user_id:
        raise NotFound("no such export")
    if _stalled(record):
        stopped = fail(export_id, "the export stopped; ask for it again", unless_moved_since=record.updated_at)
        record = stopped or ExportRecord.get(export_id, consistent_read=True)
    out: shapes.Export = {
        "export_id": record.export_id,
        "kind": record.kind,  # type: ignore[typeddict-item]
        "status": record.status,  # type: ignore[typeddict-item]
        "rows": int(record.rows or 0),
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "params": json.loads(record.params),
        "lang": record.lang,  # type: ignore[typeddict-item]
    }
    if record.status == "done":
        out["url"] = download_url(record.key, record.export_id)
        out["expires_at"] = iso(utcnow() + timedelta(seconds=model.URL_EXPIRY_SECONDS))
        out["finished_at"] = record.finished_at or record.updated_at
    if record.status == "failed":
        out["error"] = record.error or "the export failed"
    return out


def _stalled(record: ExportRecord) -> bool:
    """Queued or running, and nothing moved for model.STALLED_AFTER_SECONDS (its messages are spent)."""
    if record.status not in ("queued", "running"):
        return False
    return parse_iso(record.updated_at) < utcnow() - timedelta(seconds=model.STALLED_AFTER_SECONDS)


def fail(export_id: str, reason: str, *, unless_moved_since: str | None = None) -> ExportRecord | None:
    """Mark the export `failed` with its reason and drop its unfinished upload; None if it is not open.

    One UpdateItem (no read: it answers the item as written). `unless_moved_since`: only if
    its `updated_at` is still that (a stall a reader decided must not overrule a worker that
    just moved on).
    """
    from pynamodb.exceptions import UpdateError

    from chalicelib.errors import condition_failed

    condition = ExportRecord.status.is_in("queued", "running")
    if unless_moved_since is not None:
        condition &= ExportRecord.updated_at == unless_moved_since
    record = ExportRecord(export_id)
    try:
        record.update(
            actions=[
                ExportRecord.status.set("failed"),
                ExportRecord.error.set(reason[:200]),
                ExportRecord.updated_at.set(iso(utcnow())),
            ],
            condition=condition,
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return None
        raise
    if record.upload_id:
        abort_upload(record.key, str(record.upload_id))
    return record


def abort_upload(key: str, upload_id: str) -> None:
    """Abort a multipart upload (already gone counts as done)."""
    from botocore.exceptions import ClientError

    try:
        storage.client().abort_multipart_upload(Bucket=storage.uploads_bucket(), Key=key, UploadId=upload_id)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchUpload":
            raise


def download_url(key: str, export_id: str) -> str:
    """A presigned GET of the file, as an attachment named after the export."""
    url: str = storage.client().generate_presigned_url(
        "get_object",
        Params={
            "Bucket": storage.uploads_bucket(),
            "Key": key,
            "ResponseContentType": model.CONTENT_TYPE,
            "ResponseContentDisposition": f'attachment; filename="peken-export-{export_id}.csv"',
        },
        ExpiresIn=model.URL_EXPIRY_SECONDS,
    )
    return url
