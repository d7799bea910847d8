"""Build the merge template `chalice package` folds into its SAM output.

It adds our resources (resources.json, the same definitions the local stack creates, and the
Cognito groups of infra/aws/identity.py), and for every function: a name of its own (so its
role can name its log group: CloudFormation's generated names are unknown until the function
exists), a log group with a retention, a role with exactly its grant (infra/aws/access.py)
and that one log group, and the configuration every function gets. It wires every SQS event
source to its queue resource with ReportBatchItemFailures (Chalice cannot set it: Chalice
#2029), capped at the function's reserved concurrency, and adds the API's front door
(infra/aws/gateway.py), the alarms (infra/aws/alarms.py) and the web app's bucket, CloudFront
and Cognito hosted sign-in (infra/aws/cdn.py).

Usage: python -m infra.aws.template STAGE OUT_FILE
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from chalicelib.config import BUCKET_ENVS, current_stage, resource_name, stream_table
from chalicelib.secrets import PSEUDONYM_SECRET_ENV
from infra.aws import access, alarms, cdn, gateway, identity, resources

CHALICE_CONFIG = Path(__file__).resolve().parents[2] / ".chalice" / "config.json"
API_FUNCTION = "APIHandler"  # Chalice's one function for every route
MAX_FUNCTION_NAME = 64  # Lambda's limit
MIN_POLLERS = 2  # the least MaximumConcurrency an SQS event source takes
LOG_RETENTION = "LogRetentionDays"
PARAMETERS: dict[str, Any] = {
    LOG_RETENTION: {
        "Type": "Number",
        "Default": 30,
        "AllowedValues": [7, 14, 30, 60, 90, 180, 365],
        "Description": "Days the functions' and the API's logs are kept",
    },
    **gateway.PARAMETERS,
}


def function_name(stage: str, handler: str) -> str:
    """Name a handler's Lambda function: `peken-<stage>-payments-worker`, like the stage's tables and queues."""
    return resource_name(stage, handler.replace("_", "-"))


def function_id(handler: str) -> str:
    """Return the logical id Chalice gives a handler's function."""
    from chalice.utils import to_cfn_resource_name

    return API_FUNCTION if handler == "api_handler" else to_cfn_resource_name(handler)


def reserved_concurrency(stage: str, handler: str) -> int | None:
    """Read a handler's reserved concurrency from .chalice/config.json, as `chalice package` does."""
    from chalice.config import Config

    config = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))
    value: int | None = Config(chalice_stage=stage, function_name=handler, config_from_disk=config).reserved_concurrency
    return value


def build(stage: str, sqs_handlers: dict[str, str], stream_handlers: dict[str, str] | None = None) -> dict[str, Any]:
    """Return the merge template for a stage; `sqs_handlers` maps handler to queue, `stream_handlers` to table."""
    fragment = resources.load(stage)
    merged: dict[str, Any] = {
        "Parameters": dict(PARAMETERS),
        "Conditions": dict(gateway.CONDITIONS),
        "Resources": {**fragment["Resources"], **identity.groups()},
        "Outputs": {**fragment.get("Outputs", {}), "AlarmTopicArn": {"Value": {"Ref": alarms.TOPIC}}},
        "Globals": {"Function": {"Environment": {"Variables": _environment()}}},
    }
    ids = _logical_ids(stage, fragment)
    for handler, grant in access.GRANTS.items():
        merged["Resources"].update(_function(stage, handler, grant, ids))
    queue_ids = {
        r["Properties"]["QueueName"]: logical for logical, r in resources.of_type(fragment, "AWS::SQS::Queue").items()
    }
    for handler, queue in sqs_handlers.items():
        function = merged["Resources"][function_id(handler)]
        # Chalice names the queue by ARN; DependsOn orders its creation before the mapping.
        function["DependsOn"] = [queue_ids[queue]]
        source: dict[str, Any] = {"FunctionResponseTypes": ["ReportBatchItemFailures"]}
        reserved = reserved_concurrency(stage, handler)
        if reserved is not None:
            # The poller does not know the function's cap: past it, batches are throttled and
            # counted as receives, heading for the dead-letter queue. Poll no faster than it runs.
            if reserved < MIN_POLLERS:
                raise ValueError(f"{handler}: a queue-fed function needs a reserved concurrency of {MIN_POLLERS}+")
            source["ScalingConfig"] = {"MaximumConcurrency": reserved}
        function["Properties"]["Events"] = {f"{function_id(handler)}SqsEventSource": {"Properties": source}}
    for handler, table in (stream_handlers or {}).items():
        # Chalice takes the stream's ARN at import, before the table exists: the real one goes here.
        event = f"{function_id(handler)}DynamodbEventSource"
        stream = {"Stream": {"Fn::GetAtt": [ids[table], "StreamArn"]}, "MaximumRetryAttempts": -1}
        merged["Resources"][function_id(handler)]["Properties"]["Events"] = {event: {"Properties": stream}}
    merged["Resources"].update(gateway.rest_api({"Ref": LOG_RETENTION}))
    merged["Resources"].update(alarms.alarms(fragment, gateway.STAGE))
    cdn.apply(merged, stage)
    return merged


def _function(stage: str, handler: str, grant: access.Grant, ids: dict[str, str]) -> dict[str, Any]:
    """Return a handler's function settings, its log group and its role."""
    function = function_id(handler)
    name = function_name(stage, handler)
    log_group = f"{function}LogGroup"
    return {
        function: {
            "Properties": {"FunctionName": name, "Role": {"Fn::GetAtt": [f"{function}Role", "Arn"]}},
        },
        log_group: {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"LogGroupName": f"/aws/lambda/{name}", "RetentionInDays": {"Ref": LOG_RETENTION}},
        },
        f"{function}Role": _role(ids, grant, log_group),
    }


def _environment() -> dict[str, Any]:
    buckets = {env: {"Ref": logical} for logical, env in BUCKET_ENVS.items()}  # their names carry the account id
    secrets = {
        "PEKEN_STRIPE_SECRET_ARN": {"Ref": access.SECRETS["stripe-secret"]},
        PSEUDONYM_SECRET_ENV: {"Ref": access.SECRETS["pseudonym-secret"]},
    }
    return {**identity.environment(), **secrets, **buckets}


def _logical_ids(stage: str, fragment: dict[str, Any]) -> dict[str, str]:
    """Map each table's and queue's short name (`orders`) to its logical id (`OrdersTable`)."""
    prefix = resource_name(stage, "")
    out = {}
    for logical, resource in fragment["Resources"].items():
        name = resource.get("Properties", {}).get("TableName") or resource.get("Properties", {}).get("QueueName")
        if isinstance(name, str) and name.startswith(prefix):
            out[name[len(prefix) :]] = logical
    return out


def _role(ids: dict[str, str], grant: access.Grant, log_group: str) -> dict[str, Any]:
    """Build one function's role: exactly its grant, plus its own log group and traces."""

    def arn(short: str) -> dict[str, Any]:
        return {"Fn::GetAtt": [ids[short], "Arn"]}

    def index_arns(short: str) -> dict[str, Any]:
        return {"Fn::Sub": f"${{{ids[short]}.Arn}}/index/*"}

    statements: list[dict[str, Any]] = []

    def allow(actions: tuple[str, ...], resource: Any) -> None:
        statements.append({"Effect": "Allow", "Action": list(actions), "Resource": resource})

    readable = sorted(grant.reads | grant.writes)
    if readable:
        allow(access.READ_ACTIONS, [arn(t) for t in readable] + [index_arns(t) for t in readable])
    if grant.writes:
        allow(access.WRITE_ACTIONS, [arn(t) for t in sorted(grant.writes)])
    if grant.updates - grant.writes:
        allow((access.UPDATE_ACTION,), [arn(t) for t in sorted(grant.updates - grant.writes)])
    if grant.appends - grant.writes:
        allow((access.APPEND_ACTION,), [arn(t) for t in sorted(grant.appends - grant.writes)])
    if grant.sends:
        allow(access.SEND_ACTIONS, [arn(q) for q in sorted(grant.sends)])
    if grant.watches:
        allow(access.WATCH_ACTIONS, [arn(q) for q in sorted(grant.watches)])
    if grant.consumes:
        allow(access.CONSUME_ACTIONS, arn(grant.consumes))
    if grant.streams:
        allow(access.STREAM_ACTIONS, [{"Fn::GetAtt": [ids[t], "StreamArn"]} for t in sorted(grant.streams)])
    for bucket in sorted(grant.buckets):
        logical, prefixes = access.BUCKETS[bucket]
        allow(access.OBJECT_ACTIONS, [{"Fn::Sub": f"${{{logical}.Arn}}/{prefix}"} for prefix in prefixes])
        allow(access.LIST_ACTIONS, {"Fn::GetAtt": [logical, "Arn"]})
    if grant.stripe:
        allow(access.SECRET_ACTIONS, {"Ref": access.SECRETS["stripe-secret"]})
    if grant.pseudonyms:
        allow(access.SECRET_ACTIONS, {"Ref": access.SECRETS["pseudonym-secret"]})
    if grant.email:
        identities = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"
        allow(access.EMAIL_ACTIONS, {"Fn::Sub": identities})
    if grant.sms:
        # Phone numbers only: never a topic, in particular not the alarm topic.
        statements.append(
            {"Effect": "Allow", "Action": list(access.SMS_ACTIONS), "NotResource": {"Fn::Sub": access.ANY_TOPIC}}
        )
    # The group exists before the function (CreateLogGroup is not needed); its ARN ends in :*,
    # which covers its log streams.
    allow(access.LOG_ACTIONS, {"Fn::GetAtt": [log_group, "Arn"]})
    allow(("xray:PutTraceSegments", "xray:PutTelemetryRecords"), "*")  # X-Ray has no resource-level permissions
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            },
            "Policies": [
                {"PolicyName": "PekenFunction", "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}
            ],
        },
    }


def sqs_handlers_of_app() -> dict[str, str]:
    """Import the app (with PEKEN_STAGE already set) and list its SQS handlers."""
    from chalice.app import SQSEventConfig

    import app

    return {s.name: s.queue for s in app.app.event_sources if isinstance(s, SQSEventConfig) and s.queue}


def stream_handlers_of_app() -> dict[str, str]:
    """Import the app and list its table-stream handlers, by the table's short name (config.stream_arn)."""
    from chalice.app import DynamoDBEventConfig

    import app

    prefix = resource_name(current_stage(), "")
    out = {}
    for source in app.app.event_sources:
        if isinstance(source, DynamoDBEventConfig):
            out[source.name] = stream_table(source.stream_arn).removeprefix(prefix)
    return out


def main(argv: list[str]) -> int:
    """Write the merge template for a stage."""
    stage, out = argv
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(build(stage, sqs_handlers_of_app(), stream_handlers_of_app()), fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
