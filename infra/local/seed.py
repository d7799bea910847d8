"""Seed the local stack so a newcomer sees a living marketplace."""

from __future__ import annotations

from typing import Any

DEMO_USERS: tuple[dict[str, Any], ...] = (
    {
        "user_id": "demo-admin",
        "name": "Admin Dinkopdag",
        "locale": "id",
        "kecamatan": "Genteng",
        "kelurahan": "Ketabang",
    },
    {
        "user_id": "demo-seller",
        "name": "Bu Sri (Toko Sri Rejeki)",
        "locale": "id",
        "kecamatan": "Tambaksari",
        "kelurahan": "Tambaksari",
    },
    {"user_id": "demo-asn", "name": "Budi Santoso", "locale": "id", "kecamatan": "Gubeng", "kelurahan": "Airlangga"},
    {"user_id": "demo-buyer", "name": "Rina", "locale": "en", "kecamatan": "Tegalsari", "kelurahan": "Kedungdoro"},
)


def seed() -> dict[str, int]:
    """Write the demo data through the app's own models; return counts."""
    from chalicelib.profiles.store import ProfileRecord

    for user in DEMO_USERS:
        ProfileRecord(**user).save()
    return {"profiles": len(DEMO_USERS)}
