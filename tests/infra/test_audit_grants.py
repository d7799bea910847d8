"""The audit trail is append-only in IAM too: no function may update or delete an entry."""

from __future__ import annotations

import json
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


def test_only_the_api_reads_the_pseudonym_key() -> None:
    """The key that makes NIPs into pseudonyms is a generated secret, readable by the API's role alone."""
    built = template.build("dev", {})
    secret = built["Resources"]["PseudonymSecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert "GenerateSecretString" in secret["Properties"]  # made by CloudFormation, never written in code
    key_ref = {"Ref": access.SECRETS["pseudonym-secret"]}
    readers = set()
    for name, role in built["Resources"].items():
        if role.get("Type") != "AWS::IAM::Role":
            continue
        for policy in role["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                resources: Any = statement.get("Resource")
                if key_ref in (resources if isinstance(resources, list) else [resources]):
                    readers.add(name)
    assert readers == {"APIHandlerRole"}, readers
    assert [h for h, g in access.GRANTS.items() if g.allows("secretsmanager:GetSecretValue", "pseudonym-secret")] == [
        "api_handler"
    ]


def test_the_archive_is_locked_for_ten_years_and_fed_only_by_the_stream(packaged: dict[str, Any]) -> None:
    """Entries flow from the table's stream to a bucket whose object lock (COMPLIANCE) nobody can lift."""
    from chalicelib.audit.archive import RETENTION_YEARS
    from tests.infra.conftest import of_type, statements

    cfn = packaged["cfn"]
    bucket = of_type(cfn, "AWS::S3::Bucket")["AuditArchiveBucket"]
    assert bucket["DeletionPolicy"] == "Retain"
    props = bucket["Properties"]
    assert props["ObjectLockEnabled"] is True and props["VersioningConfiguration"] == {"Status": "Enabled"}
    retention = props["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert retention == {"Mode": "COMPLIANCE", "Years": RETENTION_YEARS} and RETENTION_YEARS >= 10
    assert all(props["PublicAccessBlockConfiguration"].values())
    [policy] = [
        p
        for p in of_type(cfn, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": "AuditArchiveBucket"}
    ]
    assert policy["Properties"]["PolicyDocument"]["Statement"][0]["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }
    table = of_type(cfn, "AWS::DynamoDB::Table")["AuditTable"]
    assert table["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    [mapping] = [
        m
        for m in of_type(cfn, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"] == {"Fn::GetAtt": ["AuditTable", "StreamArn"]}
    ]
    assert mapping["Properties"]["FunctionName"] == {"Ref": "AuditArchiver"}
    assert mapping["Properties"]["StartingPosition"] == "TRIM_HORIZON"  # every entry, from the first
    assert mapping["Properties"]["MaximumRetryAttempts"] == -1  # a failed batch waits, it is never dropped
    # Only the archiver writes there, only under audit/, and no role may delete or re-lock an object.
    writers = {
        name
        for name, role in of_type(cfn, "AWS::IAM::Role").items()
        for s in statements(role)
        if "AuditArchiveBucket" in json.dumps(s.get("Resource")) and "s3:PutObject" in s["Action"]
    }
    assert writers == {"AuditArchiverRole"}
    for role in of_type(cfn, "AWS::IAM::Role").values():
        for s in statements(role):
            if "AuditArchiveBucket" in json.dumps(s.get("Resource")):
                assert not {a for a in s["Action"] if "Delete" in a or "Retention" in a or "LegalHold" in a}
