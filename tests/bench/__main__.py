"""Run every benchmark in turn and print their tables (`make bench`)."""

from __future__ import annotations

import sys

from tests.bench import checkout, coldstart, cost, listing, spending

BENCHES = (
    ("coldstart", coldstart.main),
    ("checkout", checkout.main),
    ("spending", spending.main),
    ("listing", listing.main),
    ("cost", cost.main),
)


def main() -> int:
    """Run all benchmarks; each prints its own side-by-side table."""
    for name, run in BENCHES:
        print(f"== {name} ==", flush=True)
        run([])
    return 0


if __name__ == "__main__":
    sys.exit(main())
