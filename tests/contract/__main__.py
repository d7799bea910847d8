"""`make contract`: hold the OpenAPI document to account, and every recorded response to its types.

1. write the document to build/openapi.json (imported from the app, local stage with dev routes);
2. `redocly lint` it (tests/contract/redocly.yaml: the recommended ruleset);
3. generate client types with openapi-typescript (build/contract/api.d.ts);
4. type every response `make e2e` recorded (build/responses) with them, `tsc --strict` (typecheck.py);
5. find untyped object schemas and resources returned without a name (schemas.py).

Every step runs (4 needs 3); the run fails when any did, naming which.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.contract import schemas, typecheck

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = HERE / "node_modules" / ".bin"
QUIET_NODE = {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", "NO_UPDATE_NOTIFIER": "1"}


def write_document(path: Path) -> None:
    """Write the document the app serves at /v1/openapi.json, as the local stack builds it."""
    os.environ.setdefault("PEKEN_STAGE", "local")
    os.environ.setdefault("PEKEN_DEV_ROUTES", "1")
    from chalicelib import openapi

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(openapi.document(), indent=1) + "\n")


def _run(command: list[str], cwd: Path = ROOT) -> int:
    environment = {**os.environ, **QUIET_NODE}
    return subprocess.run(command, cwd=cwd, env=environment, check=False).returncode


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.contract", description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=Path, default=ROOT / "build" / "responses")
    parser.add_argument("--document", type=Path, default=ROOT / "build" / "openapi.json")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "contract")
    args = parser.parse_args()
    responses, document, out = args.responses.resolve(), args.document.resolve(), args.out.resolve()
    if not responses.is_dir() or not any(responses.glob("*.json")):
        print(f"contract: no recorded responses in {responses}: run `make e2e` first (it records them)")
        return 2
    api, typed = out / "api.d.ts", out / "responses.ts"
    out.mkdir(parents=True, exist_ok=True)
    failed: list[str] = []
    timings: list[str] = []

    def step(name: str, action: Callable[[], int]) -> bool:
        print(f"\n== contract: {name}", flush=True)
        began = time.monotonic()
        code = action()
        timings.append(f"{name} {time.monotonic() - began:.1f}s")
        if code != 0:
            failed.append(name)
        return code == 0

    def document_step() -> int:
        write_document(document)
        print(f"wrote {document.relative_to(ROOT)}")
        return 0

    if not step("document", document_step):
        return 1
    step(
        "redocly lint",
        lambda: _run([str(BIN / "redocly"), "lint", "--config", str(HERE / "redocly.yaml"), str(document)]),
    )
    # Run from the repository root, where no redocly.yaml is: openapi-typescript would otherwise
    # lint with ours and refuse to generate types for a document that has lint errors.
    generated = step(
        "openapi-typescript", lambda: _run([str(BIN / "openapi-typescript"), str(document), "-o", str(api)])
    )
    if generated:
        step(
            "tsc over recorded responses",
            lambda: typecheck.main([str(p) for p in (document, responses, api, typed, BIN / "tsc")]),
        )
    step("untyped and unnamed schemas", lambda: schemas.main([str(document)]))
    print(f"\ncontract: {', '.join(timings)}")
    if failed:
        print(f"contract: FAILED: {', '.join(failed)}")
        return 1
    print("contract: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
