"""Build the merge template `chalice package` folds into its SAM output.

It adds our resources (resources.json, the same definitions the local stack creates),
wires every SQS event source to its queue resource with ReportBatchItemFailures
(Chalice cannot set it: Chalice #2029), gives the functions their configuration and
each function a role of its own with exactly its grant (infra/aws/access.py), and makes
API Gateway's own errors speak the API.md error shape.

Usage: python -m infra.aws.template STAGE OUT_FILE
"""

from __future__ import annotations

import json
import sys
from typing import Any

from chalicelib.config import resource_name
from infra.aws import access, resources

GATEWAY_ERRORS = {
    "MISSING_AUTHENTICATION_TOKEN": (404, "not_found", "no such route"),
    "RESOURCE_NOT_FOUND": (404, "not_found", "no such route"),
    "THROTTLED": (429, "too_many_requests", "slow down"),
    "QUOTA_EXCEEDED": (429, "too_many_requests", "slow down"),
    "REQUEST_TOO_LARGE": (413, "payload_too_large", "request too large"),
    "DEFAULT_4XX": (None, "bad_request", "request rejected by the gateway"),
    "DEFAULT_5XX": (None, "internal_error", "internal error"),
}
API_FUNCTION = "APIHandler"  # Chalice's one function for every route
COMPRESS_FROM_BYTES = 1024
THROTTLE = {"ThrottlingRateLimit": 100, "ThrottlingBurstLimit": 200}  # per second, for the whole API


def build(stage: str, sqs_handlers: dict[str, str]) -> dict[str, Any]:
    """Return the merge template for a stage; `sqs_handlers` maps handler name to queue name."""
    from chalice.utils import to_cfn_resource_name

    fragment = resources.load(stage)
    merged: dict[str, Any] = {"Resources": dict(fragment["Resources"]), "Outputs": fragment.get("Outputs", {})}
    queue_ids = {
        r["Properties"]["QueueName"]: logical for logical, r in resources.of_type(fragment, "AWS::SQS::Queue").items()
    }
    for handler, queue in sqs_handlers.items():
        function = to_cfn_resource_name(handler)
        # Chalice names the queue by ARN; DependsOn orders its creation before the mapping.
        merged["Resources"][function] = {
            "DependsOn": [queue_ids[queue]],
            "Properties": {
                "Events": {
                    f"{function}SqsEventSource": {
                        "Properties": {
                            "FunctionResponseTypes": ["ReportBatchItemFailures"],
                        }
                    }
                }
            },
        }
    merged["Globals"] = {"Function": {"Environment": {"Variables": _environment()}}}
    ids = _logical_ids(stage, fragment)
    for handler, grant in access.GRANTS.items():
        function = API_FUNCTION if handler == "api_handler" else to_cfn_resource_name(handler)
        role = f"{function}Role"
        merged["Resources"][role] = _role(ids, grant)
        entry = merged["Resources"].setdefault(function, {})
        entry.setdefault("Properties", {})["Role"] = {"Fn::GetAtt": [role, "Arn"]}
    merged["Resources"]["RestAPI"] = {
        "Properties": {
            "DefinitionBody": {"x-amazon-apigateway-gateway-responses": _gateway_responses()},
            "MinimumCompressionSize": COMPRESS_FROM_BYTES,  # gzip for mobile clients on slow networks
            "MethodSettings": [{"ResourcePath": "/*", "HttpMethod": "*", **THROTTLE}],
        }
    }
    merged["Resources"].update(_alarms(fragment))
    merged["Outputs"]["AlarmTopicArn"] = {"Value": {"Ref": "AlarmTopic"}}
    return merged


def _alarm(
    metric: str,
    namespace: str,
    dimensions: list[dict[str, Any]],
    threshold: float,
    statistic: str = "Maximum",
    periods: int = 1,
    period: int = 60,
) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": dimensions,
            "Statistic": statistic,
            "Period": period,
            "EvaluationPeriods": periods,
            "Threshold": threshold,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlarmTopic"}],
            "OKActions": [{"Ref": "AlarmTopic"}],
        },
    }


def _alarms(fragment: dict[str, Any]) -> dict[str, Any]:
    """A message in any dead-letter queue, API 5xx, Lambda throttles, payments stuck in the queue."""
    out: dict[str, Any] = {
        "AlarmTopic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Fn::Sub": "${AWS::StackName}-alarms"}}}
    }
    for logical, queue in resources.of_type(fragment, "AWS::SQS::Queue").items():
        if queue["Properties"]["QueueName"].endswith("-dlq"):
            dims = [{"Name": "QueueName", "Value": {"Fn::GetAtt": [logical, "QueueName"]}}]
            out[f"{logical}Alarm"] = _alarm("ApproximateNumberOfMessagesVisible", "AWS/SQS", dims, 0)
    out["PaymentsStuckAlarm"] = _alarm(
        "ApproximateAgeOfOldestMessage",
        "AWS/SQS",
        [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["PaymentsQueue", "QueueName"]}}],
        300,
        periods=2,
    )
    out["Api5xxAlarm"] = _alarm(
        "5XXError",
        "AWS/ApiGateway",
        [{"Name": "ApiName", "Value": {"Ref": "AWS::StackName"}}, {"Name": "Stage", "Value": "api"}],
        5,
        statistic="Sum",
        period=300,
    )
    out["LambdaThrottlesAlarm"] = _alarm("Throttles", "AWS/Lambda", [], 0, statistic="Sum", period=300)
    return out


def _environment() -> dict[str, Any]:
    issuer = {"Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"}
    return {
        "PEKEN_AUTH_ISSUER": issuer,
        "PEKEN_AUTH_JWKS_URL": {
            "Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}/.well-known/jwks.json"
        },
        "PEKEN_AUTH_AUDIENCE": {"Ref": "UserPoolClient"},
        "PEKEN_STRIPE_SECRET_ARN": {"Ref": "StripeSecret"},
    }


def _logical_ids(stage: str, fragment: dict[str, Any]) -> dict[str, str]:
    """Map each table's and queue's short name (`orders`) to its logical id (`OrdersTable`)."""
    prefix = resource_name(stage, "")
    out = {}
    for logical, resource in fragment["Resources"].items():
        name = resource.get("Properties", {}).get("TableName") or resource.get("Properties", {}).get("QueueName")
        if isinstance(name, str) and name.startswith(prefix):
            out[name[len(prefix) :]] = logical
    return out


def _role(ids: dict[str, str], grant: access.Grant) -> dict[str, Any]:
    """Build one function's role: exactly its grant, plus logs and traces."""

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
    if grant.sends:
        allow(access.SEND_ACTIONS, [arn(q) for q in sorted(grant.sends)])
    if grant.watches:
        allow(access.WATCH_ACTIONS, [arn(q) for q in sorted(grant.watches)])
    if grant.consumes:
        allow(access.CONSUME_ACTIONS, arn(grant.consumes))
    if grant.stripe:
        allow(access.STRIPE_ACTIONS, {"Ref": "StripeSecret"})
    if grant.email:
        identities = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"
        allow(access.EMAIL_ACTIONS, {"Fn::Sub": identities})
    if grant.sms:
        # SMS to a phone number has no resource ARN to name.
        allow(access.SMS_ACTIONS, "*")
    allow(
        ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"),
        {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*"},
    )
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


def _gateway_responses() -> dict[str, Any]:
    out = {}
    for kind, (status, code, message) in GATEWAY_ERRORS.items():
        body = json.dumps({"error": {"code": code, "message": message, "details": {}}})
        entry: dict[str, Any] = {"responseTemplates": {"application/json": body}}
        if status is not None:
            entry["statusCode"] = str(status)
        out[kind] = entry
    return out


def sqs_handlers_of_app() -> dict[str, str]:
    """Import the app (with PEKEN_STAGE already set) and list its SQS handlers."""
    from chalice.app import SQSEventConfig

    import app

    return {s.name: s.queue for s in app.app.event_sources if isinstance(s, SQSEventConfig) and s.queue}


def main(argv: list[str]) -> int:
    """Write the merge template for a stage."""
    stage, out = argv
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(build(stage, sqs_handlers_of_app()), fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
