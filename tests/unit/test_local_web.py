"""infra/local/web.py: which requests the built app answers, with what, and that nothing outside the build leaks."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from infra.aws.web import aws_config, content_security_policy, local_config, security_headers
from infra.local.web import IMMUTABLE, REVALIDATE, WebApp

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def site(tmp_path: Path) -> WebApp:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>Peken</title>")
    (dist / "assets" / "index-abc123.js").write_text("console.log('x');" * 200)
    (dist / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("not for the web")
    return WebApp(local_config(), security_headers(), root=dist)


@pytest.mark.parametrize(
    ("method", "target", "served"),
    [
        ("GET", "/", True),
        ("HEAD", "/orders/1", True),
        ("GET", "/config.json", True),
        ("GET", "/v1x", True),
        ("POST", "/", False),
        ("GET", "/v1", False),
        ("GET", "/v1/health", False),
        ("GET", "/v1?x=1", False),
        ("GET", "/_local/queues", False),
    ],
)
def test_only_get_and_head_outside_the_api_reach_the_app(method: str, target: str, served: bool) -> None:
    assert WebApp.serves(method, target) is served


def test_app_routes_get_index_html_revalidated(site: WebApp) -> None:
    for target in ("/", "/orders/01H?x=1", "/admin/compliance", "//", "/index.html"):
        answer = site.answer(target)
        assert answer is not None
        status, headers, body = answer
        assert (status, body) == (200, b"<!doctype html><title>Peken</title>"), target
        assert headers["Cache-Control"] == REVALIDATE
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert headers["Content-Security-Policy"] == content_security_policy()


def test_assets_are_immutable_and_gzipped_when_asked(site: WebApp) -> None:
    answer = site.answer("/assets/index-abc123.js", "gzip, deflate")
    assert answer is not None
    status, headers, body = answer
    assert status == 200 and headers["Cache-Control"] == IMMUTABLE
    assert headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert headers["Content-Encoding"] == "gzip" and headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(body) == b"console.log('x');" * 200
    plain = site.answer("/assets/index-abc123.js")
    assert plain is not None and "Content-Encoding" not in plain[1]
    missing = site.answer("/assets/index-old.js")
    assert missing is not None and missing[0] == 404


def test_nothing_outside_the_build_is_read(site: WebApp) -> None:
    for target in ("/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/assets/../../secret.txt"):
        answer = site.answer(target)
        assert answer is not None
        assert b"not for the web" not in answer[2], target


def test_config_json_is_the_local_configuration(site: WebApp) -> None:
    answer = site.answer("/config.json")
    assert answer is not None
    assert json.loads(answer[2]) == local_config()
    assert answer[1]["Cache-Control"] == REVALIDATE


def test_without_a_build_only_config_json_answers(tmp_path: Path) -> None:
    site = WebApp(local_config(), {}, root=tmp_path / "nothing")
    assert site.answer("/") is None
    assert site.answer("/config.json") is not None


def test_vite_dev_config_matches_the_local_one() -> None:
    """`vite dev` serves web/public/config.json; it must say what the local stack says."""
    public = ROOT / "web" / "public" / "config.json"
    if not public.exists():
        pytest.skip("no web/public/config.json")
    assert json.loads(public.read_text()) == local_config()


def test_aws_config_comes_from_the_stack_outputs() -> None:
    outputs = {
        "UserPoolDomainName": "peken-dev-1.auth.ap-southeast-3.amazoncognito.com",
        "UserPoolClientId": "public-client",
        "StaffUserPoolDomainName": "peken-dev-staff-1.auth.ap-southeast-3.amazoncognito.com",
        "StaffUserPoolClientId": "staff-client",
    }
    config = aws_config("dev", outputs, "pk_test_123")
    assert config["dev_sign_in"] is False and config["api_url"] == ""
    assert config["auth"] == {
        "public": {"domain": outputs["UserPoolDomainName"], "client_id": "public-client"},
        "staff": {"domain": outputs["StaffUserPoolDomainName"], "client_id": "staff-client"},
    }
    assert aws_config("dev", outputs, "")["stripe_publishable_key"] is None


def test_the_demo_identities_are_the_seeds_users_one_per_role() -> None:
    from infra.local import seed

    identities = local_config()["demo_identities"]
    assert [i["role"] for i in identities] == ["asn", "buyer", "seller", "admin", "finance"]
    profiles = {u["user_id"]: u["name"] for u in seed.DEMO_USERS}
    sellers = {seller_id: fields["name"] for seller_id, fields, _ in seed.STORES}
    for identity in identities:
        assert identity["name"] == profiles.get(identity["user_id"], sellers.get(identity["user_id"]))
    asn = identities[0]
    assert seed.DEMO_ASN[asn["user_id"]] == asn["nip"]
    assert any(row["nip"] == asn["nip"] for row in seed.ROSTER)  # the picker's ASN is on the roster
    assert identities[-1]["user_id"] == seed.FINANCE and identities[-1]["groups"] == ["finance"]
    assert (
        aws_config(
            "dev",
            dict.fromkeys(
                ("UserPoolDomainName", "UserPoolClientId", "StaffUserPoolDomainName", "StaffUserPoolClientId"), "x"
            ),
            None,
        )["demo_identities"]
        == []
    )
