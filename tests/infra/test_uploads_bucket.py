"""The evidence bucket in the template: private, encrypted, TLS only, unclaimed uploads expire; least privilege."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.config import UPLOADS_BUCKET_ENV
from chalicelib.uploads import model
from tests.infra.conftest import of_type, statements


def _bucket(packaged: dict[str, Any]) -> dict[str, Any]:
    buckets = of_type(packaged["cfn"], "AWS::S3::Bucket")
    assert set(buckets) >= {"UploadsBucket"}  # the audit archive is the other (tests/infra/test_audit_grants.py)
    return dict(buckets["UploadsBucket"]["Properties"])


def test_the_bucket_is_private_and_encrypted(packaged: dict[str, Any]) -> None:
    bucket = _bucket(packaged)
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    [rule] = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]  # no ACLs at all
    assert bucket["BucketName"] == {"Fn::Sub": "peken-dev-uploads-${AWS::AccountId}"}  # names are global


def test_the_bucket_refuses_plain_http(packaged: dict[str, Any]) -> None:
    policies = of_type(packaged["cfn"], "AWS::S3::BucketPolicy").values()
    [policy] = [p for p in policies if p["Properties"]["Bucket"] == {"Ref": "UploadsBucket"}]
    [deny] = policy["Properties"]["PolicyDocument"]["Statement"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", "*", "s3:*")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert {"Fn::Sub": "${UploadsBucket.Arn}/*"} in deny["Resource"]


def test_unclaimed_uploads_expire_as_their_records_do(packaged: dict[str, Any]) -> None:
    rules = {r["Prefix"]: r for r in _bucket(packaged)["LifecycleConfiguration"]["Rules"]}
    assert rules[model.UPLOAD_PREFIX]["Status"] == "Enabled"
    assert rules[model.UPLOAD_PREFIX]["ExpirationInDays"] == model.UNCLAIMED_DAYS  # the record's TTL too
    assert rules[model.EVIDENCE_PREFIX]["ExpirationInDays"] > model.UNCLAIMED_DAYS


def test_only_the_api_touches_the_bucket_and_only_its_two_prefixes(packaged: dict[str, Any]) -> None:
    roles = of_type(packaged["cfn"], "AWS::IAM::Role")
    s3 = {
        name: [
            s
            for s in statements(role)
            if any(a.startswith("s3:") for a in s["Action"]) and "UploadsBucket" in json.dumps(s.get("Resource"))
        ]
        for name, role in roles.items()
    }
    # The exports worker writes CSV exports under exports/ (in parts: abort is a multipart upload's, not a delete).
    assert {name for name, found in s3.items() if found} == {"APIHandlerRole", "ExportsWorkerRole"}
    exports, _, objects, listing = s3["APIHandlerRole"]
    actions = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
    assert objects["Action"] == actions  # no delete, no ACL, no tagging
    assert objects["Resource"] == [
        {"Fn::Sub": "${UploadsBucket.Arn}/uploads/*"},
        {"Fn::Sub": "${UploadsBucket.Arn}/evidence/*"},
    ]
    assert listing == {
        "Effect": "Allow",
        "Action": ["s3:ListBucket"],
        "Resource": {"Fn::GetAtt": ["UploadsBucket", "Arn"]},
    }
    assert exports["Resource"] == [{"Fn::Sub": "${UploadsBucket.Arn}/exports/*"}]  # the API signs downloads
    worker_objects, _ = s3["ExportsWorkerRole"]
    assert worker_objects["Action"] == actions
    assert worker_objects["Resource"] == [{"Fn::Sub": "${UploadsBucket.Arn}/exports/*"}]  # never the photos


def test_functions_are_told_the_buckets_name(packaged: dict[str, Any]) -> None:
    for logical, function in of_type(packaged["cfn"], "AWS::Lambda::Function").items():
        assert function["Properties"]["Environment"]["Variables"][UPLOADS_BUCKET_ENV] == {"Ref": "UploadsBucket"}, (
            logical
        )
