"""API Gateway: tracing, access logs and the account role they need, throttles, WAF, no dev routes."""

from __future__ import annotations

import json
from typing import Any

from infra.aws import gateway
from tests.infra.conftest import of_type


def _stage(packaged: dict[str, Any]) -> dict[str, Any]:
    stages = of_type(packaged["cfn"], "AWS::ApiGateway::Stage")
    assert len(stages) == 1
    properties: dict[str, Any] = next(iter(stages.values()))["Properties"]
    assert properties["StageName"] == gateway.STAGE
    return properties


def test_api_is_traced_and_writes_json_access_logs(packaged: dict[str, Any]) -> None:
    stage = _stage(packaged)
    assert stage["TracingEnabled"] is True
    setting = stage["AccessLogSetting"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogs", "Arn"]}
    fields = json.loads(setting["Format"])
    assert {"requestId", "ip", "method", "path", "status", "latencyMs"} <= set(fields)
    assert fields["ip"] == "$context.identity.sourceIp" and fields["latencyMs"] == "$context.responseLatency"
    logs = packaged["cfn"]["Resources"]["ApiAccessLogs"]
    assert logs["Type"] == "AWS::Logs::LogGroup"
    assert logs["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_access_logs_wait_for_the_account_role_unless_told_it_exists(packaged: dict[str, Any]) -> None:
    cfn = packaged["cfn"]
    parameter = cfn["Parameters"]["CreateApiGatewayAccountRole"]
    assert parameter["Default"] == "true" and parameter["AllowedValues"] == ["true", "false"]
    account = cfn["Resources"]["ApiGatewayAccount"]
    assert account["Type"] == "AWS::ApiGateway::Account"
    assert account["Condition"] == "CreateApiGatewayAccountRole"
    assert account["Properties"]["CloudWatchRoleArn"] == {"Fn::GetAtt": ["ApiGatewayCloudWatchRole", "Arn"]}
    # The API (so its deployment and stage) waits for the account setting when it is made here.
    api = next(iter(of_type(cfn, "AWS::ApiGateway::RestApi").values()))
    handle = cfn["Resources"][api["DependsOn"][0]]
    assert handle["Type"] == "AWS::CloudFormation::WaitConditionHandle"
    assert json.dumps({"Ref": "ApiGatewayAccount"}) in json.dumps(handle["Metadata"])


def test_the_stripe_webhook_has_a_throttle_of_its_own(packaged: dict[str, Any]) -> None:
    assert (
        "post" in packaged["sam"]["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"][gateway.WEBHOOK_PATH]
    )
    settings = {(s["ResourcePath"], s["HttpMethod"]): s for s in _stage(packaged)["MethodSettings"]}
    webhook = settings["/~1v1~1webhooks~1stripe", "POST"]
    assert webhook["ThrottlingRateLimit"] == gateway.WEBHOOK_THROTTLE["ThrottlingRateLimit"] > 0
    assert webhook["ThrottlingBurstLimit"] == gateway.WEBHOOK_THROTTLE["ThrottlingBurstLimit"] > 0
    assert settings["/*", "*"]["ThrottlingRateLimit"] == gateway.THROTTLE["ThrottlingRateLimit"]


def _rules(packaged: dict[str, Any]) -> dict[str, Any]:
    acl = packaged["cfn"]["Resources"]["WebAcl"]
    assert acl["Type"] == "AWS::WAFv2::WebACL" and acl["Condition"] == "WafEnabled"
    assert acl["Properties"]["Scope"] == "REGIONAL" and acl["Properties"]["DefaultAction"] == {"Allow": {}}
    return {r["Name"]: r for r in acl["Properties"]["Rules"]}


def test_waf_limits_each_ip_and_spares_the_webhook(packaged: dict[str, Any]) -> None:
    cfn = packaged["cfn"]
    assert cfn["Parameters"]["WafEnabled"]["Default"] == "true"
    assert cfn["Parameters"]["WafRateLimitPerIp"]["Type"] == "Number"
    rules = _rules(packaged)
    webhook = {
        "ByteMatchStatement": {
            "FieldToMatch": {"UriPath": {}},
            "PositionalConstraint": "ENDS_WITH",
            "SearchString": gateway.WEBHOOK_PATH,
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }
    general = rules["rate-per-ip"]
    assert general["Action"] == {"Block": {}}
    statement = general["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "IP" and statement["Limit"] == {"Ref": "WafRateLimitPerIp"}
    assert statement["ScopeDownStatement"] == {"NotStatement": {"Statement": webhook}}
    stripe = rules["webhook-rate-per-ip"]["Statement"]["RateBasedStatement"]
    assert stripe["ScopeDownStatement"] == webhook and stripe["Limit"] == {"Ref": "WafWebhookRateLimitPerIp"}
    bad_inputs = rules["known-bad-inputs"]["Statement"]["ManagedRuleGroupStatement"]
    assert bad_inputs["Name"] == "AWSManagedRulesKnownBadInputsRuleSet"
    api = next(iter(of_type(cfn, "AWS::ApiGateway::RestApi").values()))
    blocked = api["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]["WAF_FILTERED"]
    assert blocked["statusCode"] == "403"  # in the API's error shape
    assert json.loads(blocked["responseTemplates"]["application/json"])["error"]["code"] == "forbidden"


def test_waf_guards_the_api_stage(packaged: dict[str, Any]) -> None:
    association = packaged["cfn"]["Resources"]["WebAclAssociation"]
    assert association["Condition"] == "WafEnabled"
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": ["WebAcl", "Arn"]}
    stage_id = next(iter(of_type(packaged["cfn"], "AWS::ApiGateway::Stage")))
    arn = association["Properties"]["ResourceArn"]["Fn::Sub"]
    assert arn == f"arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}::/restapis/${{RestAPI}}/stages/${{{stage_id}}}"


def test_packaged_api_has_no_dev_routes(packaged: dict[str, Any]) -> None:
    # app.py registers /v1/dev/* only with PEKEN_DEV_ROUTES=1 on stage local; packaging drops
    # the variable from its environment as well.
    paths = packaged["sam"]["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    assert "/v1/health" in paths
    assert not [p for p in paths if p.startswith("/v1/dev")]
