"""Record which AWS actions each function performs on which resources, as IAM would see them.

The local stack runs the API and the schedules in one process and the queue workers in
another (`children.py`); in each, a context variable names the function running on the
current thread. With PEKEN_ACCESS_AUDIT set, each distinct
(function, action, resource) is appended to that file as a JSON line, and the e2e suite
checks every line against the grants the deploy template gives that function
(infra/aws/access.py), so a grant that is too narrow fails here rather than on AWS.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from chalicelib.config import current_stage, resource_name

# Work done outside any function (provisioning, seeding, the pump's own polling) is not audited.
OUTSIDE = "_local"
current_function: ContextVar[str] = ContextVar("peken_function", default=OUTSIDE)

_TRANSACT_WRITE = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
# S3 operations and the IAM actions they need (a HEAD is GetObject; a copy reads and writes).
_S3_ACTIONS = {
    "HeadObject": ("s3:GetObject",),
    "GetObject": ("s3:GetObject",),
    "CopyObject": ("s3:GetObject", "s3:PutObject"),
    "PutObject": ("s3:PutObject",),
    "CreateMultipartUpload": ("s3:PutObject",),  # IAM grants a multipart upload's steps as PutObject
    "UploadPart": ("s3:PutObject",),
    "CompleteMultipartUpload": ("s3:PutObject",),
}
_SQS_ACTIONS = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}


@contextmanager
def running(function: str) -> Iterator[None]:
    """Attribute the AWS calls made inside the block to `function`."""
    token = current_function.set(function)
    try:
        yield
    finally:
        current_function.reset(token)


def accesses(service: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """Return the (IAM action, short resource name) pairs one API call needs."""
    if service == "dynamodb":
        if operation == "TransactWriteItems":
            out = []
            for item in params.get("TransactItems", []):
                for kind, action in _TRANSACT_WRITE.items():
                    if kind in item:
                        out.append((f"dynamodb:{action}", _short(item[kind]["TableName"])))
            return out
        if operation == "TransactGetItems":
            return [("dynamodb:GetItem", _short(i["Get"]["TableName"])) for i in params.get("TransactItems", [])]
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [(f"dynamodb:{operation}", _short(t)) for t in params.get("RequestItems", {})]
        return [(f"dynamodb:{operation}", _short(params.get("TableName", "?")))]
    if service == "sqs":
        queue = params.get("QueueName") or str(params.get("QueueUrl", "?")).rsplit("/", 1)[-1]
        return [(f"sqs:{_SQS_ACTIONS.get(operation, operation)}", _short(queue))]
    if service == "secretsmanager":
        secret = "pseudonym-secret" if "audit-pseudonyms" in str(params.get("SecretId", "")) else "stripe-secret"
        return [(f"secretsmanager:{operation}", secret)]
    if service == "s3":
        return [(action, _bucket(params)) for action in _S3_ACTIONS.get(operation, (f"s3:{operation}",))]
    return [(f"{service}:{operation}", "*")]


def _bucket(params: dict[str, Any]) -> str:
    """A bucket's short name: `peken-<stage>-uploads-<account>` is `uploads` (`exports` under `exports/`)."""
    short = re.sub(r"-[0-9]{12}$", "", _short(str(params.get("Bucket", "?"))))
    return "exports" if short == "uploads" and str(params.get("Key", "")).startswith("exports/") else short


def _short(name: str) -> str:
    prefix = resource_name(current_stage(), "")
    return name[len(prefix) :] if name.startswith(prefix) else name


def install(path: Path) -> None:
    """Append every new (function, action, resource) this process performs to `path`."""
    import botocore.client

    client_class: Any = botocore.client.BaseClient
    original = client_class._make_api_call
    seen: set[tuple[str, str, str]] = set()
    lock = threading.Lock()

    def recording(client: Any, operation: str, params: dict[str, Any]) -> Any:
        function = current_function.get()
        if function != OUTSIDE:
            service = client.meta.service_model.service_name
            fresh = [(function, a, r) for a, r in accesses(service, operation, params) if (function, a, r) not in seen]
            if fresh:
                with lock:
                    seen.update(fresh)
                    with open(path, "a", encoding="utf-8") as fh:
                        for function_, action, resource in fresh:
                            fh.write(json.dumps({"function": function_, "action": action, "resource": resource}) + "\n")
        return original(client, operation, params)

    client_class._make_api_call = recording


def install_from_environment() -> None:
    """Install the recorder when PEKEN_ACCESS_AUDIT names a file."""
    path = os.environ.get("PEKEN_ACCESS_AUDIT")
    if path:
        install(Path(path))
