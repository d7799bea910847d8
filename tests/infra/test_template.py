"""The deploy template, packaged and translated offline, holds the rules we rely on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra.aws import access, identity, resources, template
from infra.aws.validate import lint
from tests.infra.conftest import STAGE, of_type
from tests.infra.conftest import statements as _statements

DATA_SERVICES = ("dynamodb", "sqs", "sns", "ses", "secretsmanager", "ssm", "kms", "s3")


def test_cfn_lint_finds_no_errors(packaged: dict[str, Any]) -> None:
    assert packaged["lint"] == []  # the SAM template and the translated one (tests/infra/conftest.py)


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
    mappings = _queue_mappings(packaged)
    assert mappings
    for logical, mapping in mappings.items():
        assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"], logical


def _queue_mappings(packaged: dict[str, Any]) -> dict[str, Any]:
    """The event source mappings of queues (a table's stream, the audit archiver's, has a starting position)."""
    mappings = of_type(packaged["cfn"], "AWS::Lambda::EventSourceMapping")
    return {k: m for k, m in mappings.items() if "StartingPosition" not in m["Properties"]}


def test_visibility_timeout_covers_the_function_timeout(packaged: dict[str, Any]) -> None:
    cfn = packaged["cfn"]
    queues = {q["Properties"]["QueueName"]: q["Properties"] for q in of_type(cfn, "AWS::SQS::Queue").values()}
    functions = of_type(cfn, "AWS::Lambda::Function")
    for mapping in _queue_mappings(packaged).values():
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
        if any(a.split(":")[0] in DATA_SERVICES for a in actions):
            # Every grant on data names its resources; SMS, which has none, names every topic out.
            assert statement.get("Resource", statement.get("NotResource")) not in (None, "*"), actions


def test_sms_grant_reaches_phone_numbers_and_no_topic(packaged: dict[str, Any]) -> None:
    roles = of_type(packaged["cfn"], "AWS::IAM::Role")
    publishing = {name: s for name, role in roles.items() for s in _statements(role) if "sns:Publish" in s["Action"]}
    assert set(publishing) == {"NotificationsWorkerRole"}
    sms = publishing["NotificationsWorkerRole"]
    assert sms["Action"] == ["sns:Publish"] and "Resource" not in sms
    assert sms["NotResource"] == {"Fn::Sub": "arn:${AWS::Partition}:sns:*:*:*"}  # the alarm topic included


def test_functions_get_both_user_pools_and_the_stage(packaged: dict[str, Any]) -> None:
    for logical, function in of_type(packaged["cfn"], "AWS::Lambda::Function").items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["PEKEN_STAGE"] == STAGE, logical
        assert "PEKEN_DEV_SIGNING_KEY_PATH" not in variables
        for pool, (prefix, client) in identity.VARIABLES.items():
            assert variables[f"{prefix}_AUDIENCE"] == {"Ref": client}, logical
            issuer = variables[f"{prefix}_ISSUER"]["Fn::Sub"]
            assert issuer == f"https://cognito-idp.${{AWS::Region}}.amazonaws.com/${{{pool}}}"
            assert variables[f"{prefix}_JWKS_URL"] == {"Fn::Sub": issuer + "/.well-known/jwks.json"}
    assert identity.VARIABLES[identity.STAFF_POOL][0] == "PEKEN_STAFF_AUTH"  # the names the app reads


def test_gateway_errors_use_the_api_error_shape(packaged: dict[str, Any]) -> None:
    api = next(iter(of_type(packaged["cfn"], "AWS::ApiGateway::RestApi").values()))
    responses = api["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]
    missing = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert missing["statusCode"] == "404"
    assert json.loads(missing["responseTemplates"]["application/json"])["error"]["code"] == "not_found"


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


def test_a_failed_refund_raises_an_alarm(packaged: dict[str, Any]) -> None:
    from chalicelib import metrics

    alarm = of_type(packaged["cfn"], "AWS::CloudWatch::Alarm")["RefundsFailedAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == (metrics.NAMESPACE, metrics.REFUNDS_FAILED)
    assert alarm["Dimensions"] == [{"Name": "service", "Value": metrics.SERVICE}]  # as Powertools publishes it
    assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"


def test_api_compresses_and_throttles(packaged: dict[str, Any]) -> None:
    api = next(iter(of_type(packaged["cfn"], "AWS::ApiGateway::RestApi").values()))
    assert api["Properties"]["MinimumCompressionSize"] == 1024
    stage = next(iter(of_type(packaged["cfn"], "AWS::ApiGateway::Stage").values()))
    settings = stage["Properties"]["MethodSettings"][0]
    assert (settings["ResourcePath"], settings["HttpMethod"]) == ("/*", "*")
    assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0


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
    cfn = packaged["cfn"]
    functions = of_type(cfn, "AWS::Lambda::Function")
    roles = [f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values()]
    assert len(set(roles)) == len(functions)
    # Chalice packages a function per handler of app.py: a new worker or schedule needs its grant.
    packaged_functions = set(of_type(packaged["sam"], "AWS::Serverless::Function"))
    assert packaged_functions == {template.function_id(handler) for handler in access.GRANTS}


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
