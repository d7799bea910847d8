"""What a newcomer does after `make run`, over real HTTP."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import jwt
import requests

from tests.e2e.conftest import RunningStack
from tests.helpers import error_of, load_key, new_key, sign, tamper, unsigned

TIMEOUT = 10


def get(stack: RunningStack, path: str, **kwargs: object) -> requests.Response:
    return requests.get(f"{stack.url}{path}", timeout=TIMEOUT, **kwargs)  # type: ignore[arg-type]


def test_health_token_and_me(stack: RunningStack) -> None:
    assert get(stack, "/v1/health").json() == {"status": "ok"}
    response = requests.post(
        f"{stack.url}/v1/dev/token", json={"user_id": "ana", "groups": ["buyer"], "name": "Ana"}, timeout=TIMEOUT
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires_at"} and body["expires_at"].endswith("Z")
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    assert claims["sub"] == "ana" and claims["cognito:groups"] == ["buyer"]
    me = get(stack, "/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.json()["user_id"] == "ana" and me.json()["name"] == "Ana"


def test_bad_tokens_are_401_in_error_shape(stack: RunningStack, tmp_path: object) -> None:
    good = stack.token("mallory", ["buyer"])
    local_key = load_key(stack.state_dir / "signing-key.pem")
    from pathlib import Path

    other_key = load_key(new_key(Path(str(tmp_path))))
    bad = {
        "none": None,
        "tampered": tamper(good),
        "garbage": "not.a.jwt",
        "expired": sign(local_key, sub="mallory", exp=int(time.time()) - 3600, iat=int(time.time()) - 7200),
        "other key": sign(other_key, sub="mallory"),
        "unsigned": unsigned(sub="mallory"),
        "wrong audience": sign(local_key, sub="mallory", aud="someone-else"),
    }
    for name, token in bad.items():
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = get(stack, "/v1/me", headers=headers)
        assert response.status_code == 401, name
        assert error_of(response.json())["code"] == "unauthorized", name


def test_unknown_path_and_wrong_method(stack: RunningStack) -> None:
    missing = get(stack, "/v1/no-such-thing")
    assert missing.status_code == 404 and error_of(missing.json())["code"] == "not_found"
    wrong = requests.patch(f"{stack.url}/v1/me", timeout=TIMEOUT)
    assert wrong.status_code == 405 and error_of(wrong.json())["code"] == "method_not_allowed"


def test_oversized_body_is_413_in_error_shape(stack: RunningStack) -> None:
    response = requests.put(
        f"{stack.url}/v1/me", data=b"x" * (2 * 1024 * 1024), timeout=TIMEOUT, headers=stack.headers("big")
    )
    assert response.status_code == 413
    assert error_of(response.json())["code"] == "payload_too_large"


def test_profile_change_travels_the_queue_to_the_inbox(stack: RunningStack) -> None:
    user = f"e2e-{uuid.uuid4().hex[:8]}"
    headers = stack.headers(user)
    response = requests.put(
        f"{stack.url}/v1/me",
        json={"locale": "en", "kecamatan": "Genteng", "kelurahan": "ketabang"},
        headers=headers,
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    stack.drain()
    inbox = get(stack, "/v1/me/notifications", headers=headers).json()
    assert [(n["kind"], n["title"]) for n in inbox["items"]] == [("profile_updated", "Profile updated")]
    assert inbox["next_cursor"] is None


def test_schedule_runs_and_is_visible(stack: RunningStack) -> None:
    fired = requests.post(f"{stack.url}/_local/schedules/heartbeat", timeout=TIMEOUT)
    result = fired.json()["result"]
    assert result["alive"] is True and set(result["dead_letters"]) == {
        "notifications-dlq",
        "payments-dlq",
        "order-events-dlq",
        "expiry-dlq",
        "exports-dlq",
    }
    jobs = get(stack, "/v1/admin/jobs", headers=stack.headers("boss", ["admin"])).json()
    heartbeat = next(j for j in jobs["items"] if j["job"] == "heartbeat")
    assert heartbeat["last_run"]["outcome"] == "succeeded"


def test_cors_preflight_over_http(stack: RunningStack) -> None:
    response = requests.options(
        f"{stack.url}/v1/me",
        timeout=TIMEOUT,
        headers={"Origin": "https://peken.example", "Access-Control-Request-Method": "PUT"},
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "https://peken.example"
    assert "PUT" in response.headers["Access-Control-Allow-Methods"]


def test_openapi_is_served(stack: RunningStack) -> None:
    document = get(stack, "/v1/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert {"/v1/health", "/v1/me", "/v1/dev/token", "/v1/categories"} <= set(document["paths"])


def test_concurrent_requests_are_served(stack: RunningStack) -> None:
    headers = stack.headers("many")
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(lambda _: get(stack, "/v1/me", headers=headers).status_code, range(64)))
    assert statuses == [200] * 64
