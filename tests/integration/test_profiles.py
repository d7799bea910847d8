from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

from infra.local.pump import QueuePump
from tests.helpers import error_of
from tests.integration.conftest import bearer, deliver_all


def put_me(client: Client, headers: dict[str, str], body: dict[str, Any]) -> Any:
    return client.http.put("/v1/me", headers=headers, body=json.dumps(body).encode())


def test_me_without_profile_reads_the_token(client: Client, aws: dict[str, Any], user: str) -> None:
    headers = bearer(aws["key_path"], user, ["buyer", "seller"], name="Sri", email="sri@example.id")
    body = client.http.get("/v1/me", headers=headers).json_body
    assert body["user_id"] == user
    assert body["groups"] == ["buyer", "seller"]
    assert (body["name"], body["email"], body["locale"], body["asn"]) == ("Sri", "sri@example.id", "id", None)


def test_profile_changes_are_saved_normalised(client: Client, aws: dict[str, Any], user: str) -> None:
    headers = bearer(aws["key_path"], user)
    response = put_me(
        client,
        headers,
        {
            "name": "Budi",
            "phone_number": "0812-3456-7890",
            "kecamatan": "BENOWO",
            "kelurahan": "tambak oso wilangon",
            "locale": "en",
            "notify": {"sms": True},
        },
    )
    assert response.status_code == 200, response.json_body
    again = client.http.get("/v1/me", headers=headers).json_body
    assert again["phone_number"] == "+6281234567890"
    assert (again["kecamatan"], again["kelurahan"]) == ("Benowo", "Tambak Oso Wilangun")
    assert again["locale"] == "en"
    assert again["notify"] == {"email": True, "sms": True}


def test_absent_fields_stay_and_null_clears(client: Client, aws: dict[str, Any], user: str) -> None:
    headers = bearer(aws["key_path"], user)
    put_me(client, headers, {"name": "Budi", "email": "budi@example.id"})
    put_me(client, headers, {"email": None})
    body = client.http.get("/v1/me", headers=headers).json_body
    assert body["name"] == "Budi" and body["email"] is None


def test_new_kecamatan_drops_a_kelurahan_outside_it(client: Client, aws: dict[str, Any], user: str) -> None:
    headers = bearer(aws["key_path"], user)
    put_me(client, headers, {"kecamatan": "Genteng", "kelurahan": "Ketabang"})
    body = put_me(client, headers, {"kecamatan": "Gubeng"}).json_body
    assert (body["kecamatan"], body["kelurahan"]) == ("Gubeng", None)
    body = put_me(client, headers, {"kelurahan": "Airlangga"}).json_body
    assert (body["kecamatan"], body["kelurahan"]) == ("Gubeng", "Airlangga")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kecamatan": "Menteng"}, "kecamatan"),
        ({"kecamatan": "Gubeng", "kelurahan": "Ketabang"}, "kelurahan"),
        ({"kelurahan": "Airlangga"}, "kelurahan"),
        ({"phone_number": "12345"}, "phone_number"),
        ({"email": "not-an-email"}, "email"),
        ({"locale": "fr"}, "locale"),
        ({"name": "x" * 101}, "name"),
        ({"name": 12}, "name"),
        ({"notify": {"email": "yes"}}, "notify.email"),
        ({"nickname": "b"}, "nickname"),
    ],
)
def test_bad_profile_input_is_422_naming_the_field(
    client: Client, aws: dict[str, Any], user: str, body: dict[str, Any], field: str
) -> None:
    headers = bearer(aws["key_path"], user)
    before = client.http.get("/v1/me", headers=headers).json_body
    response = put_me(client, headers, body)
    assert response.status_code == 422
    err = error_of(response.json_body)
    assert err["code"] == "validation_error" and err["details"]["field"] == field
    assert client.http.get("/v1/me", headers=headers).json_body == before


def test_profile_change_reaches_the_inbox_once(client: Client, aws: dict[str, Any], pump: QueuePump, user: str) -> None:
    headers = bearer(aws["key_path"], user)
    put_me(client, headers, {"phone_number": "081234567890", "locale": "id"})
    assert deliver_all(pump) >= 1
    inbox = client.http.get("/v1/me/notifications", headers=headers).json_body
    assert [(n["kind"], n["title"], n["read"]) for n in inbox["items"]] == [
        ("profile_updated", "Profil diperbarui", False)
    ]
    assert "nomor telepon" in inbox["items"][0]["body"]
    assert "0812" not in inbox["items"][0]["body"]  # no personal data in texts


def test_inbox_is_private(client: Client, aws: dict[str, Any], pump: QueuePump, user: str) -> None:
    put_me(client, bearer(aws["key_path"], user), {"name": "Owner"})
    deliver_all(pump)
    other = client.http.get("/v1/me/notifications", headers=bearer(aws["key_path"], user + "-other")).json_body
    assert other["items"] == []
