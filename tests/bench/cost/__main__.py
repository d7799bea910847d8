"""`python -m tests.bench.cost [--orders N] [--roster N]`: measure the scenario and print the report."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tests.bench.cost.report import report
from tests.bench.cost.scenario import CostScenario, measure


def run(orders: int, roster: int) -> str:
    """Set up, walk the orders, run the month's jobs and return the report."""
    import logging
    import tempfile

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    started = time.perf_counter()
    scenario = CostScenario(Path(tempfile.mkdtemp()))
    try:
        measured = measure(scenario, orders, roster)
        return report(scenario.meter, orders, measured, time.perf_counter() - started)
    finally:
        scenario.stop()


def main(argv: list[str]) -> int:
    """Run and print; in a fresh interpreter if another benchmark already loaded the app."""
    import argparse
    import os

    os.environ.pop("PEKEN_METRICS_FILE", None)  # metrics are log lines on AWS: meter them with the rest

    parser = argparse.ArgumentParser(prog="python -m tests.bench.cost")
    parser.add_argument("--orders", type=int, default=30)
    parser.add_argument("--roster", type=int, default=300, help="ASN seeded for the reminder job")
    args = parser.parse_args(argv)
    if "app" in sys.modules:  # its clients point at an emulator another benchmark stopped
        import subprocess

        return subprocess.call([sys.executable, "-m", "tests.bench.cost", *argv])
    print(run(args.orders, args.roster), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
