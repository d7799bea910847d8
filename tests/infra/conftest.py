"""The deploy template of stage dev, packaged and translated offline once per session, then checked.

cfn-lint (on the SAM and on the translated template) and checkov take most of this tier's
time; they run side by side here, and the tests read their findings.
"""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from infra.aws.validate import lint, package, translate

STAGE = "dev"
# JSON report, no progress output, no download of Bridgecrew guidelines (no network here).
CHECKOV_OPTIONS = ("--framework", "cloudformation", "--output", "json", "--quiet", "--compact", "--skip-download")


@pytest.fixture(scope="session")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("package")
    sam_path = package(STAGE, out)
    cfn = translate(sam_path)
    cfn_path = out / "cloudformation.json"
    cfn_path.write_text(json.dumps(cfn))
    with ThreadPoolExecutor(max_workers=3) as pool:
        lint_sam, lint_cfn, checkov = (
            pool.submit(lint, sam_path),
            pool.submit(lint, cfn_path),
            pool.submit(run_checkov, cfn_path),
        )
        findings = {"lint": lint_sam.result() + lint_cfn.result(), "checkov": checkov.result()}
    return {"sam_path": sam_path, "sam": json.loads(sam_path.read_text()), "cfn": cfn, "cfn_path": cfn_path, **findings}


def run_checkov(path: Path) -> dict[str, Any] | None:
    """Run the checkov `make infra` names in PEKEN_CHECKOV on a template; None when there is none."""
    checkov = os.environ.get("PEKEN_CHECKOV")
    if not checkov:
        return None
    result = subprocess.run(
        [checkov, "--file", str(path), *CHECKOV_OPTIONS], capture_output=True, text=True, timeout=300
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]  # 1: some check failed
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def of_type(template: dict[str, Any], cfn_type: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == cfn_type}


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for p in role["Properties"].get("Policies", []) for s in p["PolicyDocument"]["Statement"]]
