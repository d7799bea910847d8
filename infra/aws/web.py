"""The web app's runtime configuration and security headers: written once, for CloudFront and the local stack.

The app fetches `/config.json` at start (API URL, stage, whether the dev sign-in picker shows,
the Cognito hosted-UI domain and app client of each pool, Stripe's publishable key), so one
build runs on every stage. Locally the API server answers it from `local_config()`; on AWS
`deploy.sh` writes `aws_config()` of the stack's outputs into the app's bucket
(`python -m infra.aws.web config STAGE OUTPUTS_JSON`). The security headers CloudFront adds
(infra/aws/cdn.py) are the ones the local server sends, so a page the policy would break on
AWS breaks in the browser tests first. Cost: none at run time (constants).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, TypedDict, cast

STRIPE_KEY_ENV = "PEKEN_STRIPE_PUBLISHABLE_KEY"  # pk_live_/pk_test_: public by design, set when deploying


class HostedUi(TypedDict):
    """One Cognito pool's hosted sign-in: `<prefix>.auth.<region>.amazoncognito.com` and its app client."""

    domain: str
    client_id: str


class Auth(TypedDict):
    """The public pool (buyers, sellers) and the staff pool (admin, finance)."""

    public: HostedUi
    staff: HostedUi


class DemoIdentity(TypedDict):
    """One of the local picker's identities (infra/local/seed.py `demo_identities`)."""

    role: str  # asn, buyer, seller, admin, finance: the picker's label
    user_id: str
    name: str
    groups: list[str]
    nip: str | None


class RuntimeConfig(TypedDict):
    """The body of /config.json (the interface with web/src)."""

    api_url: str  # "" = the API is on the app's own origin (CloudFront routes /v1/*)
    stage: str
    dev_sign_in: bool  # the demo identity picker (POST /v1/dev/token): local stage only
    auth: Auth | None
    stripe_publishable_key: str | None
    demo_identities: list[DemoIdentity]  # the picker's buttons: the local seed's users; none elsewhere


def local_config() -> RuntimeConfig:
    """Return what the local stack serves: same origin, dev sign-in as the seed's users, no Cognito, no Stripe."""
    from infra.local.seed import demo_identities

    return {
        "api_url": "",
        "stage": "local",
        "dev_sign_in": True,
        "auth": None,
        "stripe_publishable_key": None,
        "demo_identities": cast("list[DemoIdentity]", demo_identities()),
    }


# Stack outputs (resources.json) the configuration is read from.
OUTPUT_KEYS = {
    "public": ("UserPoolDomainName", "UserPoolClientId"),
    "staff": ("StaffUserPoolDomainName", "StaffUserPoolClientId"),
}


def aws_config(stage: str, outputs: dict[str, str], stripe_publishable_key: str | None) -> RuntimeConfig:
    """Return the configuration of a deployed stage from its stack outputs (`OutputKey` -> `OutputValue`)."""

    def hosted(pool: str) -> HostedUi:
        domain, client = OUTPUT_KEYS[pool]
        return {"domain": outputs[domain], "client_id": outputs[client]}

    return {
        "api_url": "",
        "stage": stage,
        "dev_sign_in": False,
        "auth": {"public": hosted("public"), "staff": hosted("staff")},
        "stripe_publishable_key": stripe_publishable_key or None,
        "demo_identities": [],
    }


# Content-Security-Policy: scripts only from the app and Stripe.js (the Payment Element runs in
# Stripe's frames); the API is same-origin; presigned uploads go to S3, sign-in tokens come from
# Cognito's domain; product photos are sellers' https URLs. Styles may be inline (chart libraries
# write <style> into their SVG); no plugin, no framing of the app, forms post only to itself.
CSP: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'", "https://js.stripe.com"),
    "frame-src": ("https://js.stripe.com", "https://hooks.stripe.com"),
    "connect-src": ("'self'", "https://api.stripe.com", "https://*.amazonaws.com", "https://*.amazoncognito.com"),
    "img-src": ("'self'", "data:", "blob:", "https:"),
    "style-src": ("'self'", "'unsafe-inline'"),
    "font-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}
HSTS_SECONDS = 63072000  # two years, subdomains included
REFERRER_POLICY = "strict-origin-when-cross-origin"


def content_security_policy(extra_origins: tuple[str, ...] = ()) -> str:
    """Return the CSP header value; `extra_origins` may be fetched and shown (locally: the emulator's S3)."""
    directives = {**CSP, "connect-src": CSP["connect-src"] + extra_origins, "img-src": CSP["img-src"] + extra_origins}
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def security_headers(extra_origins: tuple[str, ...] = ()) -> dict[str, str]:
    """Return the headers every page of the app is sent with (HSTS only where TLS is: CloudFront)."""
    return {
        "Content-Security-Policy": content_security_policy(extra_origins),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": REFERRER_POLICY,
    }


def main(argv: list[str]) -> int:
    """`config STAGE OUTPUTS_JSON`: print config.json for a deployed stage (OUTPUTS_JSON from describe-stacks)."""
    if len(argv) != 3 or argv[0] != "config":
        print("usage: python -m infra.aws.web config STAGE OUTPUTS_JSON", file=sys.stderr)
        return 2
    listed: list[dict[str, Any]] = json.loads(Path(argv[2]).read_text(encoding="utf-8"))
    outputs = {str(o["OutputKey"]): str(o["OutputValue"]) for o in listed}
    print(json.dumps(aws_config(argv[1], outputs, os.environ.get(STRIPE_KEY_ENV)), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
