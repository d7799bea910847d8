"""Inputs the fuzzer (tests/e2e/test_fuzz.py) found or led to: each answered 500, or was let in.

Here without storage, so each stays fixed in the fast tier too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client
from pydantic import ValidationError

import app as app_module
from chalicelib import auth, config, http, ids
from chalicelib.auth import Principal
from chalicelib.catalog import listing
from chalicelib.catalog.bodies import StoreApplication
from chalicelib.errors import ValidationFailed
from chalicelib.paging import encode_cursor, page_request
from chalicelib.spending import model as spending_model
from chalicelib.spending import reminders
from chalicelib.spending import service as spending
from chalicelib.spending.model import ReminderRunRequest
from chalicelib.validators import normalise_phone
from tests.helpers import error_of

# Arabic-Indic digits: str.isdigit() and \d take them, and so did the validators.
ARABIC_INDIC = "".join(chr(0x660 + d) for d in range(10))


@pytest.fixture()
def client() -> Iterator[Client]:
    config.settings.cache_clear()
    with Client(app_module.app, stage_name="local") as c:
        yield c
    config.settings.cache_clear()


@pytest.mark.parametrize("limit", ["²", "٣", "9" * 5000, "0100", " 5", "1e2"])
def test_a_limit_that_is_not_plain_ascii_digits_is_422(limit: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        page_request({"limit": limit}, ("id",))
    assert caught.value.details["field"] == "limit"


def test_a_listing_cursor_with_an_odd_segment_is_422() -> None:
    for segment in ("²", "9" * 150):
        cursor = {"d": "abcdef01", "s": segment, "k": listing.START}
        with pytest.raises(ValidationFailed) as caught:
            listing._checked(cursor, 3)
        assert caught.value.details["field"] == "cursor"
    assert listing._checked({"d": "abcdef01", "s": "2", "k": listing.START}, 3) == ("abcdef01", 2, listing.START)


@pytest.mark.parametrize("body", [None, 5, [], "month"])
def test_running_reminders_needs_a_json_object(body: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        reminders.run_now(Principal("admin-1", ("admin",)), http.validate(ReminderRunRequest, body))
    assert caught.value.details["field"] == "body"


@pytest.mark.parametrize("as_of", [20260101, "20260101", "2026-W01-1", "2026-01-01T00:00", True])
def test_as_of_is_a_plain_date(as_of: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        reminders.run_now(Principal("admin-1", ("admin",)), http.validate(ReminderRunRequest, {"as_of": as_of}))
    assert caught.value.details["field"] == "as_of"


def test_days_are_yyyy_mm_dd_only() -> None:
    assert ids.parse_day("2026-01-31").isoformat() == "2026-01-31"
    arabic = "2026-01-31".translate(str.maketrans("0123456789", ARABIC_INDIC))
    for value in ("20260131", "2026-W05-6", "2026-01-32", arabic, 20260131, None):
        with pytest.raises(ValueError):
            ids.parse_day(value)


def test_a_department_filter_is_no_longer_than_a_department() -> None:
    assert spending.department_of({"department": "Dinas Kominfo"}) == "Dinas Kominfo"
    assert spending.department_of({}) is None
    with pytest.raises(ValidationFailed) as caught:
        spending.department_of({"department": "x" * (spending_model.MAX_DEPARTMENT_CHARS + 1)})
    assert caught.value.details["field"] == "department"


def test_numbers_are_ascii_digits() -> None:
    nip = ARABIC_INDIC[1:] * 2
    with pytest.raises(ValidationError):
        spending_model.AsnRow.model_validate({"nip": nip, "name": "A", "department": "D", "grade": "I/a"})
    assert not auth.is_nip(nip)
    assert not auth.is_nip("1" * 18 + "\n")
    assert auth.is_nip("1" * 18)
    assert not spending_model.valid_month("2026-01\n", "2026-12")
    with pytest.raises(ValueError):
        normalise_phone("0812" + ARABIC_INDIC[:8])
    store = {"name": "T", "kind": "umkm", "kecamatan": "Gubeng", "kelurahan": "Airlangga", "address": "Jl. A"}
    with pytest.raises(ValidationError):
        StoreApplication.model_validate({**store, "phone_number": "081234567890", "nib": ARABIC_INDIC + "123"})


def test_an_id_longer_than_any_is_404_and_counted_decoded(client: Client) -> None:
    response = client.http.get("/v1/products/" + "a" * 65)
    assert response.status_code == 404
    assert error_of(response.json_body)["code"] == "not_found"
    # 16 characters, 64 bytes percent-encoded: still an id, so the route answers (401 before any lookup)
    response = client.http.get("/v1/checkouts/" + "%F0%9F%98%80" * 16)
    assert response.status_code == 401


def test_a_bad_idempotency_key_without_a_token_is_401(client: Client) -> None:
    response = client.http.post(
        "/v1/admin/stores/S1/approve", headers={"Idempotency-Key": "x" * 65}, body=json.dumps({}).encode()
    )
    assert response.status_code == 401
    assert error_of(response.json_body)["code"] == "unauthorized"


@pytest.mark.parametrize("path", ["/v1/orders?limit=0", "/v1/admin/asn?limit=0", "/v1/stores/S1/orders?cursor=!!"])
def test_paged_routes_ask_for_a_token_before_reading_the_page(client: Client, path: str) -> None:
    response = client.http.get(path)
    assert response.status_code == 401
    assert error_of(response.json_body)["code"] == "unauthorized"


def test_a_cursor_is_checked_before_use() -> None:
    with pytest.raises(ValidationFailed):
        page_request({"cursor": encode_cursor({"nip": 5})}, ("nip",))


def test_every_request_body_has_a_valid_example_in_the_openapi_document() -> None:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

    from chalicelib import openapi

    document = openapi.document()
    for operations in document["paths"].values():
        for operation in operations.values():
            media = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if media is None:
                continue
            example = media["examples"]["valid"]["value"]
            schema = {**media["schema"], "components": document["components"]}
            Draft202012Validator(schema).validate(example)


def test_a_blank_body_is_malformed_json_and_an_empty_one_is_absent(client: Client) -> None:
    blank = client.http.post("/v1/dev/token", body=b" \n")
    assert blank.status_code == 400
    assert error_of(blank.json_body)["details"]["field"] == "body"
    empty = client.http.post("/v1/dev/token", body=b"")
    assert empty.status_code == 422
    assert error_of(empty.json_body)["details"]["field"] == "user_id"
