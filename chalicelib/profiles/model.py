"""Profile rules: what may be changed, and how a profile reads with the token's claims."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

from chalicelib.validators import Email, KecamatanName, KelurahanName, PersonName, Phone

Locale = Literal["id", "en"]
LOCALES: tuple[Locale, ...] = get_args(Locale)
DEFAULT_LOCALE: Locale = "id"


class NotifySettings(BaseModel):
    """Which channels besides the in-app inbox a user wants."""

    model_config = ConfigDict(extra="forbid")

    email: bool | None = None
    sms: bool | None = None


class UpdateMe(BaseModel):
    """PUT /v1/me: any of these fields; absent fields stay as they are, null clears."""

    model_config = ConfigDict(extra="forbid")

    name: PersonName | None = None
    email: Email | None = None
    phone_number: Phone | None = None
    kecamatan: KecamatanName | None = None
    kelurahan: KelurahanName | None = None
    locale: Locale | None = None
    notify: NotifySettings | None = None
