"""The ASN roster: upsert (JSON or CSV), list, link to users; read, change or remove one row.

Uploads are written in batches; bad rows are reported with every bad field, good rows kept.

Who owns which attribute of a roster row: the upload owns everything it is given (name,
department, grade, contacts, places) and `roster`, `updated_at`; an admin's change of one
row (`change`) owns the fields it is given, `active` and `updated_at`; sign-in (`of`) owns
`user_id`, the link to the user. None writes another's attributes. Every write that can
move a department's ASN count is conditional on the department and the `active` flag it
read, and moves the count in the same transaction: only active rows count.

A deactivated ASN stays in the roster (listed, `active: false`) but has no obligation for
now: no count in the compliance report's `asn_count`, no laggard, no reminder, GET
/v1/me/spending answers 403, and payments made meanwhile are not counted (service.record).
A removed ASN's row is deleted (its personal data goes); their spending rows (with the
department) and every report counter already written stay as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from chalicelib import http
from chalicelib.audit import service as audit
from chalicelib.auth import NIP_PATTERN, Principal
from chalicelib.dynamo import WRITE_ATTEMPTS, page_of
from chalicelib.errors import Conflict, NotFound, ValidationFailed, field_errors
from chalicelib.ids import iso, utcnow
from chalicelib.paging import PageRequest, encode_cursor
from chalicelib.reports import tables as counters
from chalicelib.spending import model, service, tables
from chalicelib.spending.tables import AsnRecord
from chalicelib.validators import UnknownPlace, check_kecamatan, kelurahan_in, place_change

if TYPE_CHECKING:
    from chalicelib import shapes

CURSOR_FIELDS = ("nip",)
# A chunk's transaction holds its rows and at most two department counters per row: <= 100 items.
CHUNK_ROWS = 33


def read_upload(request: Any) -> model.RosterUpload:
    """The body of POST /v1/admin/asn: JSON `{"rows": [...]}`, or CSV with a header row (`text/csv`)."""
    kind = str(request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if kind != "text/csv":
        return http.validate(model.RosterUpload, http.json_body(request))
    raw = request.raw_body or b""
    if len(raw) > http.MAX_BODY_BYTES:
        raise ValidationFailed.field("body", f"larger than {http.MAX_BODY_BYTES} bytes")
    return http.validate(model.RosterUpload, {"rows": csv_rows(raw if isinstance(raw, bytes) else raw.encode())})


def csv_rows(raw: bytes) -> list[dict[str, Any]]:
    """Read CSV rows as upload rows: the header names the columns (CSV_COLUMNS, any order); empty cells are absent."""
    try:
        text = raw.decode("utf-8-sig")
        lines = [cells for cells in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in cells)]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ValidationFailed.field("body", f"not UTF-8 CSV ({type(exc).__name__})") from exc
    if not lines:
        raise ValidationFailed.field("body", f"a header row is needed: {','.join(model.CSV_COLUMNS)}")
    header = [c.strip().lower() for c in lines[0]]
    missing = [c for c in model.CSV_COLUMNS if c not in header]
    counts = Counter(header)
    extra = [c for c in counts if c not in model.CSV_COLUMNS][:5]  # a few are enough to name
    repeated = sorted(c for c, n in counts.items() if n > 1 and c in model.CSV_COLUMNS)
    if missing or extra or repeated:
        problems = [
            f"{label}: {', '.join(name[:40] for name in names)}"
            for label, names in (
                ("missing columns", missing),
                ("unknown columns", extra),
                ("repeated columns", repeated),
            )
            if names
        ]
        raise ValidationFailed.field(
            "header", f"{'; '.join(problems)} (the header is {','.join(model.CSV_COLUMNS)}, in any order)"
        )
    rows: list[dict[str, Any]] = []
    for number, cells in enumerate(lines[1:], start=2):
        if len(cells) != len(header):
            raise ValidationFailed.field(
                "body", f"data row {number - 1} has {len(cells)} cells, the header {len(header)}"
            )
        rows.append({name: cell.strip() for name, cell in zip(header, cells, strict=True) if cell.strip()})
    return rows


def check_row(raw: Any) -> tuple[model.AsnRow | None, list[dict[str, Any]]]:
    """Validate one upload row; return it (None if bad) and every bad field, not just the first."""
    try:
        row: model.AsnRow | None = model.AsnRow.model_validate(raw, strict=True)
        errors: list[dict[str, Any]] = []
    except ValidationError as exc:
        row, errors = None, field_errors(exc, whole="row")
    # The kelurahan must lie in the kecamatan: checked whenever both are otherwise good.
    bad = {e["field"] for e in errors}
    given = raw if isinstance(raw, dict) else {}
    kecamatan, kelurahan = given.get("kecamatan"), given.get("kelurahan")
    if isinstance(kelurahan, str) and "kelurahan" not in bad and kelurahan.strip():
        if kecamatan is None:
            errors.append({"field": "kelurahan", "message": "needs a kecamatan"})
        elif isinstance(kecamatan, str) and "kecamatan" not in bad:
            try:
                official = kelurahan_in(check_kecamatan(kecamatan.strip()), kelurahan.strip())
                if row is not None:
                    row.kelurahan = official
            except UnknownPlace as exc:
                errors.append({"field": "kelurahan", "message": str(exc), "suggestions": exc.suggestions})
    return (row if not errors else None), errors


def upload(principal: Principal, body: model.RosterUpload) -> shapes.RosterUpserted:
    """Upsert up to MAX_ROWS rows; every bad row is reported (422) with all its bad fields, every good row kept.

    Each bad row is `{index, field, message, errors: [{field, message}, ...]}`: `field` and
    `message` name its first bad field (as before), `errors` every one.
    """
    good: dict[str, model.AsnRow] = {}
    bad: list[dict[str, Any]] = []
    for i, raw in enumerate(body.rows):
        row, errors = check_row(raw)
        if row is not None:
            good[row.nip] = row
        else:
            first = errors[0]
            bad.append({"index": i, "field": first["field"], "message": first["message"], "errors": errors})
    upserted = _save(list(good.values()))
    after = {"upserted": upserted, "nip": sorted(good)}  # several transactions: recorded once after them
    audit.once("roster.upload", "roster", "roster", None, after)
    if bad:
        raise ValidationFailed(
            f"{len(bad)} bad row(s); {upserted} good row(s) saved", {"field": "rows", "rows": bad, "upserted": upserted}
        )
    return {"upserted": upserted}


def _save(rows: list[model.AsnRow]) -> int:
    """Write rows in transactions of CHUNK_ROWS; return how many rows were written."""
    now = iso(utcnow())
    for start in range(0, len(rows), CHUNK_ROWS):
        _save_chunk(rows[start : start + CHUNK_ROWS], now)
    return len(rows)


def _save_chunk(rows: list[model.AsnRow], now: str) -> None:
    """Update the roster's own fields of each row and move the per-department ASN counts, all at once.

    Each row is written only if its department is still the one read (a new row: if it
    still does not exist), so the counts move exactly once; if another upload came first,
    read again and retry. The user link (`user_id`) is not touched: sign-in owns it.
    Cost: one BatchGetItem and one TransactWriteItems per chunk.
    """
    from pynamodb.exceptions import TransactWriteError
    from pynamodb.transactions import TransactWrite

    from chalicelib.dynamo import connection, set_or_remove
    from chalicelib.errors import condition_failed

    for _ in range(WRITE_ATTEMPTS):
        existing = {r.nip: r for r in AsnRecord.batch_get([row.nip for row in rows], consistent_read=True)}
        moves: Counter[str] = Counter()
        try:
            with TransactWrite(connection=connection()) as tx:
                for row in rows:
                    old = existing.get(row.nip)
                    if old is None:
                        moves[row.department] += 1
                    elif tables.is_active(old) and old.department != row.department:
                        moves[row.department] += 1
                        moves[old.department] -= 1
                    fields = {**row.model_dump(exclude={"nip"}), "roster": tables.ROSTER_PARTITION, "updated_at": now}
                    tx.update(
                        AsnRecord(row.nip),
                        actions=[set_or_remove(AsnRecord, name, value) for name, value in fields.items()],
                        condition=AsnRecord.nip.does_not_exist() if old is None else _as_read(old),
                    )
                for department, delta in moves.items():
                    counters.add(tx, "roster", department, asn_count=delta)
            return
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
    raise Conflict("the roster is changing fast; try again")


def listing(principal: Principal, query: Mapping[str, str], request: PageRequest) -> shapes.AsnPage:
    """Page through the roster, optionally one department (admins)."""
    department = service.department_of(query)
    if department:
        records, last = page_of(AsnRecord.by_department, "department", department, request.after, request.limit)
    else:
        records, last = page_of(AsnRecord.all_asn, "roster", tables.ROSTER_PARTITION, request.after, request.limit)
    return {"items": [render(r) for r in records], "next_cursor": encode_cursor({"nip": last["nip"]}) if last else None}


def _as_read(old: AsnRecord) -> Any:
    """The condition that a roster row still has the department and `active` flag read (what the counts follow)."""
    same = AsnRecord.department == old.department
    if tables.is_active(old):
        return same & (AsnRecord.active.does_not_exist() | (AsnRecord.active == True))  # noqa: E712 (a condition)
    return same & (AsnRecord.active == False)  # noqa: E712 (a condition)


def nip_of(value: str) -> str:
    """Check a NIP from a path: 18 ASCII digits (422 otherwise)."""
    if re.fullmatch(NIP_PATTERN, value) is None:
        raise ValidationFailed.field("nip", "must be a NIP of 18 digits")
    return value


def _existing(nip: str) -> AsnRecord:
    found = tables.asn(nip_of(nip), consistent=True)
    if found is None:
        raise NotFound("no such ASN in the roster")
    return found


def show(principal: Principal, nip: str) -> shapes.AsnEntry:
    """GET /v1/admin/asn/{nip}: one roster row (admins). Cost: one GetItem."""
    return render(_existing(nip))


def change(principal: Principal, nip: str, body: model.AsnChange) -> shapes.AsnEntry:
    """PATCH /v1/admin/asn/{nip}: change the given fields of one row; `active` deactivates or reactivates.

    Cost: one GetItem and one TransactWriteItems (the row and, when the row starts or stops
    counting or changes department, the department counts); retried if the row changed meanwhile.
    """
    given = body.model_fields_set
    if not given:
        raise ValidationFailed.field("body", "give at least one field to change")
    for name in ("active", "name", "department", "grade"):
        if name in given and getattr(body, name) is None:
            raise ValidationFailed.field(name, "may not be null")
    from pynamodb.exceptions import TransactWriteError
    from pynamodb.transactions import TransactWrite

    from chalicelib.dynamo import connection, set_or_remove
    from chalicelib.errors import condition_failed

    for _ in range(WRITE_ATTEMPTS):
        old = _existing(nip)
        fields = {name: getattr(body, name) for name in given}
        fields.update(place_change(given, body.kecamatan, body.kelurahan, (old.kecamatan, old.kelurahan)))
        after_active = fields.get("active", tables.is_active(old))
        after_department = fields.get("department", old.department)
        moves: Counter[str] = Counter()
        if tables.is_active(old):
            moves[old.department] -= 1
        if after_active:
            moves[after_department] += 1
        fields["updated_at"] = iso(utcnow())
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.update(
                    AsnRecord(old.nip),
                    actions=[set_or_remove(AsnRecord, name, value) for name, value in fields.items()],
                    condition=_as_read(old),
                )
                for department, delta in moves.items():
                    counters.add(tx, "roster", department, asn_count=delta)
                after = {name: value for name, value in fields.items() if name != "updated_at"}
                audit.record(tx, "asn.change", "asn", old.nip, {name: getattr(old, name) for name in after}, after)
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
            continue  # changed (or removed) meanwhile: read again
        for name, value in fields.items():
            setattr(old, name, value)  # what was written, without reading it back
        return render(old)
    raise Conflict("this roster row is changing fast; try again")


def remove(principal: Principal, nip: str) -> None:
    """DELETE /v1/admin/asn/{nip}: take one ASN off the roster; their spending and the report counters stay.

    Cost: one GetItem and one TransactWriteItems (the row and, if it was active, its
    department's count); retried if the row changed meanwhile.
    """
    from pynamodb.exceptions import TransactWriteError
    from pynamodb.transactions import TransactWrite

    from chalicelib.dynamo import connection
    from chalicelib.errors import condition_failed

    for _ in range(WRITE_ATTEMPTS):
        old = _existing(nip)
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.delete(AsnRecord(old.nip), condition=_as_read(old))
                if tables.is_active(old):
                    counters.add(tx, "roster", old.department, asn_count=-1)
                audit.record(tx, "asn.remove", "asn", old.nip, {"department": old.department, "grade": old.grade})
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
            continue
        return
    raise Conflict("this roster row is changing fast; try again")


def render(record: AsnRecord) -> shapes.AsnEntry:
    """A roster row as admins see it."""
    return {
        "nip": record.nip,
        "name": record.name,
        "department": record.department,
        "grade": record.grade,
        "email": record.email,
        "phone_number": record.phone_number,
        "kecamatan": record.kecamatan,
        "kelurahan": record.kelurahan,
        "linked": record.user_id is not None,
        "active": tables.is_active(record),
    }


def of(principal: Principal) -> shapes.AsnLink | None:
    """The `asn` block of /v1/me; links the roster row to this user the first time."""
    if not principal.nip:
        return None
    record = tables.asn(principal.nip)
    if record is None:
        return None
    if record.user_id != principal.user_id:
        record.update(actions=[AsnRecord.user_id.set(principal.user_id)], condition=AsnRecord.nip.exists())
    return {
        "nip": record.nip,
        "name": record.name,
        "department": record.department,
        "grade": record.grade,
        "monthly_quota_idr": service.policy().quota(record.grade),
        "active": tables.is_active(record),
    }
