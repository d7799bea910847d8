"""Export rules: the kinds, who may ask for each, their columns in English and Indonesian.

An export is a CSV file (UTF-8, no byte-order mark, a header row, LF line ends, cells made
formula-safe by `chalicelib.csvfile`) written by the exports worker to the uploads bucket
under `exports/<export_id>.csv` (one deterministic key per export: a retried or resumed
worker writes the same object, never a second one) and handed out as a presigned GET that
works for URL_EXPIRY_SECONDS. The bucket's lifecycle rule forgets the files after KEEP_DAYS.

Who may ask (the route admits `admin` and `finance`; the kind decides, 403 otherwise):
- `compliance`, `laggards`: NIP and names of civil servants, the file payroll needs: admin only
  (finance sees money, not people: the treasury gets deductions from the admins' file);
- `sales`, `payouts`: money by order and by payout, no buyer nor contact data: admin and finance;
- `audit`: who changed what (chalicelib.audit's entries, personal data masked there): admin only.
The header's language is the body's `lang` (`en`, the default, or `id` for Indonesian names);
the values are the same in both (ids, amounts in whole rupiah, `true`/`false`).
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field

from chalicelib.bodies import Body

ExportKind = Literal["compliance", "laggards", "sales", "payouts", "audit"]
KINDS: tuple[ExportKind, ...] = get_args(ExportKind)
ExportStatus = Literal["queued", "running", "done", "failed"]
STATUSES: tuple[ExportStatus, ...] = get_args(ExportStatus)
Lang = Literal["en", "id"]
LANGS: tuple[Lang, ...] = get_args(Lang)

WHO_MAY: dict[ExportKind, tuple[str, ...]] = {
    "compliance": ("admin",),
    "laggards": ("admin",),
    "sales": ("admin", "finance"),
    "payouts": ("admin", "finance"),
    "audit": ("admin",),
}
MONTH_KINDS: tuple[ExportKind, ...] = ("compliance", "laggards")  # read `month` and `department`
RANGE_KINDS: tuple[ExportKind, ...] = ("sales", "payouts", "audit")  # read `from` and `to`

# (English, Indonesian) header of each column, in file order.
COLUMNS: dict[ExportKind, tuple[tuple[str, str], ...]] = {
    "compliance": (
        ("nip", "nip"),
        ("name", "nama"),
        ("department", "perangkat_daerah"),
        ("grade", "golongan"),
        ("quota_idr", "kuota_rp"),
        ("spent_idr", "belanja_rp"),
        ("compliant", "memenuhi_kewajiban"),
    ),
    "laggards": (
        ("nip", "nip"),
        ("name", "nama"),
        ("department", "perangkat_daerah"),
        ("grade", "golongan"),
        ("quota_idr", "kuota_rp"),
        ("spent_idr", "belanja_rp"),
        ("remaining_idr", "kekurangan_rp"),
    ),
    "sales": (
        ("order_id", "id_pesanan"),
        ("created_at", "waktu_pesan"),
        ("status", "status"),
        ("store_id", "id_toko"),
        ("store_name", "nama_toko"),
        ("total_idr", "total_rp"),
        ("delivery_fee_idr", "ongkir_rp"),
        ("refunded_idr", "dikembalikan_rp"),
        ("net_idr", "bersih_rp"),
    ),
    "payouts": (
        ("batch_id", "id_batch"),
        ("batch_status", "status_batch"),
        ("payout_id", "id_pencairan"),
        ("store_id", "id_toko"),
        ("method", "metode"),
        ("amount_idr", "jumlah_rp"),
        ("status", "status"),
        ("reference", "referensi"),
        ("created_at", "dibuat"),
        ("result_at", "hasil_pada"),
    ),
    "audit": (
        ("audit_id", "id_audit"),
        ("at", "waktu"),
        ("actor_id", "id_pelaku"),
        ("action", "tindakan"),
        ("target_type", "jenis_sasaran"),
        ("target_id", "id_sasaran"),
        ("before", "sebelum"),  # JSON of the changed fields, personal data masked (chalicelib.audit)
        ("after", "sesudah"),
        ("correlation_id", "id_korelasi"),
    ),
}

EXPORT_PREFIX = "exports/"
CONTENT_TYPE = "text/csv; charset=utf-8"
URL_EXPIRY_SECONDS = 300  # the download link works for 5 minutes; GET the export again for a new one
KEEP_DAYS = 7  # the file (bucket lifecycle on exports/) and the record (TTL) are forgotten after a week
# S3 takes parts of at least 5 MiB (but the last): the worker holds at most one part and one page.
MIN_PART_BYTES = 5 * 1024 * 1024
MAX_RESTARTS = 3  # a file S3 refuses to assemble is started again from the top at most this often
# An export whose worker has moved nothing for this long has stopped: SQS gives a message five
# tries 6 minutes apart (the queue's visibility timeout), so 45 minutes is past its last try.
STALLED_AFTER_SECONDS = 45 * 60


class NewExport(Body):
    """POST /v1/admin/exports: what to export."""

    kind: ExportKind
    month: str | None = Field(default=None, max_length=7, description="YYYY-MM (compliance, laggards; default now)")
    department: str | None = Field(default=None, min_length=1, max_length=100)
    from_: str | None = Field(default=None, alias="from", max_length=10, description="YYYY-MM-DD (sales, payouts)")
    to: str | None = Field(default=None, max_length=10, description="YYYY-MM-DD, inclusive")
    lang: Lang = Field(default="en", description="`id`: Indonesian column names")


def header(kind: ExportKind, lang: Lang) -> list[str]:
    """The header row of a kind in a language."""
    return [en if lang == "en" else id_ for en, id_ in COLUMNS[kind]]
