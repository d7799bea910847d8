"""Load the resource definitions both the deploy template and the local stack are built from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESOURCES_FILE = Path(__file__).parent / "resources.json"


def load(stage: str) -> dict[str, Any]:
    """Return the resources fragment with `${Stage}` replaced by the stage name."""
    text = RESOURCES_FILE.read_text(encoding="utf-8").replace("${Stage}", stage)
    data: dict[str, Any] = json.loads(text)
    return data


def of_type(fragment: dict[str, Any], cfn_type: str) -> dict[str, dict[str, Any]]:
    """Pick the resources of one CloudFormation type, by logical id."""
    return {k: v for k, v in fragment["Resources"].items() if v["Type"] == cfn_type}
