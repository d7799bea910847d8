"""Benchmark: cold start of the API Lambda, stock `chalice package` bundle vs ours.

Each bundle is unzipped into a read-only directory (as /var/task is) and started in a fresh
interpreter with no site-packages and no bytecode cache written, then handles its first
request (a Lambda proxy event). We time from interpreter start to the response, side by
side, several times each, for two first requests: GET /v1/health (no AWS call) and
GET /v1/products (DynamoDB queries, against the emulator on loopback).

Three builds of the same code: "stock, eager" is `chalice package` as it comes, with every
module imported at start as a plain Chalice app does (PEKEN_EAGER_IMPORTS=1); "stock" is the
same bundle with our import-on-first-use; "ours" is `make package`'s bundle (infra/aws/bundle.py):
precompiled hash-based .pyc, botocore's data cut to the services the functions call, and
import-on-first-use. Init (importing app) and the first request are timed apart.

Run: make bench (or python -m tests.bench.coldstart).
"""

from __future__ import annotations

import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from infra.local.prepare import REGION
from tests.bench import verdict

RUNS = 9
CHILD = r"""
import time, sys
started = time.perf_counter()
import app
initialised = time.perf_counter()
path, query = sys.argv[1], dict(p.split("=") for p in sys.argv[2:])
event = {"resource": path, "path": path, "httpMethod": "GET", "headers": {},
         "multiValueHeaders": {}, "queryStringParameters": query or None,
         "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} or None,
         "pathParameters": None, "stageVariables": None, "body": None, "isBase64Encoded": False,
         "requestContext": {"resourcePath": path, "httpMethod": "GET", "path": "/api" + path,
                            "requestId": "bench", "stage": "api"}}
class Context:
    function_name = "api"; aws_request_id = "bench"; memory_limit_in_mb = 1024
    def get_remaining_time_in_millis(self): return 30000
response = app.app(event, Context())
assert response["statusCode"] == 200, response
print(initialised - started, time.perf_counter() - initialised)
"""


# The floor under any app on this stack: Chalice, PynamoDB (botocore) and one Query, none of our code.
FLOOR = r"""
import os, time
started = time.perf_counter()
import chalice.app
from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model
class Product(Model):
    class Meta:
        table_name = "peken-dev-products"
        region = os.environ["AWS_REGION"]
    product_id = UnicodeAttribute(hash_key=True)
initialised = time.perf_counter()
list(Product.query("none", limit=1))
print(initialised - started, time.perf_counter() - initialised)
"""


def _extract(zip_path: Path, into: Path) -> Path:
    with zipfile.ZipFile(zip_path) as bundle:
        bundle.extractall(into)
    for path in into.rglob("*"):
        path.chmod(0o555 if path.is_dir() else 0o444)
    into.chmod(0o555)
    return into


# ours / stock (init + first request): the realistic first request reads DynamoDB; one that needs no
# AWS call must stay no worse than before issue 18 (x0.64 in the README's run of 2026-12-02).
TARGETS = {"GET /v1/products": 0.30, "GET /v1/health": 0.64}
# first request -> (child program, its arguments)
REQUESTS = {
    "GET /v1/health": (CHILD, ["/v1/health"]),
    "GET /v1/products": (CHILD, ["/v1/products", "limit=5"]),
    "floor: 1 Query": (FLOOR, []),
}
FLOOR_BUILDS = ("stock", "ours")
# build -> (bundle, interpreter, environment); "3.13" rows when that interpreter is on the machine.
BUILDS: dict[str, tuple[str, str, dict[str, str]]] = {
    "stock, eager": ("stock", "3.11", {"PEKEN_EAGER_IMPORTS": "1"}),
    "stock": ("stock", "3.11", {}),
    "ours": ("ours", "3.11", {}),
    "stock 3.13": ("stock", "3.13", {}),
    "ours 3.13": ("ours-3.13", "3.13", {}),
}


def python313() -> str | None:
    """A Python 3.13 interpreter (Lambda's python3.13 runtime), if this machine has one that runs (pyenv's, say)."""
    candidates = [*sorted(Path.home().glob(".pyenv/versions/3.13*/bin/python3.13")), shutil.which("python3.13")]
    for candidate in filter(None, candidates):
        version = subprocess.run([str(candidate), "-c", "import sys; print(sys.version_info[:2])"], capture_output=True)
        if version.returncode == 0 and version.stdout.strip() == b"(3, 13)":
            return str(candidate)
    return None


def _start(
    python: str, code_dir: Path, child: tuple[str, list[str]], extra: dict[str, str]
) -> tuple[float, float, float]:
    """Return seconds: wall to first response, then inside the interpreter: init (import app), first request."""
    env = {
        **extra,
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(code_dir),
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "PEKEN_STAGE": "dev",
        "POWERTOOLS_SERVICE_NAME": "peken",
        "POWERTOOLS_METRICS_NAMESPACE": "Peken",
    }
    started = time.perf_counter()
    out = subprocess.run(
        [python, "-S", "-c", child[0], *child[1]], env=env, cwd=code_dir, capture_output=True, text=True, check=True
    )
    init, first = (float(x) for x in out.stdout.strip().splitlines()[-1].split())
    return time.perf_counter() - started, init, first


def run() -> str:
    """Build both bundles and start each build RUNS times per request, alternating."""
    from infra.aws.bundle import finish
    from infra.aws.validate import package
    from infra.local.emulator import Emulator
    from infra.local.prepare import prepare

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the emulator's access log
    work = Path(tempfile.mkdtemp(prefix="peken-coldstart-"))
    emulator = Emulator().start()
    try:
        # The dev stage's tables for the bundles, which run as on Lambda: of what prepare sets up, they
        # get only the way to the emulator; this process's environment stays as it is.
        prepared = prepare(work / "state", emulator.url, stage="dev", environ={})
        aws = {k: v for k, v in prepared.environment.items() if k.startswith("AWS_") and "REGION" not in k}
        stock_zip = package("dev", work / "build", with_dependencies=True).parent / "deployment.zip"
        ours_zip, ours313_zip = work / "ours.zip", work / "ours-3.13.zip"
        shutil.copy(stock_zip, ours_zip)
        finished = finish(ours_zip)
        pythons = {"3.11": sys.executable, "3.13": python313()}
        dirs = {"stock": _extract(stock_zip, work / "stock"), "ours": _extract(ours_zip, work / "ours")}
        if pythons["3.13"]:
            shutil.copy(stock_zip, ours313_zip)
            finish(ours313_zip, python=pythons["3.13"])
            dirs["ours-3.13"] = _extract(ours313_zip, work / "ours-3.13")
        builds = {name: build for name, build in BUILDS.items() if pythons[build[1]]}
        measured = [(r, b) for r in REQUESTS for b in builds if REQUESTS[r][0] is CHILD or b in FLOOR_BUILDS]
        times: dict[tuple[str, str], list[tuple[float, float, float]]] = {key: [] for key in measured}
        for _ in range(RUNS):
            for request, build in measured:
                bundle, version, extra = builds[build]
                python = pythons[version]
                assert python
                times[request, build].append(_start(python, dirs[bundle], REQUESTS[request], {**extra, **aws}))
    finally:
        emulator.stop()
        for path in work.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(work, ignore_errors=True)
    med = {key: tuple(statistics.median(run[i] for run in t) for i in range(3)) for key, t in times.items()}
    lines = [
        f"Cold start of the API Lambda to its first response (median of {RUNS}; ours: {finished.modules} modules "
        f"precompiled, botocore data for {finished.services} services)",
        f"{'first request':<18} {'bundle':<14} {'wall ms':>8} {'init ms':>8} {'request ms':>11} {'ours/this':>10}",
    ]
    for request, build in med:
        wall, init, first = med[request, build]
        ratio = sum(med[request, "ours"][1:]) / (init + first)
        lines.append(
            f"{request:<18} {build:<14} {wall * 1000:>8.0f} {init * 1000:>8.0f} {first * 1000:>11.0f} {ratio:>10.2f}"
        )
    for request, limit in TARGETS.items():
        ratio = sum(med[request, "ours"][1:]) / sum(med[request, "stock"][1:])
        lines.append(
            f"target: {request}: ours <= {limit:.2f} x stock (init+request): x{ratio:.2f} -> {verdict(ratio <= limit)}"
        )
    total = {key: sum(times[1:]) for key, times in med.items()}
    floor, app = "floor: 1 Query", "GET /v1/products"
    lines.append(
        f"floor (Chalice, PynamoDB, 1 Query; no app code): ours x{total[floor, 'ours'] / total[floor, 'stock']:.2f} "
        f"of stock; on {app} the app adds {(total[app, 'ours'] - total[floor, 'ours']) * 1000:.0f} ms to ours, "
        f"{(total[app, 'stock'] - total[floor, 'stock']) * 1000:.0f} ms to stock"
    )
    if compared := [r for r in REQUESTS if (r, "ours 3.13") in med]:
        gains = ", ".join(f"{r} x{total[r, 'ours 3.13'] / total[r, 'ours']:.2f}" for r in compared)
        lines.append(f"Python 3.13 / 3.11, ours (init+request): {gains}")
    else:
        lines.append("Python 3.13: no interpreter on this machine, not measured")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Run and print."""
    print(run())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
