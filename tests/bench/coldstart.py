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
REQUESTS = {"GET /v1/health": ["/v1/health"], "GET /v1/products": ["/v1/products", "limit=5"]}
# build -> (bundle, interpreter, environment); "3.13" rows when that interpreter is on the machine.
BUILDS: dict[str, tuple[str, str, dict[str, str]]] = {
    "stock, eager": ("stock", "3.11", {"PEKEN_EAGER_IMPORTS": "1"}),
    "stock": ("stock", "3.11", {}),
    "ours": ("ours", "3.11", {}),
    "stock 3.13": ("stock", "3.13", {}),
    "ours 3.13": ("ours-3.13", "3.13", {}),
}


def python313() -> str | None:
    """A Python 3.13 interpreter (Lambda's python3.13 runtime), if this machine has one (pyenv's, say)."""
    found = shutil.which("python3.13") or next(
        iter(sorted(Path.home().glob(".pyenv/versions/3.13*/bin/python3.13"))), None
    )
    return str(found) if found else None


def _start(python: str, code_dir: Path, request: list[str], extra: dict[str, str]) -> tuple[float, float, float]:
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
        [python, "-S", "-c", CHILD, *request], env=env, cwd=code_dir, capture_output=True, text=True, check=True
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
        times: dict[tuple[str, str], list[tuple[float, float, float]]] = {(r, b): [] for r in REQUESTS for b in builds}
        for _ in range(RUNS):
            for request, args in REQUESTS.items():
                for build, (bundle, version, extra) in builds.items():
                    python = pythons[version]
                    assert python
                    times[request, build].append(_start(python, dirs[bundle], args, {**extra, **aws}))
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
        verdict = "PASS" if ratio <= limit else "FAIL"
        lines.append(f"target: {request}: ours <= {limit:.2f} x stock (init+request): x{ratio:.2f} -> {verdict}")
    if measured := [r for r in REQUESTS if (r, "ours 3.13") in med]:
        gains = ", ".join(f"{r} x{sum(med[r, 'ours 3.13'][1:]) / sum(med[r, 'ours'][1:]):.2f}" for r in measured)
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
