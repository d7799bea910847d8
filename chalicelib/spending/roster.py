"""The ASN roster: upsert in batches (bad rows reported, good rows kept), list, link to users.

Who owns which attribute of a roster row: the upload owns everything it is given (name,
department, grade, contacts, places) and `roster`, `updated_at`; sign-in (`of`) owns
`user_id`, the link to the user. Neither writes the other's attributes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from chalicelib.auth import Principal
from chalicelib.dynamo import WRITE_ATTEMPTS, page_of
from chalicelib.errors import ValidationFailed, field_errors
from chalicelib.ids import iso, utcnow
from chalicelib.paging import PageRequest, encode_cursor
from chalicelib.reports import tables as counters
from chalicelib.spending import model, service, tables
from chalicelib.spending.tables import AsnRecord
from chalicelib.validators import kelurahan_in

if TYPE_CHECKING:
    from chalicelib import shapes

CURSOR_FIELDS = ("nip",)
# A chunk's transaction holds its rows and at most two department counters per row: <= 100 items.
CHUNK_ROWS = 33


def upload(principal: Principal, body: model.RosterUpload) -> shapes.RosterUpserted:
    """Upsert up to MAX_ROWS rows; every bad row is reported (422) and every good row is kept."""
    good: dict[str, model.AsnRow] = {}
    bad: list[dict[str, Any]] = []
    for i, raw in enumerate(body.rows):
        try:
            row = model.AsnRow.model_validate(raw, strict=True)
            if row.kelurahan is not None:
                if row.kecamatan is None:
                    raise ValueError("kelurahan needs a kecamatan")
                row.kelurahan = kelurahan_in(row.kecamatan, row.kelurahan)
            good[row.nip] = row
        except ValidationError as exc:
            bad.append({"index": i, **field_errors(exc, whole="row")[0]})
        except (ValueError, TypeError) as exc:
            bad.append({"index": i, "field": "kelurahan", "message": str(exc)})
    upserted = _save(list(good.values()))
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
    from chalicelib.errors import Conflict, condition_failed

    for _ in range(WRITE_ATTEMPTS):
        existing = {r.nip: r for r in AsnRecord.batch_get([row.nip for row in rows], consistent_read=True)}
        moves: Counter[str] = Counter()
        try:
            with TransactWrite(connection=connection()) as tx:
                for row in rows:
                    old = existing.get(row.nip)
                    if old is None or old.department != row.department:
                        moves[row.department] += 1
                        if old is not None:
                            moves[old.department] -= 1
                    fields = {**row.model_dump(exclude={"nip"}), "roster": tables.ROSTER_PARTITION, "updated_at": now}
                    tx.update(
                        AsnRecord(row.nip),
                        actions=[set_or_remove(AsnRecord, name, value) for name, value in fields.items()],
                        condition=AsnRecord.nip.does_not_exist()
                        if old is None
                        else AsnRecord.department == old.department,
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
    }
