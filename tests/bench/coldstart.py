"""Benchmark: cold start of the API Lambda, stock `chalice package` bundle vs ours (precompiled).

Each bundle is unzipped into a read-only directory (as /var/task is) and started in a fresh
interpreter with no site-packages and no bytecode cache written, then handles its first
request (GET /v1/health, a Lambda proxy event). We time from interpreter start to the
response, side by side, several times each.

Run: make bench (or python -m tests.bench.coldstart).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

RUNS = 7
CHILD = r"""
import time, sys
started = time.perf_counter()
import app
event = {"resource": "/v1/health", "path": "/v1/health", "httpMethod": "GET", "headers": {},
         "multiValueHeaders": {}, "queryStringParameters": None, "multiValueQueryStringParameters": None,
         "pathParameters": None, "stageVariables": None, "body": None, "isBase64Encoded": False,
         "requestContext": {"resourcePath": "/v1/health", "httpMethod": "GET", "path": "/api/v1/health",
                            "requestId": "bench", "stage": "api"}}
class Context:
    function_name = "api"; aws_request_id = "bench"; memory_limit_in_mb = 1024
    def get_remaining_time_in_millis(self): return 30000
response = app.app(event, Context())
assert response["statusCode"] == 200, response
print(time.perf_counter() - started)
"""


def _extract(zip_path: Path, into: Path) -> Path:
    with zipfile.ZipFile(zip_path) as bundle:
        bundle.extractall(into)
    for path in into.rglob("*"):
        path.chmod(0o555 if path.is_dir() else 0o444)
    into.chmod(0o555)
    return into


def _start(code_dir: Path) -> tuple[float, float]:
    """Return (wall seconds to first response, seconds measured inside after interpreter start)."""
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(code_dir),
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_REGION": "ap-southeast-3",
        "AWS_DEFAULT_REGION": "ap-southeast-3",
        "PEKEN_STAGE": "dev",
        "POWERTOOLS_SERVICE_NAME": "peken",
        "POWERTOOLS_METRICS_NAMESPACE": "Peken",
    }
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-S", "-c", CHILD], env=env, cwd=code_dir, capture_output=True, text=True, check=True
    )
    return time.perf_counter() - started, float(out.stdout.strip().splitlines()[-1])


def run() -> str:
    """Build both bundles and start each RUNS times, alternating."""
    from infra.aws.bundle import precompile
    from infra.aws.validate import package

    work = Path(tempfile.mkdtemp(prefix="peken-coldstart-"))
    try:
        stock_zip = package("dev", work / "build", with_dependencies=True).parent / "deployment.zip"
        ours_zip = work / "ours.zip"
        shutil.copy(stock_zip, ours_zip)
        compiled = precompile(ours_zip)
        dirs = {"stock": _extract(stock_zip, work / "stock"), "ours": _extract(ours_zip, work / "ours")}
        times: dict[str, list[tuple[float, float]]] = {"stock": [], "ours": []}
        for _ in range(RUNS):
            for name, code_dir in dirs.items():
                times[name].append(_start(code_dir))
    finally:
        for path in work.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(work, ignore_errors=True)
    med = {name: (statistics.median(w for w, _ in t), statistics.median(i for _, i in t)) for name, t in times.items()}
    lines = [
        f"Cold start of the API Lambda to its first response (median of {RUNS}; {compiled} modules precompiled)",
        f"{'bundle':<8} {'wall ms':>8} {'init+request ms':>16}",
    ]
    for name, (wall, inside) in med.items():
        lines.append(f"{name:<8} {wall * 1000:>8.0f} {inside * 1000:>16.0f}")
    lines.append(
        f"ours / stock: wall {med['ours'][0] / med['stock'][0]:.2f}, "
        f"init+request {med['ours'][1] / med['stock'][1]:.2f} (target <= 0.35)"
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Run and print."""
    print(run())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
