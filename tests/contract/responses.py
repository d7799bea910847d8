"""Hold every response a running stack gives to its OpenAPI document, and keep samples of real bodies.

`Harness` is what `tests/e2e/conftest.py` wires into all HTTP traffic of the e2e suite: each
stack's document is fetched once when the stack starts (`attach`), every response from that
stack is matched to the document's operation (method + path template) and its body validated
against `responses[<status>]` (JSON Schema 2020-12, `$ref`s resolved inside the document,
formats checked), and the mismatches are collected for the test that caused them.

- A status the operation does not document is a mismatch; so is a body on a response that
  documents none (204), a non-JSON body where JSON is documented, and any schema error.
- A request no documented operation matches (an unknown path, or a method the path does not
  have) is not checked, except that an error status (>= 400) must have the generic `Error`
  schema's shape when the document defines one.
- `/_local/...` control routes, and anything not sent to an attached stack (localstripe), are
  not API calls.

`Samples` writes up to three distinct real bodies per (operationId, status) as
`<operationId>.<status>.<n>.json`, preferring bodies of a shape not kept yet (a `refund`
that is an object, not null), for the typed-client check of `make contract`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError, best_match  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

MODE_ENV = "PEKEN_CONTRACT"  # fail (default): a mismatch fails its test; report: only report; off
RESPONSES_ENV = "PEKEN_RESPONSES_DIR"  # where to record samples of real bodies (unset: none)
REPORT_ENV = "PEKEN_CONTRACT_REPORT"  # where the run's mismatches are written as JSON
MODES = ("fail", "report", "off")
BASE_URI = "https://peken.invalid/openapi.json"  # the document's URI inside the schema registry
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SAMPLES = 3  # real bodies kept per (operationId, status)
ERRORS_PER_RESPONSE = 5
SHOWN_PER_TEST = 20
NO_BODY = object()  # the response had no JSON body


def pointer(*parts: str) -> str:
    """Make a JSON pointer (RFC 6901) from its unescaped parts."""
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def _is_json(media_type: str) -> bool:
    kind = media_type.split(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


def _short(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Operation:
    """One documented operation."""

    method: str  # upper case
    template: str  # the document's key under `paths`
    operation_id: str
    location: str  # JSON pointer of the operation object
    responses: Mapping[str, Any]

    @property
    def label(self) -> str:
        return f"{self.operation_id} ({self.method} {self.template})"

    @property
    def file_name(self) -> str:
        return re.sub(r"[^A-Za-z0-9._-]", "_", self.operation_id)


@dataclass(frozen=True)
class Mismatch:
    """One way a response broke the document."""

    operation: str  # the operation's label, or "no operation" for an unknown path or method
    request: str  # method and target, as sent
    status: int
    where: str  # JSON path in the body ("$" is the whole response)
    problem: str
    rule: str  # the schema keyword's path (through `$ref`s), or the check's name

    def __str__(self) -> str:
        return f"{self.operation}: {self.request} -> {self.status}: at {self.where}: {self.problem} [{self.rule}]"

    @property
    def group(self) -> tuple[str, int, str, str]:
        """What mismatches of the same cause share (array indices and the request differ)."""
        return self.operation, self.status, re.sub(r"\[\d+\]", "[*]", self.where), self.rule


@dataclass(frozen=True)
class Checked:
    """What checking one response found."""

    operation: Operation | None
    body: Any  # the parsed JSON body, or NO_BODY
    mismatches: list[Mismatch]


class Contract:
    """One document: its operations, their path templates and per-schema validators (compiled once)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(BASE_URI, resource)
        self._validators: dict[str, Draft202012Validator] = {}
        servers = document.get("servers") or [{}]
        base = urlsplit(str(servers[0].get("url", "/"))).path.rstrip("/")
        routes: list[tuple[re.Pattern[str], str, dict[str, Operation]]] = []
        for template, item in (document.get("paths") or {}).items():
            operations = {
                method.upper(): Operation(
                    method.upper(),
                    template,
                    str(item[method].get("operationId") or f"{method}_{template}"),
                    pointer("paths", template, method),
                    item[method].get("responses") or {},
                )
                for method in METHODS
                if isinstance(item.get(method), Mapping)
            }
            pattern = "".join(
                "[^/]+" if part.startswith("{") else re.escape(part) for part in re.split(r"(\{[^}/]+\})", template)
            )
            routes.append((re.compile(f"^{re.escape(base)}{pattern}$"), template, operations))
        # Literal segments win over parameters: /v1/admin/compliance/laggards before .../{x}.
        routes.sort(key=lambda route: (route[1].count("{"), -len(route[1])))
        self._routes = routes
        schemas = (document.get("components") or {}).get("schemas") or {}
        self._error = pointer("components", "schemas", "Error") if "Error" in schemas else None

    def match(self, method: str, path: str) -> Operation | None:
        """Find the documented operation of a request (None: no such path, or no such method on it)."""
        for regex, _template, operations in self._routes:
            if regex.match(path):
                return operations.get(method.upper())
        return None

    def check(self, method: str, target: str, status: int, content_type: str, body: bytes) -> Checked:
        """Check one response (`target` is the path and query string as sent)."""
        method = method.upper()
        request = f"{method} {_short(target, 160)}"
        operation = self.match(method, urlsplit(target).path)
        if operation is None:
            if status >= 400 and method != "HEAD" and self._error is not None:
                value, found = self._body("no operation", request, status, content_type, body, self._error)
                return Checked(None, value, found)
            return Checked(None, NO_BODY, [])
        location, response = self._response(operation, status)
        if response is None:
            documented = ", ".join(operation.responses) or "none"
            problem = f"status {status} is not documented for this operation (documented: {documented})"
            return Checked(operation, _json_or_none(body), [self._mismatch(operation, request, status, problem)])
        content = response.get("content") or {}
        if method == "HEAD":
            return Checked(operation, NO_BODY, [])
        if status == 204 or not content:
            if body.strip():
                problem = f"documented without a body, got {len(body)} bytes: {_short(repr(body[:80]))}"
                return Checked(operation, NO_BODY, [self._mismatch(operation, request, status, problem, "no body")])
            return Checked(operation, NO_BODY, [])
        media = next((kind for kind in content if _is_json(kind)), None)
        kind = content_type.split(";")[0].strip().lower()
        other = not _is_json(kind) and kind in {str(k).lower() for k in content}  # e.g. text/csv beside JSON
        if media is None or other:  # documented as something else than JSON: hold the media type only
            if kind not in {str(k).lower() for k in content}:
                problem = f"Content-Type {content_type!r} is none of {', '.join(content)}"
                return Checked(operation, NO_BODY, [self._mismatch(operation, request, status, problem, "media type")])
            return Checked(operation, NO_BODY, [])
        schema = location + pointer("content", media, "schema") if "schema" in content[media] else None
        value, found = self._body(operation.label, request, status, content_type, body, schema)
        return Checked(operation, value, found)

    def _mismatch(
        self, operation: Operation, request: str, status: int, problem: str, rule: str = "status"
    ) -> Mismatch:
        return Mismatch(operation.label, request, status, "$", problem, rule)

    def _response(self, operation: Operation, status: int) -> tuple[str, Mapping[str, Any] | None]:
        """Find the response object documented for a status, following `$ref`s; return it and where it is."""
        responses = operation.responses
        keys = (str(status), f"{status // 100}XX", f"{status // 100}xx", "default")
        key = next((k for k in keys if k in responses), None)
        if key is None:
            return "", None
        location = operation.location + pointer("responses", key)
        response: Any = responses[key]
        for _ in range(16):
            reference = response.get("$ref") if isinstance(response, Mapping) else None
            if not isinstance(reference, str):
                break
            if not reference.startswith("#/"):
                raise ValueError(f"{location}: only references inside the document are supported, not {reference}")
            location = reference[1:]
            response = self.resolve(location)
        return location, response if isinstance(response, Mapping) else {}

    def resolve(self, location: str) -> Any:
        """Follow a JSON pointer into the document."""
        node: Any = self.document
        for part in location.split("/")[1:]:
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def _body(
        self, label: str, request: str, status: int, content_type: str, body: bytes, schema: str | None
    ) -> tuple[Any, list[Mismatch]]:
        found: list[Mismatch] = []
        if not _is_json(content_type or ""):
            found.append(Mismatch(label, request, status, "$", f"Content-Type is {content_type!r}, not JSON", "json"))
        try:
            value = json.loads(body)
        except ValueError:
            problem = f"body is not JSON: {_short(repr(body[:120]))}"
            return NO_BODY, [*found, Mismatch(label, request, status, "$", problem, "json")]
        if schema is None:
            return value, found
        for error in itertools.islice(self.validator(schema).iter_errors(value), ERRORS_PER_RESPONSE):
            deepest: ValidationError = best_match([error]) or error
            rule = "/".join(str(p) for p in deepest.schema_path)
            found.append(Mismatch(label, request, status, deepest.json_path, _short(deepest.message), rule))
        return value, found

    def validator(self, location: str) -> Draft202012Validator:
        """The validator of the schema at a JSON pointer of the document (made once)."""
        validator = self._validators.get(location)
        if validator is None:
            reference = {"$ref": f"{BASE_URI}#{quote(location, safe='/~')}"}
            validator = Draft202012Validator(
                reference, registry=self._registry, format_checker=Draft202012Validator.FORMAT_CHECKER
            )
            self._validators[location] = validator
        return validator


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return NO_BODY


def shape(value: Any, at: str = "$") -> frozenset[str]:
    """The JSON paths (array items as []) of a value with their JSON types."""
    found: set[str] = set()

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            found.add(f"{where}:object")
            for key, item in node.items():
                walk(item, f"{where}.{key}")
        elif isinstance(node, list):
            found.add(f"{where}:array")
            for item in node:
                walk(item, f"{where}[]")
        else:
            kind = {bool: "boolean", int: "number", float: "number", str: "string"}.get(type(node), "null")
            found.add(f"{where}:{kind}")

    walk(value, at)
    return frozenset(found)


@dataclass
class _Sample:
    digest: str
    shape: frozenset[str]
    path: Path


NAME = re.compile(r"^(?P<operation>.+)\.(?P<status>\d{3})\.(?P<n>\d+)\.json$")


class Samples:
    """Up to `limit` distinct real bodies per (operationId, status), kept as JSON files in a directory."""

    def __init__(self, directory: Path, limit: int = SAMPLES) -> None:
        self.directory = directory
        self.limit = limit
        self._kept: dict[tuple[str, int], list[_Sample]] = {}
        self._lock = threading.Lock()
        directory.mkdir(parents=True, exist_ok=True)
        for path in sorted(directory.glob("*.json")):  # a second run adds to what the first kept
            named = NAME.match(path.name)
            if not named:
                continue
            body = json.loads(path.read_text())["body"]
            key = (named["operation"], int(named["status"]))
            self._kept.setdefault(key, []).append(_Sample(_digest(body), shape(body), path))

    def add(self, operation: Operation, method: str, target: str, status: int, body: Any) -> None:
        digest = _digest(body)
        key = (operation.file_name, status)
        with self._lock:
            kept = self._kept.setdefault(key, [])
            if any(sample.digest == digest for sample in kept):
                return
            shapes = Counter(sample.shape for sample in kept)
            if len(kept) >= self.limit and len(shapes) == len(kept):
                return  # full, every sample of another shape
            form = shape(body)
            if len(kept) < self.limit:
                sample = _Sample(digest, form, self._free(key))
                kept.append(sample)
            elif form not in shapes:  # replace a sample whose shape another one already shows
                sample = next(s for s in reversed(kept) if shapes[s.shape] > 1)
                sample.digest, sample.shape = digest, form
            else:
                return
            record = {"method": method.upper(), "path": target, "status": status, "body": body}
            # whole or not at all: parallel e2e workers (pytest-xdist) may keep a sample under one name
            written = sample.path.with_name(f"{sample.path.name}.{os.getpid()}.part")
            written.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
            written.replace(sample.path)

    def _free(self, key: tuple[str, int]) -> Path:
        taken = {sample.path.name for sample in self._kept.get(key, [])}
        for n in itertools.count(1):
            path = self.directory / f"{key[0]}.{key[1]}.{n}.json"
            if path.name not in taken and not path.exists():
                return path
        raise AssertionError("unreachable")


def _digest(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@dataclass
class Harness:
    """The e2e suite's view of the contract: attached stacks, mismatches per test, samples."""

    mode: str = "fail"
    samples: Samples | None = None
    report: Path | None = None
    enabled: bool = True  # off for tests that validate on their own (the fuzzer)
    current: str = ""  # the test (node id) whose phase is running
    checked: int = 0
    seconds: float = 0.0
    seen: list[tuple[str, Mismatch]] = field(default_factory=list)
    _stacks: dict[str, Contract] = field(default_factory=dict)
    _contracts: dict[str, Contract] = field(default_factory=dict)
    _pending: list[Mismatch] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], root: Path) -> Harness:
        mode = environ.get(MODE_ENV, "fail").strip().lower() or "fail"
        if mode not in MODES:
            raise ValueError(f"{MODE_ENV}={mode!r}: expected one of {', '.join(MODES)}")
        directory = environ.get(RESPONSES_ENV)
        report = Path(environ.get(REPORT_ENV) or root / "build" / "contract-report.json")
        return cls(mode, Samples(Path(directory)) if directory else None, report)

    @property
    def active(self) -> bool:
        return self.mode != "off" or self.samples is not None

    def attach(self, url: str, document: Mapping[str, Any]) -> None:
        """Check what the stack at `url` answers against its document (compiled once per distinct document)."""
        digest = _digest(document)
        with self._lock:
            contract = self._contracts.get(digest)
            if contract is None:
                contract = self._contracts[digest] = Contract(document)
            self._stacks[_origin(url)] = contract

    def watches(self, url: str) -> bool:
        """Tell whether a response from `url` is an API call to check (cheap, before reading the body)."""
        if not self.enabled or not self._stacks:
            return False
        split = urlsplit(url)
        return f"{split.scheme}://{split.netloc}" in self._stacks and not split.path.startswith("/_local/")

    def observe(self, method: str, url: str, status: int, content_type: str, body: bytes) -> None:
        """Check one response from an attached stack, and keep a sample of it."""
        if not self.watches(url):
            return
        started = time.perf_counter()
        split = urlsplit(url)
        target = split.path + (f"?{split.query}" if split.query else "")
        contract = self._stacks[_origin(url)]
        if self.mode == "off":
            operation = contract.match(method, split.path)
            checked = Checked(operation, _json_or_none(body), [])
        else:
            checked = contract.check(method, target, status, content_type, body)
        if self.samples is not None and checked.operation is not None and checked.body is not NO_BODY:
            self.samples.add(checked.operation, method, target, status, checked.body)
        with self._lock:
            self._pending += checked.mismatches
            self.seen += [(self.current, m) for m in checked.mismatches]
            self.checked += 1
            self.seconds += time.perf_counter() - started

    def take(self) -> list[Mismatch]:
        """Hand over the mismatches found since the last call."""
        with self._lock:
            found, self._pending = self._pending, []
        return found

    def failure(self, found: list[Mismatch]) -> str:
        lines = [f"{len(found)} response(s) broke the OpenAPI document ({MODE_ENV}=report only reports them):"]
        lines += [f"  {m}" for m in found[:SHOWN_PER_TEST]]
        if len(found) > SHOWN_PER_TEST:
            lines.append(f"  … and {len(found) - SHOWN_PER_TEST} more")
        return "\n".join(lines)

    def summary(self) -> list[str]:
        """The run's mismatches, grouped by cause, most frequent first."""
        groups: dict[tuple[str, int, str, str], list[tuple[str, Mismatch]]] = {}
        for test, mismatch in self.seen:
            groups.setdefault(mismatch.group, []).append((test, mismatch))
        lines = []
        for (operation, status, where, rule), items in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1])):
            tests = {test for test, _ in items}
            example = items[0][1]
            lines.append(
                f"{len(items):4}x {operation} -> {status} at {where}: {example.problem} [{rule}]"
                f" (e.g. {example.request}; {len(tests)} test(s), e.g. {items[0][0]})"
            )
        return lines

    def write_report(self) -> None:
        if self.report is None:
            return
        self.report.parent.mkdir(parents=True, exist_ok=True)
        entries = [{"test": test, **asdict(mismatch)} for test, mismatch in self.seen]
        payload = {"mode": self.mode, "checked": self.checked, "mismatches": entries, "groups": self.summary()}
        self.report.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n")


def _origin(url: str) -> str:
    split = urlsplit(url)
    return f"{split.scheme}://{split.netloc}"
