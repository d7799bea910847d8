"""The API's front door: API Gateway's stage settings, its access logs and the WAF web ACL before it.

- Errors API Gateway answers itself (unknown route, throttled, too large) speak the API.md
  error shape.
- Throttling: API Gateway applies a stage's limits to each method separately ("per-API,
  per-stage throttling limits are applied at the API method level"), so `/*` `*` gives every
  route and method a bucket of its own, and the Stripe webhook's POST gets an explicit one:
  sized for Stripe (which retries a 429 later) and not for clients, and still there if the
  stage default is ever tuned down during an attack.
- X-Ray tracing (Chalice leaves it off for the REST API) and JSON access logs in a log group
  of their own with a retention. Access logging needs the account's API Gateway CloudWatch
  role: created here unless the CreateApiGatewayAccountRole parameter says the account
  already has one.
- WAF (regional, on by default): a per-IP rate limit; the webhook path is scoped out of it
  (Stripe sends from a handful of addresses) and gets its own, higher, per-IP limit; AWS's
  known-bad-inputs rule group drops exploit probes before they reach a Lambda.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib import errors

API = "RestAPI"  # Chalice's logical id for the REST API
STAGE = "api"  # .chalice/config.json api_gateway_stage
WEBHOOK_PATH = "/v1/webhooks/stripe"
COMPRESS_FROM_BYTES = 1024
THROTTLE = {"ThrottlingRateLimit": 100, "ThrottlingBurstLimit": 200}  # per second, for each route and method
WEBHOOK_THROTTLE = {"ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 100}  # Stripe's deliveries only
# API Gateway's own refusals in our error shape, with our error classes' codes (the document's).
GATEWAY_ERRORS: dict[str, tuple[type[errors.ApiError], str, bool]] = {  # class, message, keep the gateway's status
    "MISSING_AUTHENTICATION_TOKEN": (errors.NotFound, "no such route", False),
    "RESOURCE_NOT_FOUND": (errors.NotFound, "no such route", False),
    "THROTTLED": (errors.TooManyRequests, "slow down", False),
    "QUOTA_EXCEEDED": (errors.TooManyRequests, "slow down", False),
    "REQUEST_TOO_LARGE": (errors.PayloadTooLarge, "request too large", False),
    "WAF_FILTERED": (errors.Blocked, "request blocked by the firewall", False),
    "DEFAULT_4XX": (errors.BadRequest, "request rejected by the gateway", True),
    "DEFAULT_5XX": (errors.InternalError, "internal error", True),
}
# One JSON object per request. No query string, headers or body: they may carry personal data.
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "method": "$context.httpMethod",
    "path": "$context.path",
    "route": "$context.resourcePath",
    "status": "$context.status",
    "latencyMs": "$context.responseLatency",
    "integrationLatencyMs": "$context.integrationLatency",
    "bytes": "$context.responseLength",
    "time": "$context.requestTimeEpoch",
    "error": "$context.error.responseType",
    "waf": "$context.waf.status",
    "traceId": "$context.xrayTraceId",
}
ACCOUNT_ROLE_CONDITION = "CreateApiGatewayAccountRole"
PUSH_LOGS_POLICY = "service-role/AmazonAPIGatewayPushToCloudWatchLogs"  # AWS's policy for this very role
WAF_CONDITION = "WafEnabled"
PARAMETERS: dict[str, Any] = {
    ACCOUNT_ROLE_CONDITION: {
        "Type": "String",
        "AllowedValues": ["true", "false"],
        "Default": "true",
        "Description": "Set the account's API Gateway CloudWatch role (needed for access logs); false if the "
        "account already has one, or another stack in this account and region sets it",
    },
    WAF_CONDITION: {
        "Type": "String",
        "AllowedValues": ["true", "false"],
        "Default": "true",
        "Description": "Put a WAF web ACL with per-IP rate limits in front of the API",
    },
    "WafRateLimitPerIp": {
        "Type": "Number",
        "Default": 3000,
        "MinValue": 10,
        "Description": "Requests one IP address may make in 5 minutes (the Stripe webhook excepted) before WAF "
        "blocks it; offices and mobile carriers put many users behind one address",
    },
    "WafWebhookRateLimitPerIp": {
        "Type": "Number",
        "Default": 6000,
        "MinValue": 10,
        "Description": "Requests one IP address may make to the Stripe webhook in 5 minutes",
    },
}
CONDITIONS = {name: {"Fn::Equals": [{"Ref": name}, "true"]} for name in (ACCOUNT_ROLE_CONDITION, WAF_CONDITION)}


def rest_api(log_retention: Any) -> dict[str, Any]:
    """Return the merge-template resources of the API: its stage settings, access logs, account role and WAF."""
    out: dict[str, Any] = {
        API: {
            # The account role must be in place before a stage with access logs is created.
            "DependsOn": ["ApiGatewayAccountReady"],
            "Properties": {
                "DefinitionBody": {"x-amazon-apigateway-gateway-responses": _gateway_responses()},
                "MinimumCompressionSize": COMPRESS_FROM_BYTES,  # gzip for mobile clients on slow networks
                "TracingEnabled": True,
                "AccessLogSetting": {
                    "DestinationArn": {"Fn::GetAtt": ["ApiAccessLogs", "Arn"]},
                    "Format": json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":")),
                },
                "MethodSettings": [
                    {"ResourcePath": "/*", "HttpMethod": "*", **THROTTLE},
                    {"ResourcePath": _encoded(WEBHOOK_PATH), "HttpMethod": "POST", **WEBHOOK_THROTTLE},
                ],
            },
        },
        "ApiAccessLogs": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": {"Fn::Sub": "/aws/apigateway/${AWS::StackName}-access"},
                "RetentionInDays": log_retention,
            },
        },
    }
    out.update(_account_role())
    out.update(_web_acl())
    return out


def _encoded(path: str) -> str:
    """Write a resource path the way MethodSettings wants it: `/v1/x` is `/~1v1~1x`."""
    return "/" + path.replace("/", "~1")


def _account_role() -> dict[str, Any]:
    """Give API Gateway (account-wide, per region) a role to write logs with, unless the account has one."""
    return {
        "ApiGatewayCloudWatchRole": {
            "Type": "AWS::IAM::Role",
            "Condition": ACCOUNT_ROLE_CONDITION,
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "apigateway.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "ManagedPolicyArns": [{"Fn::Sub": f"arn:${{AWS::Partition}}:iam::aws:policy/{PUSH_LOGS_POLICY}"}],
            },
        },
        "ApiGatewayAccount": {
            "Type": "AWS::ApiGateway::Account",
            "Condition": ACCOUNT_ROLE_CONDITION,
            "Properties": {"CloudWatchRoleArn": {"Fn::GetAtt": ["ApiGatewayCloudWatchRole", "Arn"]}},
        },
        # DependsOn cannot name a resource whose condition may be false; a reference under
        # Fn::If can, so the API waits on this handle, and the handle on the account setting.
        "ApiGatewayAccountReady": {
            "Type": "AWS::CloudFormation::WaitConditionHandle",
            "Metadata": {
                "AccountSettings": {"Fn::If": [ACCOUNT_ROLE_CONDITION, {"Ref": "ApiGatewayAccount"}, "preset"]}
            },
        },
    }


def _rate_rule(name: str, priority: int, limit: str, scope: dict[str, Any]) -> dict[str, Any]:
    return {
        "Name": name,
        "Priority": priority,
        "Action": {"Block": {}},
        "Statement": {
            "RateBasedStatement": {
                "Limit": {"Ref": limit},
                "AggregateKeyType": "IP",  # the client's address, also behind the edge-optimized endpoint
                "EvaluationWindowSec": 300,
                "ScopeDownStatement": scope,
            }
        },
        "VisibilityConfig": _visibility(name),
    }


def _known_bad_inputs(priority: int, scope: dict[str, Any]) -> dict[str, Any]:
    """AWS's rule group for well-known exploit probes (Log4j lookups, localhost Host headers, ...).

    It stops them before they cost a Lambda invocation. The webhook is left out: its body is
    Stripe's, may quote what users typed, and is trusted only once its signature checks out.
    """
    name = "known-bad-inputs"
    group = {"VendorName": "AWS", "Name": "AWSManagedRulesKnownBadInputsRuleSet", "ScopeDownStatement": scope}
    return {
        "Name": name,
        "Priority": priority,
        "OverrideAction": {"None": {}},
        "Statement": {"ManagedRuleGroupStatement": group},
        "VisibilityConfig": _visibility(name),
    }


def _visibility(name: str) -> dict[str, Any]:
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": name}


def _web_acl() -> dict[str, Any]:
    """A regional web ACL with per-IP rate limits, associated with the API's stage."""
    # ENDS_WITH: the path is /api/v1/... on the execute-api host and /v1/... behind a custom domain.
    webhook = {
        "ByteMatchStatement": {
            "FieldToMatch": {"UriPath": {}},
            "PositionalConstraint": "ENDS_WITH",
            "SearchString": WEBHOOK_PATH,
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }
    return {
        "WebAcl": {
            "Type": "AWS::WAFv2::WebACL",
            "Condition": WAF_CONDITION,
            "Properties": {
                "Name": {"Fn::Sub": "${AWS::StackName}-api"},
                "Scope": "REGIONAL",
                "DefaultAction": {"Allow": {}},
                "VisibilityConfig": _visibility("peken-api"),
                "Rules": [
                    _rate_rule("rate-per-ip", 0, "WafRateLimitPerIp", {"NotStatement": {"Statement": webhook}}),
                    _rate_rule("webhook-rate-per-ip", 1, "WafWebhookRateLimitPerIp", webhook),
                    _known_bad_inputs(2, {"NotStatement": {"Statement": webhook}}),
                ],
            },
        },
        "WebAclAssociation": {
            "Type": "AWS::WAFv2::WebACLAssociation",
            "Condition": WAF_CONDITION,
            "Properties": {
                "ResourceArn": {
                    "Fn::Sub": f"arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}::/restapis/${{{API}}}"
                    f"/stages/${{{API}.Stage}}"
                },
                "WebACLArn": {"Fn::GetAtt": ["WebAcl", "Arn"]},
            },
        },
    }


def _gateway_responses() -> dict[str, Any]:
    out = {}
    for kind, (error, message, keep_status) in GATEWAY_ERRORS.items():
        body = json.dumps(errors.error_body(error.code, message))
        entry: dict[str, Any] = {"responseTemplates": {"application/json": body}}
        if not keep_status:
            entry["statusCode"] = str(error.status)
        out[kind] = entry
    return out
