"""The deploy template, packaged and translated offline, holds the rules we rely on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.aws import access, resources
from infra.aws.validate import lint, package, translate

STAGE = "dev"
DATA_SERVICES = ("dynamodb", "sqs", "sns", "ses", "secretsmanager", "ssm", "kms", "s3")


@pytest.fixture(scope="session")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("package")
    sam_path = package(STAGE, out)
    cfn = translate(sam_path)
    cfn_path = out / "cloudformation.json"
    cfn_path.write_text(json.dumps(cfn))
    return {"sam_path": sam_path, "sam": json.loads(sam_path.read_text()), "cfn": cfn, "cfn_path": cfn_path}


def of_type(template: dict[str, Any], cfn_type: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == cfn_type}


def test_cfn_lint_finds_no_errors(packaged: dict[str, Any]) -> None:
    assert lint(packaged["sam_path"]) == []
    assert lint(packaged["cfn_path"]) == []


def test_lint_does_report_a_broken_template(tmp_path: Path) -> None:
    broken = {
        "Resources": {
            "Q": {
                "Type": "AWS::SQS::Queue",
                "Properties": {
                    "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["Missing", "Arn"]}, "maxReceiveCount": 5}
                },
            }
        }
    }
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    assert lint(path) != []


def test_every_queue_has_a_dead_letter_queue(packaged: dict[str, Any]) -> None:
    queues = of_type(packaged["cfn"], "AWS::SQS::Queue")
    dlqs = {logical for logical, q in queues.items() if q["Properties"]["QueueName"].endswith("-dlq")}
    assert dlqs
    for logical, queue in queues.items():
        if logical in dlqs:
            continue
        target = queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        assert target in dlqs, logical


def test_every_sqs_source_reports_batch_item_failures(packaged: dict[str, Any]) -> None:
    mappings = of_type(packaged["cfn"], "AWS::Lambda::EventSourceMapping")
    assert mappings
    for logical, mapping in mappings.items():
        assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"], logical


def test_visibility_timeout_covers_the_function_timeout(packaged: dict[str, Any]) -> None:
    cfn = packaged["cfn"]
    queues = {q["Properties"]["QueueName"]: q["Properties"] for q in of_type(cfn, "AWS::SQS::Queue").values()}
    functions = of_type(cfn, "AWS::Lambda::Function")
    for mapping in of_type(cfn, "AWS::Lambda::EventSourceMapping").values():
        function = functions[mapping["Properties"]["FunctionName"]["Ref"]]
        queue_name = json.dumps(mapping["Properties"]["EventSourceArn"]).rsplit(":", 1)[-1].strip('"}')
        assert queues[queue_name]["VisibilityTimeout"] >= function["Properties"]["Timeout"]
        assert mapping.get("DependsOn") or function.get("DependsOn"), "the queue must exist before its mapping"


def test_no_policy_grants_wildcard_actions_on_data(packaged: dict[str, Any]) -> None:
    statements = [
        s
        for role in of_type(packaged["cfn"], "AWS::IAM::Role").values()
        for policy in role["Properties"].get("Policies", [])
        for s in policy["PolicyDocument"]["Statement"]
    ]
    assert statements
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        for action in actions:
            assert action != "*"
            service, _, verb = action.partition(":")
            assert not (service in DATA_SERVICES and "*" in verb), action
        if any(a.split(":")[0] in DATA_SERVICES for a in actions) and actions != ["sns:Publish"]:
            assert statement["Resource"] != "*"  # only SMS publishing, which has no ARN, is unscoped


def test_functions_get_the_user_pool_and_stage(packaged: dict[str, Any]) -> None:
    for logical, function in of_type(packaged["cfn"], "AWS::Lambda::Function").items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["PEKEN_STAGE"] == STAGE, logical
        assert variables["PEKEN_AUTH_AUDIENCE"] == {"Ref": "UserPoolClient"}
        assert "PEKEN_AUTH_JWKS_URL" in variables and "PEKEN_DEV_SIGNING_KEY_PATH" not in variables


def test_gateway_errors_use_the_api_error_shape(packaged: dict[str, Any]) -> None:
    api = next(iter(of_type(packaged["cfn"], "AWS::ApiGateway::RestApi").values()))
    responses = api["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]
    missing = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert missing["statusCode"] == "404"
    assert json.loads(missing["responseTemplates"]["application/json"])["error"]["code"] == "not_found"


def test_cognito_pool_has_the_groups_and_nip(packaged: dict[str, Any]) -> None:
    cfn = packaged["cfn"]
    groups = {g["Properties"]["GroupName"] for g in of_type(cfn, "AWS::Cognito::UserPoolGroup").values()}
    assert groups == {"buyer", "seller", "admin"}
    pool = next(iter(of_type(cfn, "AWS::Cognito::UserPool").values()))
    assert {
        "Name": "nip",
        "AttributeDataType": "String",
        "Mutable": True,
        "StringAttributeConstraints": {"MinLength": "18", "MaxLength": "18"},
    } in pool["Properties"]["Schema"]


def test_tables_match_the_definitions_the_local_stack_uses(packaged: dict[str, Any]) -> None:
    expected = resources.of_type(resources.load(STAGE), "AWS::DynamoDB::Table")
    deployed = of_type(packaged["cfn"], "AWS::DynamoDB::Table")
    assert {k: v["Properties"] for k, v in deployed.items()} == {k: v["Properties"] for k, v in expected.items()}
    for table in deployed.values():
        assert table["Properties"]["BillingMode"] == "PAY_PER_REQUEST"
        assert table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def test_every_dead_letter_queue_has_an_alarm(packaged: dict[str, Any]) -> None:
    cfn = packaged["cfn"]
    dlqs = {k for k, q in of_type(cfn, "AWS::SQS::Queue").items() if q["Properties"]["QueueName"].endswith("-dlq")}
    watched = set()
    for alarm in of_type(cfn, "AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}]
        if props["MetricName"] == "ApproximateNumberOfMessagesVisible":
            watched.add(props["Dimensions"][0]["Value"]["Fn::GetAtt"][0])
    assert dlqs and watched == dlqs
    metrics = {a["Properties"]["MetricName"] for a in of_type(cfn, "AWS::CloudWatch::Alarm").values()}
    assert {"5XXError", "Throttles", "ApproximateAgeOfOldestMessage"} <= metrics


def test_api_compresses_and_throttles(packaged: dict[str, Any]) -> None:
    api = next(iter(of_type(packaged["cfn"], "AWS::ApiGateway::RestApi").values()))
    assert api["Properties"]["MinimumCompressionSize"] == 1024
    stage = next(iter(of_type(packaged["cfn"], "AWS::ApiGateway::Stage").values()))
    settings = stage["Properties"]["MethodSettings"][0]
    assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0


def _statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]


def _granted(role: dict[str, Any], action: str) -> set[str]:
    """Name the logical ids (tables, queues) a role may perform `action` on."""
    out = set()
    for statement in _statements(role):
        if action in statement["Action"]:
            targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for target in targets:
                if isinstance(target, dict) and "Fn::GetAtt" in target:
                    out.add(target["Fn::GetAtt"][0])
    return out


def test_every_function_has_a_role_of_its_own(packaged: dict[str, Any]) -> None:
    import app

    cfn = packaged["cfn"]
    functions = of_type(cfn, "AWS::Lambda::Function")
    roles = [f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values()]
    assert len(set(roles)) == len(functions)
    handlers = {"api_handler"} | {s.name for s in app.app.event_sources}
    assert handlers == set(access.GRANTS)  # a new worker or schedule needs its grant


def test_roles_hold_exactly_each_functions_grant(packaged: dict[str, Any]) -> None:
    roles = of_type(packaged["cfn"], "AWS::IAM::Role")
    heartbeat = roles["HeartbeatRole"]
    assert _granted(heartbeat, "dynamodb:PutItem") == {"JobsTable"}
    assert _granted(heartbeat, "dynamodb:GetItem") == {"JobsTable"}
    assert not _granted(heartbeat, "sqs:SendMessage")
    notifications = roles["NotificationsWorkerRole"]
    assert _granted(notifications, "sqs:ReceiveMessage") == {"NotificationsQueue"}
    assert _granted(notifications, "dynamodb:PutItem") == {"InboxTable", "LedgerTable"}
    assert "OrdersTable" not in _granted(notifications, "dynamodb:GetItem")
    api = roles["APIHandlerRole"]
    assert not _granted(api, "sqs:ReceiveMessage")
    assert "InboxTable" not in _granted(api, "dynamodb:PutItem")
    actions = {a for role in roles.values() for s in _statements(role) for a in s["Action"]}
    channel_roles = {k for k, r in roles.items() if any("ses:SendEmail" in s["Action"] for s in _statements(r))}
    assert channel_roles == {"NotificationsWorkerRole"}  # only the notifications worker sends email
    assert {"secretsmanager:GetSecretValue", "xray:PutTraceSegments"} <= actions
    assert "secretsmanager:GetSecretValue" not in {a for s in _statements(heartbeat) for a in s["Action"]}
