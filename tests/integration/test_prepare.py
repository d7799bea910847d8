"""`prepare`, the setup step the local stack, these tests and the benchmarks share."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from infra.local.prepare import REGION, prepare
from infra.local.provision import emulator_client


def test_the_session_is_prepared_as_the_stack_is(aws: dict[str, Any]) -> None:
    assert os.environ["AWS_ENDPOINT_URL"] == aws["emulator"].url
    assert os.environ["PEKEN_STAGE"] == "local"
    assert Path(os.environ["PEKEN_DEV_SIGNING_KEY_PATH"]) == aws["key_path"]
    assert "peken-local-orders" in aws["tables"]
    assert set(aws["queues"]) >= {"peken-local-payments", "peken-local-payments-dlq"}


def test_another_environment_leaves_this_process_alone(aws: dict[str, Any], tmp_path: Path) -> None:
    before = dict(os.environ)
    child: dict[str, str] = {}
    prepared = prepare(tmp_path / "state", aws["emulator"].url, stage="dev", environ=child)
    assert dict(os.environ) == before
    assert child["PEKEN_STAGE"] == "dev" and child["AWS_ENDPOINT_URL"] == aws["emulator"].url
    assert prepared.environment == child
    assert prepared.key_path.parent == tmp_path / "state" and prepared.key_path.stat().st_mode & 0o077 == 0
    tables = emulator_client("dynamodb", REGION, aws["emulator"].url).list_tables()["TableNames"]
    assert "peken-dev-orders" in tables and "peken-dev-orders" in prepared.tables
    with pytest.raises(ValueError, match="this process"):
        prepare(tmp_path / "other", aws["emulator"].url, stage="dev", environ={}, seed=True)
