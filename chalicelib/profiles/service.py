"""Profile use cases: read me, change me (and tell the user it changed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib import queues
from chalicelib.auth import Principal
from chalicelib.ids import iso, utcnow
from chalicelib.messages import Notify
from chalicelib.profiles.model import DEFAULT_LOCALE, UpdateMe
from chalicelib.profiles.tables import ProfileRecord, get_profile, update_profile
from chalicelib.spending import roster
from chalicelib.validators import place_change

if TYPE_CHECKING:
    from chalicelib import shapes


def me(principal: Principal) -> shapes.Me:
    """Return the caller's profile: saved fields first, token claims as fallback."""
    return render(principal, get_profile(principal.user_id))


def update_me(principal: Principal, body: UpdateMe) -> shapes.Me:
    """Apply the given fields, then queue an inbox note that the profile changed."""
    changes = _changes(principal.user_id, body)
    if not changes:
        return me(principal)
    changes["updated_at"] = iso(utcnow())
    record = update_profile(principal.user_id, changes)
    changed = sorted(k for k in body.model_fields_set)
    queues.publish(Notify(user_id=principal.user_id, kind="profile_updated", params={"fields": changed}))
    return render(principal, record)


def _changes(user_id: str, body: UpdateMe) -> dict[str, Any]:
    given = body.model_fields_set
    changes: dict[str, Any] = {f: getattr(body, f) for f in ("name", "email", "phone_number", "locale") if f in given}
    if body.notify is not None:
        for channel in ("email", "sms"):
            if channel in body.notify.model_fields_set:
                changes[f"notify_{channel}"] = getattr(body.notify, channel)
    if "kecamatan" in given or "kelurahan" in given:
        saved = get_profile(user_id)
        before = (saved.kecamatan, saved.kelurahan) if saved else (None, None)
        changes.update(place_change(given, body.kecamatan, body.kelurahan, before))
    return changes


def render(principal: Principal, record: ProfileRecord | None) -> shapes.Me:
    """Shape a profile as GET /v1/me returns it."""
    saved = record or ProfileRecord(principal.user_id)
    return {
        "user_id": principal.user_id,
        "groups": list(principal.groups),
        "name": saved.name or principal.name,
        "email": saved.email or principal.email,
        "phone_number": saved.phone_number or principal.phone_number,
        "kecamatan": saved.kecamatan,
        "kelurahan": saved.kelurahan,
        "locale": saved.locale or DEFAULT_LOCALE,
        "notify": {
            "email": True if saved.notify_email is None else saved.notify_email,
            "sms": bool(saved.notify_sms),
        },
        "asn": roster.of(principal),
        "updated_at": saved.updated_at,
    }


@dataclass(frozen=True)
class Preferences:
    """How a user wants to be told things."""

    locale: str = DEFAULT_LOCALE
    email: bool = True
    sms: bool = False


def preferences(user_id: str) -> Preferences:
    """Return a user's language and channels (defaults when they never saved a profile)."""
    record = get_profile(user_id)
    if record is None:
        return Preferences()
    return Preferences(
        record.locale or DEFAULT_LOCALE,
        True if record.notify_email is None else bool(record.notify_email),
        bool(record.notify_sms),
    )


def kecamatan_of(principal: Principal) -> str | None:
    """Return the signed-in caller's kecamatan, used to favour nearby shops; None if unknown."""
    record = get_profile(principal.user_id)
    return record.kecamatan if record else None
