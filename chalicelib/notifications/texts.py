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
        "id": (
            "Pesanan siap",
            "Pesanan {order} sudah siap. Tunjukkan kode serah terima di pesanan Anda kepada penjual saat diterima.",
        ),
        "en": (
            "Order ready",
            "Order {order} is ready. Show the handover code in your order to the store when you get the goods.",
        ),
    },
    "store_approved": {
        "id": ("Toko disetujui", "Toko {store} sudah disetujui dan tampil di e-Peken. Silakan tambahkan produk."),
        "en": ("Store approved", "Your store {store} is approved and listed on e-Peken. You can add products now."),
    },
    "store_rejected": {
        "id": ("Pengajuan toko ditolak", "Pengajuan toko {store} ditolak. Alasan: {reason}"),
        "en": ("Store application rejected", "Your application for {store} was rejected. Reason: {reason}"),
    },
    "store_reinstated": {
        "id": ("Toko aktif kembali", "Toko {store} aktif kembali dan tampil lagi di e-Peken."),
        "en": ("Store reinstated", "Your store {store} is active again and listed on e-Peken."),
    },
    "store_suspended": {
        "id": ("Toko dibekukan", "Toko {store} dibekukan sementara dan tidak tampil. Alasan: {reason}"),
        "en": ("Store suspended", "Your store {store} is suspended and hidden from buyers. Reason: {reason}"),
    },
    "order_cancelled": {
        "id": ("Pesanan dibatalkan", "Pesanan {order} dibatalkan."),
        "en": ("Order cancelled", "Order {order} was cancelled."),
    },
    "order_cancelled_by_buyer": {
        "id": (
            "Pesanan dibatalkan pembeli",
            "Pembeli membatalkan pesanan {order} senilai {amount}. Stok sudah kembali.",
        ),
        "en": ("Order cancelled by the buyer", "The buyer cancelled order {order} for {amount}. The stock is back."),
    },
    "order_cancelled_by_admin": {
        "id": ("Pesanan dibatalkan admin", "Admin e-Peken membatalkan pesanan {order} senilai {amount}."),
        "en": ("Order cancelled by an admin", "An e-Peken admin cancelled order {order} for {amount}."),
    },
    "payment_received": {
        "id": ("Pembayaran diterima", "Pembayaran {amount} untuk pesanan {order} sudah diterima."),
        "en": ("Payment received", "We received {amount} for order {order}."),
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
    "product_taken_down": {
        "id": ("Produk diturunkan", "Produk {product} diturunkan oleh Pemkot dari e-Peken. Alasan: {reason}"),
        "en": ("Product taken down", "The city took {product} off e-Peken. Reason: {reason}"),
    },
    "product_restored": {
        "id": ("Produk ditayangkan lagi", "Produk {product} boleh dijual lagi di e-Peken."),
        "en": ("Product restored", "{product} may be sold on e-Peken again."),
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
    "payout_account_changed": {
        "id": (
            "Rekening pencairan diubah",
            "Rekening pencairan toko {store} diubah ke {destination}. Pencairan dana ditahan sampai diverifikasi. "
            "Jika bukan Anda yang mengubahnya, segera hubungi admin e-Peken.",
        ),
        "en": (
            "Payout account changed",
            "The payout account of {store} was changed to {destination}. Payouts are paused until it is verified. "
            "If you did not make this change, contact the e-Peken admins at once.",
        ),
    },
    "payout_account_review": {
        "id": (
            "Rekening pencairan perlu diverifikasi",
            "Toko {store} ({store_id}) mengubah rekening pencairan ke {destination}. Pencairan ditahan sampai "
            "diverifikasi; periksa apakah perubahan ini wajar.",
        ),
        "en": (
            "Payout account to verify",
            "{store} ({store_id}) changed its payout account to {destination}. Payouts are paused until it is "
            "verified; check that the change is genuine.",
        ),
    },
    "payout_account_verified": {
        "id": (
            "Rekening pencairan terverifikasi",
            "Rekening pencairan toko {store} ({destination}) sudah diverifikasi.",
        ),
        "en": ("Payout account verified", "The payout account of {store} ({destination}) is verified."),
    },
    "payout_account_rejected": {
        "id": (
            "Rekening pencairan ditolak",
            "Rekening pencairan toko {store} ({destination}) ditolak. Alasan: {reason}. Silakan perbaiki datanya.",
        ),
        "en": (
            "Payout account rejected",
            "The payout account of {store} ({destination}) was rejected. Reason: {reason}. Please correct it.",
        ),
    },
    "dispute_opened": {
        "id": (
            "Komplain pesanan",
            "Pembeli mengajukan komplain atas pesanan {order} dan meminta pengembalian {amount}. "
            "Penjual diminta menanggapi sebelum {respond_by}; tanpa tanggapan, admin e-Peken yang memutuskan.",
        ),
        "en": (
            "Order dispute",
            "The buyer disputed order {order} and asks for {amount} back. The store is asked to answer before "
            "{respond_by}; unanswered, an e-Peken admin decides.",
        ),
    },
    "dispute_message": {
        "id": ("Pesan baru di komplain", "Ada pesan baru di komplain pesanan {order}."),
        "en": ("New message in a dispute", "There is a new message in the dispute about order {order}."),
    },
    "dispute_seller_accepted": {
        "id": (
            "Komplain diterima penjual",
            "Penjual menerima komplain pesanan {order}; {amount} dikembalikan ke pembeli.",
        ),
        "en": ("Dispute accepted", "The store accepted the dispute about order {order}; {amount} is refunded."),
    },
    "dispute_contested": {
        "id": (
            "Komplain dibantah penjual",
            "Penjual membantah komplain pesanan {order}. Admin e-Peken akan memutuskan.",
        ),
        "en": ("Dispute contested", "The store contested the dispute about order {order}. An e-Peken admin decides."),
    },
    "dispute_escalated": {
        "id": (
            "Komplain diteruskan ke admin",
            "Penjual tidak menanggapi komplain pesanan {order} tepat waktu. Admin e-Peken akan memutuskan.",
        ),
        "en": (
            "Dispute escalated",
            "The store did not answer the dispute about order {order} in time. An e-Peken admin decides.",
        ),
    },
    "dispute_resolved_refund": {
        "id": (
            "Komplain diputuskan: dana dikembalikan",
            "Admin e-Peken memutuskan komplain pesanan {order}: {amount} dikembalikan ke pembeli.",
        ),
        "en": (
            "Dispute decided: refund",
            "An e-Peken admin decided the dispute about order {order}: {amount} is refunded to the buyer.",
        ),
    },
    "dispute_resolved_rejected": {
        "id": (
            "Komplain diputuskan: ditolak",
            "Admin e-Peken menolak komplain pesanan {order}. Tidak ada pengembalian dana.",
        ),
        "en": (
            "Dispute decided: rejected",
            "An e-Peken admin rejected the dispute about order {order}. Nothing is refunded.",
        ),
    },
    "payout_failed": {
        "id": (
            "Pencairan gagal",
            "Pencairan Rp{amount} untuk toko {store} ({payout_id}) gagal. Alasan: {reason}. "
            "Dananya kembali ke saldo tersedia dan ikut pencairan berikutnya; periksa rekening pencairan Anda.",
        ),
        "en": (
            "Payout failed",
            "The payout of Rp{amount} to {store} ({payout_id}) failed. Reason: {reason}. "
            "The money is back in your available balance for the next payout; please check your payout account.",
        ),
    },
}


def render(kind: str, locale: str, params: dict[str, Any]) -> tuple[str, str]:
    """Return the title and body of a notification in the user's language."""
    lang = next((known for known in LOCALES if known == locale), DEFAULT_LOCALE)
    title, body = TEMPLATES[kind][lang]
    names = FIELD_NAMES[lang]
    values = {
        **{name: value for name, value in params.items() if isinstance(value, str)},  # e.g. {store}, {reason}
        "fields": ", ".join(names.get(f, f) for f in params.get("fields", [])),
        "amount": rupiah(int(params.get("amount_idr", 0))),
        "order": str(params.get("order_id", ""))[-6:],
        "order_id": str(params.get("order_id", "")),
        "product": str(params.get("product_name", "")),
        "reason": str(params.get("reason", "")),
        "attempt": str(params.get("attempt", "")),
        "month": str(params.get("month", "")),
        "days_left": str(params.get("days_left", "")),
    }
    return title, body.format(**values)
