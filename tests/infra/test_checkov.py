"""checkov on the packaged, translated template: no failure but those infra/aws/checkov-skips.txt explains.

`make infra` installs the pinned checkov in a virtualenv of its own (its dependencies pin an
older boto3 than ours) and names it in PEKEN_CHECKOV; run alone, pytest skips this test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

SKIPS = Path(__file__).resolve().parents[2] / "infra" / "aws" / "checkov-skips.txt"


def skipped_checks() -> dict[str, str]:
    """Read the skip list: check id, then its reason, one a line; `#` starts a comment."""
    out = {}
    for line in SKIPS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            check, _, reason = line.partition(" ")
            out[check] = reason.strip()
    return out


def test_every_skip_has_a_reason() -> None:
    skips = skipped_checks()
    assert skips
    for check, reason in skips.items():
        assert check.startswith("CKV") and len(reason.split()) >= 5, check


def test_checkov_finds_nothing_unexplained(packaged: dict[str, Any]) -> None:
    report = packaged["checkov"]
    if report is None:
        pytest.skip("checkov runs through `make infra` (PEKEN_CHECKOV names it)")
    failed: dict[str, set[str]] = {}
    for check in report["results"]["failed_checks"]:
        failed.setdefault(check["check_id"], set()).add(check["resource"])
    skips = skipped_checks()
    unexplained = {check: sorted(resources) for check, resources in failed.items() if check not in skips}
    assert not unexplained, "fix these, or skip them with a reason in infra/aws/checkov-skips.txt"
    assert report["summary"]["passed"] > 0 and report["summary"]["parsing_errors"] == 0
    assert not set(skips) - set(failed), "these no longer fail: remove them from infra/aws/checkov-skips.txt"
