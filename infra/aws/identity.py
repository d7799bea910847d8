"""Who signs in where: the public user pool and the staff user pool, their groups and the app's view of them.

Buyers and sellers (13,000 ASN among them) sign up in the public pool without a second
factor. Admins and finance officers read personal data and move money, so they live in a
staff pool of their own: users created by an admin only, TOTP MFA required, Cognito's threat
protection on. The app trusts both issuers and takes the `admin` and `finance` groups only
from the staff pool, so a public-pool user can never hold them. The pools and app clients are
in resources.json; the group names of each pool are the app's own (chalicelib/auth.py, the
one place they are written), and the template and the infra tests take them from here.
"""

from __future__ import annotations

from typing import Any

from chalicelib.auth import PUBLIC_GROUPS, STAFF_GROUPS

PUBLIC_POOL = "UserPool"
PUBLIC_CLIENT = "UserPoolClient"
STAFF_POOL = "StaffUserPool"
STAFF_CLIENT = "StaffUserPoolClient"

# The groups each pool may grant, by pool logical id.
GROUPS: dict[str, tuple[str, ...]] = {PUBLIC_POOL: PUBLIC_GROUPS, STAFF_POOL: STAFF_GROUPS}
# The environment variables through which every function learns each pool: prefix, app client.
VARIABLES: dict[str, tuple[str, str]] = {
    PUBLIC_POOL: ("PEKEN_AUTH", PUBLIC_CLIENT),
    STAFF_POOL: ("PEKEN_STAFF_AUTH", STAFF_CLIENT),
}


def group_id(pool: str, group: str) -> str:
    """Name a group's logical id: `BuyerGroup` in the public pool, `StaffAdminGroup` in the staff pool."""
    prefix = "Staff" if pool == STAFF_POOL else ""
    return f"{prefix}{group.title()}Group"


def groups() -> dict[str, Any]:
    """Build the AWS::Cognito::UserPoolGroup resources of both pools."""
    return {
        group_id(pool, group): {
            "Type": "AWS::Cognito::UserPoolGroup",
            "Properties": {"GroupName": group, "UserPoolId": {"Ref": pool}},
        }
        for pool, names in GROUPS.items()
        for group in names
    }


def environment() -> dict[str, Any]:
    """Return the issuer, key set URL and audience of each pool, as function environment variables."""
    out: dict[str, Any] = {}
    for pool, (prefix, client) in VARIABLES.items():
        issuer = f"https://cognito-idp.${{AWS::Region}}.amazonaws.com/${{{pool}}}"
        out[f"{prefix}_ISSUER"] = {"Fn::Sub": issuer}
        out[f"{prefix}_JWKS_URL"] = {"Fn::Sub": f"{issuer}/.well-known/jwks.json"}
        out[f"{prefix}_AUDIENCE"] = {"Ref": client}
    return out
