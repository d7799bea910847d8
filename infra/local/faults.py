"""Fault injection for the local stack (never deployed): what to break, and the WSGI wrapper that breaks it.

`POST /_local/faults` sets a section, `DELETE /_local/faults` clears them all:

    {"dynamodb": {"error": "throttle" | "conflict", "rate": 0.3, "times": 4,
                  "operations": ["TransactWriteItems"], "tables": ["orders"]},
     "sqs": {"rate": 1.0, "times": 3, "operations": ["SendMessage"], "queues": ["order-events"]},
     "redeliver": ["peken-local-order-events"],
     "workers": {"payments_worker": {"crash_after": 1, "times": 2}},
     "stripe": {"delay_seconds": 3, "paths": ["/v1/refunds"]}}

- `dynamodb`: matching requests are answered, without reaching the emulator, as DynamoDB
  would: `throttle` is ProvisionedThroughputExceededException (botocore retries it), and
  `conflict` is TransactionCanceledException with a `TransactionConflict` reason on
  TransactWriteItems (TransactionConflictException on single-item writes). `rate` is the
  chance per request, `times` caps how many are injected (then the section stops),
  `operations` and `tables` (short names) narrow what matches.
- `sqs`: matching requests (`queues`: short names) get a 500 InternalError (botocore retries it).
- `redeliver`: every message those queues' workers handle successfully is delivered once
  more (SQS is at-least-once) instead of being deleted.
- `workers`: the named consumer handles the first `crash_after` records of its batch, then
  raises, as a Lambda that dies mid-batch; SQS redelivers the whole batch. `times` crashes.
- `stripe` is forwarded to the Stripe stand-in (`infra/local/stripe_server.py`).
"""

from __future__ import annotations

import io
import json
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from chalicelib.config import current_stage, resource_name

DYNAMODB_ERRORS = ("throttle", "conflict")
SECTIONS = ("dynamodb", "sqs", "redeliver", "workers", "stripe")
_DYNAMODB = "com.amazonaws.dynamodb.v20120810#"


class FaultError(ValueError):
    """A fault specification that cannot be applied."""


class Faults:
    """The faults now in force and how many were injected, shared by every thread of the stack."""

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._spec: dict[str, Any] = {}
        self._redelivered: set[str] = set()
        self.injected: Counter[str] = Counter()
        # Called with the sections in force whenever they change, also when one runs out of `times`
        # (`children.FaultsService` listens); called under the lock, so it must not call back.
        self.on_change: Callable[[frozenset[str]], None] | None = None

    def set(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Replace the sections given (others stay); return what is in force."""
        unknown = set(spec) - set(SECTIONS)
        if unknown:
            raise FaultError(f"unknown fault sections: {sorted(unknown)}")
        checked = {name: _check(name, value) for name, value in spec.items()}
        with self._lock:
            for name, value in checked.items():
                if value:
                    self._spec[name] = value
                else:
                    self._spec.pop(name, None)
            self._changed()
            return _copy(self._spec)

    def clear(self) -> None:
        """Stop injecting anything (counts stay)."""
        with self._lock:
            self._spec = {}
            self._redelivered.clear()
            self._changed()

    def _changed(self) -> None:
        """Tell the listener which sections are in force now (the caller holds the lock)."""
        if self.on_change is not None:
            self.on_change(frozenset(self._spec))

    def state(self) -> dict[str, Any]:
        """Return the faults in force and the counts injected so far."""
        with self._lock:
            return {"faults": _copy(self._spec), "injected": dict(self.injected)}

    def stripe(self) -> dict[str, Any]:
        """Return the Stripe section (empty when none)."""
        with self._lock:
            return dict(self._spec.get("stripe", {}))

    def service_error(self, service: str, operation: str, body: bytes | None) -> str | None:
        """Decide whether this request fails; return the error kind to answer with, or None."""
        with self._lock:
            spec = self._spec.get(service)
            if not spec or (spec.get("operations") and operation not in spec["operations"]):
                return None
            names = spec.get("tables") or spec.get("queues")
            if names and not _mentions(body or b"", names, queue=service == "sqs"):
                return None
            if self._rng.random() >= float(spec.get("rate", 1.0)):
                return None
            kind = str(spec.get("error", "throttle")) if service == "dynamodb" else "internal"
            self.injected[f"{service}:{kind}:{operation}"] += 1
            if "times" in spec:
                spec["times"] -= 1
                if spec["times"] <= 0:
                    del self._spec[service]
                    self._changed()
            return kind

    def wants_body(self, service: str) -> bool:
        """Tell whether deciding needs the request body (a table filter, or a transaction's items)."""
        with self._lock:
            return service in self._spec

    def crash_after(self, consumer: str) -> int | None:
        """Return how many records the consumer handles before crashing this time, or None."""
        with self._lock:
            crash = self._spec.get("workers", {}).get(consumer)
            if not crash:
                return None
            crash["times"] = int(crash.get("times", 1)) - 1
            if crash["times"] <= 0:
                del self._spec["workers"][consumer]
            self.injected[f"worker:crash:{consumer}"] += 1
            return int(crash.get("crash_after", 0))

    def redeliver(self, queue: str, message_id: str) -> bool:
        """Tell whether a handled message of this queue should come once more instead of being deleted."""
        with self._lock:
            if queue not in self._spec.get("redeliver", []) or message_id in self._redelivered:
                return False
            self._redelivered.add(message_id)
            self.injected[f"sqs:redeliver:{queue}"] += 1
            return True


def _copy(spec: dict[str, Any]) -> dict[str, Any]:
    copied: dict[str, Any] = json.loads(json.dumps(spec))
    return copied


def _check(name: str, value: Any) -> Any:
    """Validate one section; an empty or null section clears it."""
    if not value:
        return None
    if name == "redeliver":
        if not isinstance(value, list) or not all(isinstance(q, str) for q in value):
            raise FaultError("redeliver: a list of queue names")
        return list(value)
    if not isinstance(value, dict):
        raise FaultError(f"{name}: an object")
    if name == "dynamodb" and value.get("error", "throttle") not in DYNAMODB_ERRORS:
        raise FaultError(f"dynamodb.error: one of {DYNAMODB_ERRORS}")
    if name in ("dynamodb", "sqs"):
        rate = float(value.get("rate", 1.0))
        if not 0 <= rate <= 1:
            raise FaultError(f"{name}.rate: between 0 and 1")
        field = "tables" if name == "dynamodb" else "queues"
        names = [resource_name(current_stage(), t) for t in value.get(field, [])]
        return {**value, "rate": rate, **({field: names} if names else {})}
    if name == "workers":
        return {
            str(k): {"crash_after": int(v.get("crash_after", 0)), "times": int(v.get("times", 1))}
            for k, v in value.items()
        }
    return dict(value)


def _mentions(body: bytes, names: Iterable[str], queue: bool) -> bool:
    """Tell whether a request names a table (`"peken-local-orders"`) or a queue (`.../peken-local-expiry"`)."""
    return any((f'/{n}"' if queue else f'"{n}"').encode() in body for n in names)


def _operation(environ: dict[str, Any]) -> tuple[str, str] | None:
    """Name the service and operation of a JSON-protocol request (X-Amz-Target)."""
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    prefix, _, operation = target.partition(".")
    if prefix.startswith("DynamoDB_"):
        return "dynamodb", operation
    if prefix == "AmazonSQS":
        return "sqs", operation
    return None


def _error_response(kind: str, operation: str, body: bytes) -> tuple[str, dict[str, Any], str]:
    """Return status, body and content type of the error the real service answers with."""
    if kind == "internal":
        return "500 Internal Server Error", {"__type": "com.amazonaws.sqs#InternalError", "message": "injected"}, "1.0"
    if kind == "conflict" and operation == "TransactWriteItems":
        try:
            items = len(json.loads(body or b"{}").get("TransactItems", [])) or 1
        except ValueError:
            items = 1
        reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}]
        reasons += [{"Code": "None"}] * (items - 1)
        codes = ", ".join(r["Code"] for r in reasons)
        return (
            "400 Bad Request",
            {
                "__type": _DYNAMODB + "TransactionCanceledException",
                "message": f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
                "CancellationReasons": reasons,
            },
            "1.0",
        )
    if kind == "conflict":
        return (
            "400 Bad Request",
            {"__type": _DYNAMODB + "TransactionConflictException", "message": "Transaction is ongoing for the item"},
            "1.0",
        )
    return (
        "400 Bad Request",
        {
            "__type": _DYNAMODB + "ProvisionedThroughputExceededException",
            "message": "The level of configured provisioned throughput for the table was exceeded.",
        },
        "1.0",
    )


class ServiceFaults(Protocol):
    """What `FaultyApp` asks (`Faults`, or `children.RemoteFaults` in the emulator's process)."""

    def wants_body(self, service: str) -> bool: ...

    def service_error(self, service: str, operation: str, body: bytes | None) -> str | None: ...


class FaultyApp:
    """A WSGI wrapper that answers some DynamoDB and SQS requests with the service's own errors."""

    def __init__(self, app: Callable[..., Iterable[bytes]], faults: ServiceFaults) -> None:
        self._app = app
        self._faults = faults

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        named = _operation(environ)
        if named is None or not self._faults.wants_body(named[0]):
            return self._app(environ, start_response)
        service, operation = named
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        kind = self._faults.service_error(service, operation, body)
        if kind is None:
            return self._app(environ, start_response)
        status, payload, version = _error_response(kind, operation, body)
        data = json.dumps(payload).encode()
        headers = [("Content-Type", f"application/x-amz-json-{version}"), ("Content-Length", str(len(data)))]
        if service == "sqs":
            headers.append(("x-amzn-query-error", "InternalError;Receiver"))
        start_response(status, headers)
        return [data]
