"""The audit trail is append-only in IAM too: no function may update or delete an entry."""

from __future__ import annotations

from typing import Any

from infra.aws import access, template

CHANGES = ("dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem")


def test_no_grant_may_update_or_delete_in_an_append_only_table() -> None:
    assert "audit" in access.APPEND_ONLY
    for handler, grant in access.GRANTS.items():
        for table in access.APPEND_ONLY:
            for action in CHANGES:
                assert not grant.allows(action, table), (handler, action, table)
    assert access.GRANTS["api_handler"].allows("dynamodb:PutItem", "audit")  # entries are added with their changes
    assert access.GRANTS["api_handler"].allows("dynamodb:Query", "audit")  # and read by admins


def test_no_role_in_the_template_allows_a_change_to_an_entry() -> None:
    built = template.build("dev", {})
    audit_arn = {"Fn::GetAtt": ["AuditTable", "Arn"]}
    roles = {k: r for k, r in built["Resources"].items() if r.get("Type") == "AWS::IAM::Role"}
    assert roles
    seen_put = False
    for name, role in roles.items():
        for policy in role["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                resources: Any = statement.get("Resource")
                covered = resources if isinstance(resources, list) else [resources]
                if audit_arn in covered:
                    assert not set(CHANGES) & set(statement["Action"]), (name, statement["Action"])
                    seen_put |= "dynamodb:PutItem" in statement["Action"]
    assert seen_put
