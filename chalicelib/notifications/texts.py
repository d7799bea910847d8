"""Notification texts in Bahasa Indonesia and English."""

from __future__ import annotations

from typing import Any

from chalicelib.ids import rupiah
from chalicelib.profiles.model import DEFAULT_LOCALE, LOCALES, Locale

# Every text in every locale of profiles.model.LOCALES (mypy refuses a locale that is not one).
FIELD_NAMES: dict[Locale, dict[str, str]] = {
    "id": {
        "name": "nama",
        "email": "email",
        "phone_number": "nomor telepon",
        "kecamatan": "kecamatan",
        "kelurahan": "kelurahan",
        "locale": "bahasa",
        "notify": "pengaturan notifikasi",
    },
    "en": {
        "name": "name",
        "email": "email",
        "phone_number": "phone number",
        "kecamatan": "kecamatan",
        "kelurahan": "kelurahan",
        "locale": "language",
        "notify": "notification settings",
    },
}

TEMPLATES: dict[str, dict[Locale, tuple[str, str]]] = {
    "profile_updated": {
        "id": ("Profil diperbarui", "Perubahan pada {fields} sudah disimpan."),
        "en": ("Profile updated", "Your changes to {fields} have been saved."),
    },
    "order_paid": {
        "id": ("Pesanan baru", "Pesanan {order} senilai {amount} sudah dibayar. Mohon segera diproses."),
        "en": ("New order", "Order {order} for {amount} has been paid. Please process it."),
    },
    "order_accepted": {
        "id": ("Pesanan diterima", "Toko sedang menyiapkan pesanan {order}."),
        "en": ("Order accepted", "The shop is preparing order {order}."),
    },
    "order_ready": {
        "id": ("Pesanan siap", "Pesanan {order} sudah siap."),
        "en": ("Order ready", "Order {order} is ready."),
    },
    "order_cancelled": {
        "id": ("Pesanan dibatalkan", "Pesanan {order} dibatalkan."),
        "en": ("Order cancelled", "Order {order} was cancelled."),
    },
    "spending_reminder": {
        "id": (
            "Pengingat belanja e-Peken",
            "Kewajiban belanja Anda bulan {month} masih kurang {amount}. Sisa waktu {days_left} hari.",
        ),
        "en": (
            "e-Peken spending reminder",
            "You still need to spend {amount} this month ({month}). {days_left} days left.",
        ),
    },
    "order_refunded": {
        "id": ("Dana dikembalikan", "{amount} untuk pesanan {order} sudah dikembalikan."),
        "en": ("Refunded", "{amount} for order {order} has been refunded."),
    },
    "refund_failed": {
        "id": (
            "Pengembalian dana gagal",
            "Pengembalian {amount} untuk pesanan {order_id} gagal (percobaan {attempt}); dicoba lagi otomatis.",
        ),
        "en": (
            "Refund failed",
            "Refunding {amount} for order {order_id} failed (attempt {attempt}); it will be tried again.",
        ),
    },
    "refund_failed_final": {
        "id": (
            "Pengembalian dana gagal: perlu tindakan",
            "Pengembalian {amount} untuk pesanan {order_id} gagal {attempt} kali. Kembalikan dana pembeli manual.",
        ),
        "en": (
            "Refund failed: action needed",
            "Refunding {amount} for order {order_id} failed {attempt} times. Return the buyer's money by other means.",
        ),
    },
}


def render(kind: str, locale: str, params: dict[str, Any]) -> tuple[str, str]:
    """Return the title and body of a notification in the user's language."""
    lang = next((known for known in LOCALES if known == locale), DEFAULT_LOCALE)
    title, body = TEMPLATES[kind][lang]
    names = FIELD_NAMES[lang]
    values = {
        "fields": ", ".join(names.get(f, f) for f in params.get("fields", [])),
        "amount": rupiah(int(params.get("amount_idr", 0))),
        "order": str(params.get("order_id", ""))[-6:],
        "order_id": str(params.get("order_id", "")),
        "attempt": str(params.get("attempt", "")),
        "month": str(params.get("month", "")),
        "days_left": str(params.get("days_left", "")),
    }
    return title, body.format(**values)
