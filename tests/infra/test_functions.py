"""Every function: its own name and log group (with a retention), concurrency caps, and which stages package."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chalicelib.config import LOCAL_STAGE
from infra.aws import access, template, validate
from tests.infra.conftest import STAGE, of_type, statements


def test_each_function_logs_to_its_own_log_group_only(packaged: dict[str, Any]) -> None:
    cfn = packaged["cfn"]
    groups = {
        g["Properties"]["LogGroupName"]: k
        for k, g in of_type(cfn, "AWS::Logs::LogGroup").items()
        if isinstance(g["Properties"]["LogGroupName"], str)  # the API's access logs are named by stack
    }
    roles = of_type(cfn, "AWS::IAM::Role")
    functions = of_type(cfn, "AWS::Lambda::Function")
    for handler in access.GRANTS:
        function = functions[template.function_id(handler)]["Properties"]
        name = function["FunctionName"]
        assert name == template.function_name(STAGE, handler) and len(name) <= template.MAX_FUNCTION_NAME
        group = groups[f"/aws/lambda/{name}"]
        assert cfn["Resources"][group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        role = roles[function["Role"]["Fn::GetAtt"][0]]
        logging = [s for s in statements(role) if s["Action"][0].startswith("logs:")]
        assert logging == [
            {"Effect": "Allow", "Action": list(access.LOG_ACTIONS), "Resource": {"Fn::GetAtt": [group, "Arn"]}}
        ], handler
    assert cfn["Parameters"]["LogRetentionDays"]["Default"] == 30


def test_no_role_may_write_to_any_log_group(packaged: dict[str, Any]) -> None:
    for name, role in of_type(packaged["cfn"], "AWS::IAM::Role").items():
        for statement in statements(role):
            assert "logs:CreateLogGroup" not in statement["Action"], name
            if any(a.startswith("logs:") for a in statement["Action"]):
                assert "Fn::GetAtt" in statement["Resource"], name  # a log group of the stack, never a pattern


def test_payments_and_expiry_workers_are_capped_and_polled_no_faster(packaged: dict[str, Any]) -> None:
    cfn = packaged["cfn"]
    functions = of_type(cfn, "AWS::Lambda::Function")
    reserved = {k: f["Properties"].get("ReservedConcurrentExecutions") for k, f in functions.items()}
    assert reserved["PaymentsWorker"] == template.reserved_concurrency(STAGE, "payments_worker") == 10
    assert reserved["ExpiryWorker"] == template.reserved_concurrency(STAGE, "expiry_worker") == 5
    for mapping in of_type(cfn, "AWS::Lambda::EventSourceMapping").values():
        function = mapping["Properties"]["FunctionName"]["Ref"]
        scaling = mapping["Properties"].get("ScalingConfig")
        if reserved[function] is None:
            assert scaling is None, function
        else:  # a poller faster than the cap gets throttled batches, counted as receives toward the DLQ
            assert scaling == {"MaximumConcurrency": reserved[function]}, function


@pytest.mark.parametrize("stage", ["local", "staging"])
def test_package_refuses_local_and_undeclared_stages(stage: str, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as refused:
        validate.main([stage, str(tmp_path / "out")])
    assert stage in str(refused.value) and "declared" in str(refused.value)
    assert not (tmp_path / "out").exists()  # refused before anything was packaged


def test_every_declared_stage_fits_and_a_long_one_is_refused() -> None:
    for stage in set(validate.declared_stages()) - {LOCAL_STAGE}:
        validate.check_stage(stage)
    with pytest.raises(SystemExit, match="too long"):
        validate.check_stage("x" * 40, declared=["x" * 40])
