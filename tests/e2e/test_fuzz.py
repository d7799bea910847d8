"""Fuzzing: every operation of the served OpenAPI document, against the real local stack.

Schemathesis generates requests from `/v1/openapi.json`, valid and invalid, and each one is
sent anonymously and with a buyer, a seller and an admin token (a case whose generated
`Authorization` header is itself the invalid part is sent once, as generated). Operations
with path parameters are also fuzzed with ids that exist (a seeded store and its product,
the buyer's checkout and order, a reference SKU), so the handlers past the lookup run too,
and each operation's documented body example is sent to them as is.
A second sweep sends a fixed list of hostile inputs random generation rarely hits (non-object
bodies, broken JSON, "²" as a limit, forged cursors, odd ids, keys and Authorization headers)
to every operation, anonymously and with a token in all three groups.

Every answer must be: not a 5xx; in the API.md error shape when not 2xx; a documented status
(with a body matching the documented schema, for generated cases); 401 for anonymous calls
to a protected operation, unless an id in the path is one no object can have (over 64
characters), which is no route at all (404); and a rejection (4xx) of data the document
calls invalid.

`PEKEN_FUZZ_EXAMPLES` sets the examples per operation and generation mode (default 4: about
3,000 requests in all, about 20 s; derandomized, so every run sends the same ones). The figures go to
`fuzz-report.json` in pytest's base temp directory (or to `PEKEN_FUZZ_REPORT`) and to the
terminal.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import hypothesis.errors
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from chalicelib.http import MAX_PATH_PARAM_CHARS
from chalicelib.paging import encode_cursor
from tests.e2e.conftest import RunningStack, start_stack
from tests.helpers import error_of

EXAMPLES = int(os.environ.get("PEKEN_FUZZ_EXAMPLES", "4"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
SELLER = "demo-seller"  # owns a seeded store (infra/local/seed.py)
KEEP = "as generated"  # the case's own (invalid) Authorization header

HOSTILE_BODIES: tuple[bytes, ...] = (
    b"null",
    b"5",
    b"[]",
    b'"text"',
    b'{"x": ',
    b"[" * 5000,
    b"\xff\xfe\x00{}",
    b'{"name": "\\u0000", "reason": "\\ud800"}',
    json.dumps({"s": "x" * 300_000}).encode(),
)
HOSTILE_LIMITS = ("²", "٣", "0", "101", "-1", "1e2", "9" * 5000, " 5", "")
HOSTILE_CURSORS = (
    "!!",
    "a" * 600,
    base64.urlsafe_b64encode(b"[" * 300).decode(),
    encode_cursor({"d": "abcdef01", "s": "²", "k": "-"}),
    encode_cursor({"d": "abcdef01", "s": "9" * 150, "k": "-"}),
    encode_cursor({"store_id": 5, "created_at": None, "order_id": [], "id": {}, "nip": 1.5}),
)
HOSTILE_IDS = ("%00", "%2F", "%FF", "a" * 65, "%F0%9F%98%80", "%20", "-", "%25", "A" * 64)
HOSTILE_KEYS = ("", "a\tb", "x" * 65, "\x7f", "é")
HOSTILE_AUTH = ("Bearer", "Bearer   ", "Basic YTpi", "Bearer a.b.c", "Bearer " + "a" * 8000, "bearer x", "Bearer é")


@dataclass
class Report:
    """What the fuzzer sent and what came back."""

    requests: int = 0
    server_errors: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    problems: dict[tuple[str, ...], str] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def problem(self, key: tuple[str, ...], text: str) -> None:
        self.problems.setdefault(key, text[:3000])

    def count(self, status: int) -> None:
        self.requests += 1
        self.statuses[status] += 1
        self.server_errors += status >= 500

    def figures(self) -> dict[str, Any]:
        return {
            "examples_per_operation_and_mode": EXAMPLES,
            "requests": self.requests,
            "server_errors": self.server_errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "distinct_problems": len(self.problems),
            "seconds": round(time.monotonic() - self.started, 1),
        }


@dataclass
class Target:
    """The stack under fuzzing, its document, tokens and ids that exist."""

    stack: RunningStack
    document: dict[str, Any]
    tokens: dict[str, str | None]
    known: dict[str, str]
    report: Report


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Iterator[Target]:
    """A stack of its own (the admin's fuzzed settings and policies must not reach other tests)."""
    report = Report()
    stack = start_stack(tmp_path_factory.mktemp("fuzz-stack"), PEKEN_SCHEDULER="off")
    try:
        document = requests.get(f"{stack.url}/v1/openapi.json", timeout=30).json()
        tokens = _tokens(stack)
        yield Target(stack, document, tokens, _known_ids(stack, tokens), report)
    finally:
        if stack.process.poll() is None:
            stack.stop()
        figures = report.figures()
        path = Path(os.environ.get("PEKEN_FUZZ_REPORT") or tmp_path_factory.getbasetemp() / "fuzz-report.json")
        problems = {" | ".join(key): text for key, text in report.problems.items()}
        path.write_text(json.dumps({**figures, "problems": problems}, indent=2))
        capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            print(f"\nfuzz: {json.dumps(figures)} -> {path}")


def _tokens(stack: RunningStack) -> dict[str, str | None]:
    return {
        "anonymous": None,
        "buyer": stack.token("fuzz-buyer", ["buyer"], name="Fuzz Buyer"),
        "seller": stack.token(SELLER, ["seller"]),
        "admin": stack.token("fuzz-admin", ["admin"]),
    }


def _known_ids(stack: RunningStack, tokens: dict[str, str | None]) -> dict[str, str]:
    """Ids that exist: the seller's store and product, the buyer's checkout and order, a SKU."""
    url = stack.url
    seller = {"Authorization": f"Bearer {tokens['seller']}"}
    buyer = {"Authorization": f"Bearer {tokens['buyer']}"}
    products = requests.get(f"{url}/v1/products", params={"limit": 100}, timeout=30).json()["items"]
    own = next(
        p
        for p in products
        if requests.get(f"{url}/v1/stores/{p['store_id']}", headers=seller, timeout=30).json().get("owner_id") == SELLER
    )
    other = next(p for p in products if p["store_id"] != own["store_id"] and p["price_idr"] >= 10_000)
    put = requests.put(f"{url}/v1/cart/items/{other['product_id']}", json={"quantity": 1}, headers=buyer, timeout=30)
    assert put.status_code == 200, put.text
    checkout = requests.post(
        f"{url}/v1/checkout",
        json={"fulfillment": {"method": "pickup"}},
        headers={**buyer, "Idempotency-Key": "fuzz-setup"},
        timeout=30,
    )
    assert checkout.status_code == 201, checkout.text
    body = checkout.json()
    sku = requests.get(f"{url}/v1/reference-prices", timeout=30).json()["items"][0]["sku"]
    # An entry of the buyer's inbox: a profile change is noted by the notifications worker a moment later.
    assert requests.put(f"{url}/v1/me", json={"locale": "id"}, headers=buyer, timeout=30).status_code == 200
    notification_id = ""
    for _ in range(150):
        entries = requests.get(f"{url}/v1/me/notifications", headers=buyer, timeout=30).json()["items"]
        if entries:
            notification_id = str(entries[0]["id"])
            break
        time.sleep(0.2)
    assert notification_id, "no inbox entry for the fuzz buyer"
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    nip = "199912312024121999"  # a roster row of the fuzzer's own (a DELETE may remove it)
    row = {"nip": nip, "name": "Fuzz Matriks", "department": "Dinas Fuzz", "grade": "I/a"}
    assert requests.post(f"{url}/v1/admin/asn", json={"rows": [row]}, headers=admin, timeout=30).status_code == 200
    return {
        "store_id": own["store_id"],
        "product_id": own["product_id"],
        "checkout_id": body["checkout_id"],
        "order_id": body["orders"][0]["order_id"],
        "sku": sku,
        "notification_id": notification_id,
        "nip": nip,
        "batch_id": "01JDZQ8V6W3X5Y7Z9A1B2C3D4E",  # no such payout batch (the fuzz stack has no money due)
        "dispute_id": "01JDZQ8V6W3X5Y7Z9A1B2C3D4E",  # no such dispute (the fuzz order is never ready)
        "flag_id": "01JDZQ8V6W3X5Y7Z9A1B2C3D4E",  # no such risk flag
        "export_id": "01JDZQ8V6W3X5Y7Z9A1B2C3D4E",  # no such export
    }


def _requires_token(operation: dict[str, Any]) -> bool:
    return bool(operation.get("security") == [{"bearer": []}])


def _check_answer(
    report: Report,
    key: tuple[str, ...],
    operation: dict[str, Any],
    answer: tuple[int, bytes],
    anonymous: bool,
    invalid_path: bool,
    curl: str,
) -> None:
    """The checks every answer passes, generated or hostile."""
    status, content = answer
    text = content[:500].decode(errors="replace")
    report.count(status)
    if status >= 400:
        try:
            error_of(json.loads(content))
        except (AssertionError, ValueError) as exc:
            report.problem((*key, "error shape"), f"{exc!r}: {text}\n{curl}")
    if str(status) not in operation["responses"]:
        report.problem((*key, f"undocumented {status}"), f"{text}\n{curl}")
    if _requires_token(operation) and anonymous and status not in ({401, 404} if invalid_path else {401}):
        report.problem((*key, f"{status}, not 401"), f"{text}\n{curl}")


# --- generated cases -----------------------------------------------------------------


def _invalid_path(case: Case[Any]) -> bool:
    path = case.meta.components.get(ParameterLocation.PATH) if case.meta else None
    return path is not None and path.mode.is_negative


def _send(
    case: Case[Any], mode: str, token: str | None, url: str, session: requests.Session, report: Report, variant: str
) -> None:
    headers = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    if "Idempotency-Key" in case.headers and not (headers and headers.mode.is_negative):
        # A fresh key each time: a key used again answers its first response (or 422).
        case.headers["Idempotency-Key"] = f"fuzz-{uuid.uuid4()}"
    if token != KEEP:
        case.headers.pop("Authorization", None)  # case-insensitive
        if token is not None:
            case.headers["Authorization"] = f"Bearer {token}"
    key = (case.operation.label, mode, variant)
    try:
        response = case.call(base_url=url, session=session, timeout=60)
    except requests.RequestException as exc:
        report.problem((*key, "transport"), f"{exc!r}\n{case.as_curl_command()}")
        return
    anonymous = mode == "forged" or "Authorization" not in case.headers
    raw = case.operation.definition.raw
    answer = (response.status_code, response.content)
    _check_answer(report, key, raw, answer, anonymous, _invalid_path(case), case.as_curl_command())
    try:
        case.validate_response(response, checks=CHECKS)
    except BaseExceptionGroup as group:  # schemathesis' FailureGroup
        for failure in group.exceptions:
            report.problem((*key, str(response.status_code), type(failure).__name__), str(group))
    except AssertionError as exc:
        report.problem((*key, str(response.status_code), type(exc).__name__), str(exc))


def _fuzz(
    strategy: st.SearchStrategy[Case[Any]],
    tokens: dict[str, str | None],
    url: str,
    session: requests.Session,
    report: Report,
    variant: str,
    examples: int = EXAMPLES,
) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Case[Any]) -> None:
        if case.operation.schema.is_security_param_negated(case):
            _send(case, "forged", KEEP, url, session, report, variant)
            return
        for mode, token in tokens.items():
            _send(case, mode, token, url, session, report, variant)

    with contextlib.suppress(hypothesis.errors.Unsatisfiable):  # e.g. invalid data for an operation with no inputs
        run()


def _problems_since(report: Report, before: set[tuple[str, ...]]) -> str:
    new = [(k, v) for k, v in report.problems.items() if k not in before]
    details = "\n\n".join(f"== {' | '.join(k)}\n{v}" for k, v in new[:15])
    return f"{len(new)} distinct problems:\n{details}" if new else ""


def test_fuzz_every_operation_with_and_without_tokens(target: Target) -> None:
    report, before = target.report, set(target.report.problems)
    schema = schemathesis.openapi.from_dict(target.document)  # from_url would leave out the document's own route
    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results) == sum(len(methods) for methods in target.document["paths"].values())
    sent = report.requests
    with requests.Session() as session:
        for operation in operations:
            raw = operation.definition.raw
            names = [p["name"] for p in raw.get("parameters", []) if p["in"] == "path"]
            modes = [GenerationMode.POSITIVE]
            if raw.get("parameters") or raw.get("requestBody") or raw.get("security"):
                modes.append(GenerationMode.NEGATIVE)
            for mode in modes:
                strategy = operation.as_strategy(generation_mode=mode)
                _fuzz(strategy, target.tokens, target.stack.url, session, report, mode.value)
                if names:
                    existing = {name: target.known[name] for name in names}
                    strategy = operation.as_strategy(generation_mode=mode, path_parameters=existing)
                    _fuzz(strategy, target.tokens, target.stack.url, session, report, f"{mode.value}, existing ids")
            example = raw.get("requestBody", {}).get("content", {}).get("application/json", {}).get("examples")
            if example:  # the documented body, as is, to existing objects: the paths past validation run too
                body = example["valid"]["value"]
                existing = {name: target.known[name] for name in names}
                strategy = operation.as_strategy(body=body, path_parameters=existing, media_type="application/json")
                _fuzz(strategy, target.tokens, target.stack.url, session, report, "example body", examples=2)
    assert not _problems_since(report, before), _problems_since(report, before)
    assert report.server_errors == 0
    assert report.requests - sent >= EXAMPLES * len(operations) * len(target.tokens)


# --- hostile inputs ------------------------------------------------------------------


@dataclass(frozen=True)
class Hostile:
    """One hostile request to an operation."""

    what: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    no_route: bool = False  # an id no object can have: 404 before any token check


def _hostile_requests(method: str, path: str, operation: dict[str, Any], known: dict[str, str]) -> Iterator[Hostile]:
    """Each hostile input this operation takes."""
    parameters = operation.get("parameters", [])
    names = [p["name"] for p in parameters if p["in"] == "path"]
    query_names = {p["name"] for p in parameters if p["in"] == "query"}
    concrete = path.format(**known)
    takes_key = method == "POST" and operation.get("security")
    body = b"{}" if "requestBody" in operation else None
    for raw in HOSTILE_BODIES if "requestBody" in operation else ():
        yield Hostile(f"body {raw[:12]!r}", concrete, body=raw)
    for limit in HOSTILE_LIMITS if "limit" in query_names else ():
        yield Hostile(f"limit {limit[:8]!r}", concrete, {"limit": limit}, body=body)
    for cursor in HOSTILE_CURSORS if "cursor" in query_names else ():
        yield Hostile(f"cursor {cursor[:12]!r}", concrete, {"cursor": cursor}, body=body)
    for name in names:
        for value in HOSTILE_IDS:
            yield Hostile(
                f"{name} {value[:8]!r}",
                path.format(**{**known, name: value}),
                body=body,
                no_route=len(unquote(value)) > MAX_PATH_PARAM_CHARS,
            )
    for value in HOSTILE_KEYS if takes_key else ():
        yield Hostile(f"key {value[:8]!r}", concrete, headers={"Idempotency-Key": value}, body=body)
    for value in HOSTILE_AUTH if _requires_token(operation) else ():
        yield Hostile(f"auth {value[:12]!r}", concrete, headers={"Authorization": value}, body=body)


def test_hostile_inputs_to_every_operation(target: Target) -> None:
    report, before = target.report, set(target.report.problems)
    root = {"Authorization": f"Bearer {target.stack.token('fuzz-root', ['buyer', 'seller', 'admin'])}"}
    with requests.Session() as session:
        for path, methods in target.document["paths"].items():
            for method, operation in methods.items():
                required_key = any(
                    p["in"] == "header" and p["name"] == "Idempotency-Key" and p["required"]
                    for p in operation.get("parameters", [])
                )
                for hostile in _hostile_requests(method.upper(), path, operation, target.known):
                    callers = (
                        {"anonymous": {}}
                        if "Authorization" in hostile.headers
                        else {"anonymous": {}, "all groups": root}
                    )
                    for caller, auth in callers.items():
                        fresh_key = {"Idempotency-Key": f"hostile-{uuid.uuid4()}"} if required_key else {}
                        response = session.request(
                            method.upper(),
                            f"{target.stack.url}{hostile.path}",
                            params=hostile.query,
                            # A fresh key each time: a key used again answers its first response (or 422).
                            headers={**auth, **fresh_key, **hostile.headers},
                            data=hostile.body,
                            timeout=60,
                        )
                        anonymous = caller == "anonymous"
                        curl = f"{method.upper()} {hostile.path} {hostile.query} {list(hostile.headers)}"
                        key = (f"{method.upper()} {path}", caller, hostile.what)
                        answer = (response.status_code, response.content)
                        _check_answer(report, key, operation, answer, anonymous, hostile.no_route, curl)
    assert not _problems_since(report, before), _problems_since(report, before)
    assert report.server_errors == 0
