"""What every request body is made of: the base model and the field types every domain shares.

A body refuses fields it does not know (422 naming them). Cost: importing pydantic and
building a model's validator take a cold start tens of milliseconds, so only modules that
define bodies import this one (browsing the catalog, the usual first request, imports none),
and each model builds its validator when a request first validates it (`defer_build`), not
when its module is imported.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from chalicelib.validators import EMAIL, check_email, check_kecamatan, normalise_phone


class Body(BaseModel):
    """A request body (or a part of one): unknown fields refused, validator built on first use."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


# The examples are valid values (a real place, a mobile number) for clients and the fuzzer.
Phone = Annotated[
    str, StringConstraints(max_length=32), AfterValidator(normalise_phone), Field(examples=["081234567890"])
]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254),
    AfterValidator(check_email),
    Field(examples=["budi@example.id"], json_schema_extra={"pattern": r"^\s*" + EMAIL.pattern[1:-1] + r"\s*$"}),
]
KecamatanName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(check_kecamatan),
    Field(examples=["Gubeng"]),
]
KelurahanName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), Field(examples=["Airlangga"])
]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
