"""Create the tables and queues of a stage from the same definitions the deploy template uses."""

from __future__ import annotations

import json
from typing import Any

import boto3

from infra.aws import resources

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


def provision(stage: str, region: str) -> dict[str, Any]:
    """Create every table and queue of the stage; return their names and URLs."""
    fragment = resources.load(stage)
    tables = create_tables(fragment, region)
    queues = create_queues(fragment, region)
    return {"tables": tables, "queues": queues}


def create_tables(fragment: dict[str, Any], region: str) -> list[str]:
    """Create each AWS::DynamoDB::Table, with its TTL, from the template's properties."""
    client = boto3.client("dynamodb", region_name=region)
    names = []
    for props in (r["Properties"] for r in resources.of_type(fragment, "AWS::DynamoDB::Table").values()):
        client.create_table(**{k: props[k] for k in TABLE_KEYS if k in props})
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            client.update_time_to_live(
                TableName=props["TableName"],
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
        names.append(props["TableName"])
    return names


def create_queues(fragment: dict[str, Any], region: str) -> dict[str, str]:
    """Create each AWS::SQS::Queue, dead-letter queues first so redrive can point at them."""
    client: Any = boto3.client("sqs", region_name=region)
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
