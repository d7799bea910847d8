"""Notification texts in Bahasa Indonesia and English."""

from __future__ import annotations

from typing import Any

FIELD_NAMES = {
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

TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "profile_updated": {
        "id": ("Profil diperbarui", "Perubahan pada {fields} sudah disimpan."),
        "en": ("Profile updated", "Your changes to {fields} have been saved."),
    },
}


def render(kind: str, locale: str, params: dict[str, Any]) -> tuple[str, str]:
    """Return the title and body of a notification in the user's language."""
    lang = locale if locale in ("id", "en") else "id"
    title, body = TEMPLATES[kind][lang]
    names = FIELD_NAMES[lang]
    fields = ", ".join(names.get(f, f) for f in params.get("fields", []))
    return title, body.format(fields=fields, **{k: v for k, v in params.items() if k != "fields"})
