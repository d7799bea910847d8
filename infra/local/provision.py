"""Create the tables, queues and buckets of a stage on the emulator, from the definitions the template uses."""

from __future__ import annotations

import json
from typing import Any

from infra.aws import resources

EMULATOR_ACCOUNT = "123456789012"  # moto's default account: its backends are keyed by it
# Credentials boto3 must have to sign requests; the emulator accepts any.
TEST_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}

TABLE_KEYS = (
    "TableName",
    "AttributeDefinitions",
    "KeySchema",
    "BillingMode",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "StreamSpecification",
)
QUEUE_ATTRIBUTES = (
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "ReceiveMessageWaitTimeSeconds",
    "FifoQueue",
    "ContentBasedDeduplication",
)


def provision(stage: str, region: str, endpoint: str) -> dict[str, Any]:
    """Create every table and queue of the stage on the emulator at `endpoint`; return their names and URLs."""
    fragment = resources.load(stage)
    tables = create_tables(fragment, emulator_client("dynamodb", region, endpoint))
    queues = create_queues(fragment, emulator_client("sqs", region, endpoint))
    buckets = create_buckets(fragment, emulator_client("s3", region, endpoint), region)
    return {"tables": tables, "queues": queues, "buckets": buckets}


def emulator_client(service: str, region: str, endpoint: str) -> Any:
    """Return a boto3 client of the emulator at `endpoint`, whatever this process's environment says."""
    import boto3
    from botocore.config import Config

    make: Any = boto3.client  # typed per service name; ours is a parameter
    return make(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id=TEST_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=TEST_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=TEST_CREDENTIALS["AWS_SESSION_TOKEN"],
        config=Config(account_id_endpoint_mode="disabled"),
    )


def bucket_names(fragment: dict[str, Any], region: str) -> dict[str, str]:
    """Name each AWS::S3::Bucket as the template's `Fn::Sub` does, in the emulator's account."""
    values = {"${AWS::AccountId}": EMULATOR_ACCOUNT, "${AWS::Region}": region, "${AWS::Partition}": "aws"}
    out = {}
    for logical_id, resource in resources.of_type(fragment, "AWS::S3::Bucket").items():
        name = resource["Properties"]["BucketName"]
        name = name["Fn::Sub"] if isinstance(name, dict) else name
        for variable, value in values.items():
            name = name.replace(variable, value)
        out[logical_id] = name
    return out


def create_buckets(fragment: dict[str, Any], client: Any, region: str) -> list[str]:
    """Create each AWS::S3::Bucket, private, encrypted and locked as the template makes it (moto keeps no lifecycle)."""
    names = []
    for logical_id, name in bucket_names(fragment, region).items():
        props = resources.of_type(fragment, "AWS::S3::Bucket")[logical_id]["Properties"]
        locked = bool(props.get("ObjectLockEnabled"))
        client.create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": region}, ObjectLockEnabledForBucket=locked
        )
        if locked:  # versioned by the lock; its default retention as the template sets it
            client.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration=props["ObjectLockConfiguration"])
        if "PublicAccessBlockConfiguration" in props:
            client.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
            )
        for rule in props.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", []):
            default = {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
            client.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [default]})
        names.append(name)
    return names


def create_tables(fragment: dict[str, Any], client: Any) -> list[str]:
    """Create each AWS::DynamoDB::Table, with its TTL, from the template's properties."""
    names = []
    for props in (r["Properties"] for r in resources.of_type(fragment, "AWS::DynamoDB::Table").values()):
        table = {k: props[k] for k in TABLE_KEYS if k in props}
        if "StreamSpecification" in table:  # CloudFormation's has no StreamEnabled: a stream is on when given
            table["StreamSpecification"] = {"StreamEnabled": True, **table["StreamSpecification"]}
        client.create_table(**table)
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            client.update_time_to_live(
                TableName=props["TableName"],
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
        names.append(props["TableName"])
    return names


def create_queues(fragment: dict[str, Any], client: Any) -> dict[str, str]:
    """Create each AWS::SQS::Queue, dead-letter queues first so redrive can point at them."""
    defined = resources.of_type(fragment, "AWS::SQS::Queue")
    arns: dict[str, str] = {}
    urls: dict[str, str] = {}
    ordered = sorted(defined.items(), key=lambda item: "RedrivePolicy" in item[1]["Properties"])
    for logical_id, resource in ordered:
        props = resource["Properties"]
        attributes = {
            k: str(props[k]).lower() if isinstance(props[k], bool) else str(props[k])
            for k in QUEUE_ATTRIBUTES
            if k in props
        }
        redrive = props.get("RedrivePolicy")
        if redrive:
            target = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": arns[target], "maxReceiveCount": int(redrive["maxReceiveCount"])}
            )
        url = client.create_queue(QueueName=props["QueueName"], Attributes=attributes)["QueueUrl"]
        arns[logical_id] = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        urls[props["QueueName"]] = url
    return urls
