"""Run every benchmark in turn, each in a fresh interpreter, and print their tables (`make bench`)."""

from __future__ import annotations

import os
import subprocess
import sys

# Each benchmark starts its own emulator and prepares the app for it (infra.local.prepare); a
# fresh interpreter keeps one benchmark's cached clients and moto state out of the next.
BENCHES = ("coldstart", "checkout", "spending", "listing", "queues", "payouts", "exports", "cost", "web")


def main() -> int:
    """Run all benchmarks; each prints its own side-by-side table."""
    env = {**os.environ, "PEKEN_METRICS_FILE": os.environ.get("PEKEN_METRICS_FILE", os.devnull)}
    failed = 0
    for name in BENCHES:
        print(f"== {name} ==", flush=True)
        failed += subprocess.run([sys.executable, "-m", f"tests.bench.{name}"], env=env, check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
