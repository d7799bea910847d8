"""Two Cognito user pools: the public one for buyers and sellers, the staff one (MFA) for admins and finance."""

from __future__ import annotations

from typing import Any

from infra.aws import identity
from tests.infra.conftest import of_type


def _pools(packaged: dict[str, Any]) -> dict[str, Any]:
    return {k: v["Properties"] for k, v in of_type(packaged["cfn"], "AWS::Cognito::UserPool").items()}


def test_each_pool_grants_only_its_own_groups(packaged: dict[str, Any]) -> None:
    granted: dict[str, set[str]] = {}
    for group in of_type(packaged["cfn"], "AWS::Cognito::UserPoolGroup").values():
        pool = group["Properties"]["UserPoolId"]["Ref"]
        granted.setdefault(pool, set()).add(group["Properties"]["GroupName"])
    assert granted == {pool: set(names) for pool, names in identity.GROUPS.items()}
    # Who reads personal data or moves money signs in through the staff pool only.
    assert not {"admin", "finance"} & granted[identity.PUBLIC_POOL]
    assert {"admin", "finance"} <= granted[identity.STAFF_POOL]


def test_public_pool_keeps_nip_and_verifies_a_changed_email(packaged: dict[str, Any]) -> None:
    pool = _pools(packaged)[identity.PUBLIC_POOL]
    assert {
        "Name": "nip",
        "AttributeDataType": "String",
        "Mutable": True,
        "StringAttributeConstraints": {"MinLength": "18", "MaxLength": "18"},
    } in pool["Schema"]
    assert pool["UserAttributeUpdateSettings"] == {"AttributesRequireVerificationBeforeUpdate": ["email"]}
    assert pool.get("MfaConfiguration", "OFF") == "OFF"  # 13,000 ASN sign in without TOTP


def test_staff_pool_requires_mfa_and_admin_created_users(packaged: dict[str, Any]) -> None:
    pool = _pools(packaged)[identity.STAFF_POOL]
    assert pool["MfaConfiguration"] == "ON"
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["UserAttributeUpdateSettings"] == {"AttributesRequireVerificationBeforeUpdate": ["email"]}
    assert pool["UserPoolAddOns"]["AdvancedSecurityMode"] == "ENFORCED"
    assert pool["UserPoolTier"] == "PLUS"  # threat protection needs it
    password = pool["Policies"]["PasswordPolicy"]
    assert password["MinimumLength"] >= 14
    assert all(password[k] for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"))


def test_staff_app_client_and_outputs(packaged: dict[str, Any]) -> None:
    cfn = packaged["cfn"]
    clients = {k: v["Properties"] for k, v in of_type(cfn, "AWS::Cognito::UserPoolClient").items()}
    staff = clients[identity.STAFF_CLIENT]
    assert staff["UserPoolId"] == {"Ref": identity.STAFF_POOL}
    assert staff["GenerateSecret"] is False and staff["PreventUserExistenceErrors"] == "ENABLED"
    assert "email" not in staff["WriteAttributes"]  # a staff member's email is changed by an admin
    assert clients[identity.PUBLIC_CLIENT]["UserPoolId"] == {"Ref": identity.PUBLIC_POOL}
    outputs = cfn["Outputs"]
    assert outputs["StaffUserPoolId"]["Value"] == {"Ref": identity.STAFF_POOL}
    assert outputs["StaffUserPoolClientId"]["Value"] == {"Ref": identity.STAFF_CLIENT}
    assert outputs["UserPoolId"]["Value"] == {"Ref": identity.PUBLIC_POOL}
