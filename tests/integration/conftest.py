"""Integration tier: the app in-process against the emulator over real HTTP (moto server)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from infra.local.emulator import Emulator
from infra.local.prepare import REGION, prepare
from infra.local.pump import QueuePump
from infra.local.stack import consumers_of
from tests.helpers import load_key, sign


@pytest.fixture(scope="session")
def aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The emulator, prepared as the local stack prepares it (no Stripe, no seed data)."""
    emulator = Emulator().start()
    prepared = prepare(tmp_path_factory.mktemp("state"), emulator.url)
    yield {"emulator": emulator, "key_path": prepared.key_path, "tables": prepared.tables, "queues": prepared.queues}
    emulator.stop()


@pytest.fixture(scope="session")
def app_module(aws: dict[str, Any]) -> Any:
    import app

    return app


@pytest.fixture()
def client(app_module: Any) -> Iterator[Client]:
    with Client(app_module.app, stage_name="local") as c:
        yield c


@pytest.fixture(scope="session")
def pump(app_module: Any) -> QueuePump:
    return QueuePump(consumers_of(app_module), REGION, retry_delay_seconds=0)


def deliver_all(pump: QueuePump, rounds: int = 20) -> int:
    """Poll every queue until nothing more arrives; return how many messages were handled."""
    total = 0
    for _ in range(rounds):
        got = 0
        for consumer in pump._consumers:
            url = pump.sqs.get_queue_url(QueueName=consumer.queue)["QueueUrl"]
            arn = pump.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            got += pump.poll_once(consumer, url, arn)
        total += got
        if not got:
            break
    return total


@pytest.fixture()
def user() -> str:
    return f"user-{uuid.uuid4().hex[:12]}"


def bearer(key_path: Path, user_id: str, groups: list[str] | None = None, **claims: Any) -> dict[str, str]:
    token = sign(load_key(key_path), sub=user_id, **{"cognito:groups": groups or ["buyer"]}, **claims)
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
