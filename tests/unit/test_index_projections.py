"""Every GSI a model declares projects what infra/aws/resources.json provisions (and nothing else).

A narrow projection (KEYS_ONLY or INCLUDE) is what keeps writes cheap (issue 18: an attribute
outside every projection changes without rewriting index entries); the model's declaration is
what its readers are checked against. The two must say the same thing.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path
from typing import Any

from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

import chalicelib

RESOURCES = Path(__file__).resolve().parents[2] / "infra" / "aws" / "resources.json"


def provisioned() -> dict[tuple[str, str], dict[str, Any]]:
    """(table short name, index name) -> the projection the template provisions."""
    out = {}
    for resource in json.loads(RESOURCES.read_text())["Resources"].values():
        props = resource.get("Properties", {})
        for gsi in props.get("GlobalSecondaryIndexes", []):
            short = str(props["TableName"]).removeprefix("peken-${Stage}-")
            out[(short, gsi["IndexName"])] = gsi["Projection"]
    return out


def declared() -> dict[tuple[str, str], dict[str, Any]]:
    """(table short name, index name) -> the projection the PynamoDB model declares."""
    for module in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."):
        if module.name.endswith("tables") or module.name == "chalicelib.ledger":
            importlib.import_module(module.name)
    out = {}
    models: list[type[Model]] = []
    pending: list[type[Model]] = [Model]
    while pending:
        for sub in pending.pop().__subclasses__():
            models.append(sub)
            pending.append(sub)
    for model in models:
        if not getattr(model.Meta, "table_name", "").startswith("peken-local-"):
            continue
        short = model.Meta.table_name.removeprefix("peken-local-")
        for value in vars(model).values():
            if isinstance(value, GlobalSecondaryIndex):
                projection = value.Meta.projection
                shape: dict[str, Any] = {"ProjectionType": projection.projection_type}
                if projection.non_key_attributes:
                    shape["NonKeyAttributes"] = list(projection.non_key_attributes)
                out[(short, value.Meta.index_name)] = shape
    return out


def test_every_declared_index_projects_what_the_template_provisions() -> None:
    template, models = provisioned(), declared()
    assert models, "no model declares an index"
    for key, shape in models.items():
        assert key in template, f"{key} is not provisioned"
        want = template[key]
        assert shape["ProjectionType"] == want["ProjectionType"], key
        assert sorted(shape.get("NonKeyAttributes", [])) == sorted(want.get("NonKeyAttributes", [])), key


def test_narrow_indexes_leave_out_what_changes_often() -> None:
    """Turnover-free, status-free: the index writes issue 18 took off a paid order stay off."""
    template = provisioned()
    assert template[("checkouts", "by_payment_intent")]["ProjectionType"] == "KEYS_ONLY"
    for name in ("by_buyer", "by_store", "by_month"):
        assert template[("orders", name)]["ProjectionType"] == "KEYS_ONLY", name
    for name in ("listed_all", "listed_kecamatan", "by_owner", "by_status"):
        projected = template[("stores", name)].get("NonKeyAttributes", [])
        assert "turnover_idr" not in projected and "turnover_month" not in projected, name
        assert template[("stores", name)]["ProjectionType"] != "ALL", name
