"""The audit archiver: one object per stream batch, named by its entries, written once even when retried."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib import observability, storage
from chalicelib.audit import archive


def _insert(audit_id: str, at: str = "2026-12-07T02:00:00.000Z") -> dict[str, Any]:
    image = {
        "audit_id": {"S": audit_id},
        "at": {"S": at},
        "actor_id": {"S": "admin-1"},
        "actor_groups": {"L": [{"S": "admin"}]},
        "action": {"S": "store.curate"},
        "target_type": {"S": "store"},
        "target_id": {"S": "s1"},
        "before": {"S": '{"status": "pending"}'},
        "after": {"S": '{"status": "approved"}'},
        "feed": {"S": "all"},
    }
    return {"eventName": "INSERT", "dynamodb": {"NewImage": image}}


class FakeS3:
    def __init__(self, refuse: bool = False) -> None:
        self.puts: list[dict[str, Any]] = []
        self.refuse = refuse

    def put_object(self, **kwargs: Any) -> dict[str, Any]:
        self.puts.append(kwargs)
        if self.refuse:
            raise ClientError({"Error": {"Code": "PreconditionFailed", "Message": "exists"}}, "PutObject")
        return {}


@pytest.fixture(autouse=True)
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the archiver warns about (Powertools' logger binds to the stdout of its first use: not made here)."""
    said: list[str] = []

    class Logger:
        def warning(self, message: str, **_: Any) -> None:
            said.append(message)

    monkeypatch.setattr(observability, "logger", Logger())
    return said


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> FakeS3:
    fake = FakeS3()
    monkeypatch.setattr(storage, "client", lambda: fake)
    monkeypatch.setattr(storage, "archive_bucket", lambda: "archive")
    return fake


def test_a_batch_is_one_object_named_by_its_first_and_last_entry(s3: FakeS3) -> None:
    event = {"Records": [_insert("01B"), _insert("01A"), _insert("01C")]}
    assert archive.archive(event) == {"archived": 3, "skipped": 0}
    (put,) = s3.puts
    assert put["Key"] == "audit/2026/12/07/01A_01C.jsonl.gz"
    assert put["IfNoneMatch"] == "*" and put["ChecksumAlgorithm"] == "SHA256"
    lines = [json.loads(line) for line in gzip.decompress(put["Body"]).decode().splitlines()]
    assert [e["audit_id"] for e in lines] == ["01A", "01B", "01C"]
    assert lines[0]["after"] == {"status": "approved"} and lines[0]["actor_groups"] == ["admin"]


def test_a_retried_batch_writes_nothing_new(s3: FakeS3) -> None:
    event = {"Records": [_insert("01A")]}
    archive.archive(event)
    s3.refuse = True  # the object is there (and locked): S3 answers 412 to If-None-Match
    assert archive.archive(event) == {"archived": 1, "skipped": 0}
    assert s3.puts[0]["Key"] == s3.puts[1]["Key"] and s3.puts[0]["Body"] == s3.puts[1]["Body"]


def test_other_failures_fail_the_batch_for_lambda_to_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken(FakeS3):
        def put_object(self, **kwargs: Any) -> dict[str, Any]:
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "busy"}}, "PutObject")

    monkeypatch.setattr(storage, "client", Broken)
    monkeypatch.setattr(storage, "archive_bucket", lambda: "archive")
    with pytest.raises(ClientError):
        archive.archive({"Records": [_insert("01A")]})


def test_only_new_entries_are_archived(s3: FakeS3, warnings: list[str]) -> None:
    removed = {"eventName": "REMOVE", "dynamodb": {"OldImage": _insert("01A")["dynamodb"]["NewImage"]}}
    assert archive.archive({"Records": [removed]}) == {"archived": 0, "skipped": 1}
    assert s3.puts == [] and warnings == ["audit stream records not archived"]
