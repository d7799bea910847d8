"""Profile rules: what may be changed, and how a profile reads with the token's claims."""

from __future__ import annotations

from typing import Literal, get_args

from chalicelib.bodies import Body, Email, KecamatanName, KelurahanName, PersonName, Phone

Locale = Literal["id", "en"]
LOCALES: tuple[Locale, ...] = get_args(Locale)
DEFAULT_LOCALE: Locale = "id"


class NotifySettings(Body):
    """Which channels besides the in-app inbox a user wants."""

    email: bool | None = None
    sms: bool | None = None


class UpdateMe(Body):
    """PUT /v1/me: any of these fields; absent fields stay as they are, null clears."""

    name: PersonName | None = None
    email: Email | None = None
    phone_number: Phone | None = None
    kecamatan: KecamatanName | None = None
    kelurahan: KelurahanName | None = None
    locale: Locale | None = None
    notify: NotifySettings | None = None
