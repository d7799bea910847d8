"""Finish the Lambda bundle `chalice package` made: botocore's data trimmed, every module precompiled.

Both cut a cold start's fixed cost, which the first request pays before any of our code runs:
- botocore ships the JSON models of some 400 AWS services (28 MB) and a 1.2 MB endpoints
  table it reads whole at the first client. The bundle keeps only the services the functions
  call (`access.CALLED_SERVICES`, the grants' IAM prefixes: a call outside them fails the
  e2e access audit before it could fail here), their newest API version without examples,
  uncompressed (botocore reads `.json` before `.json.gz`), and the endpoints table cut to
  those services in every partition. Listing the data directory at the first client then
  walks 6 services, not 400.
- Lambda's code directory is read-only, so a bundle without bytecode recompiles every module
  on every cold start. Hash-based pycs (PEP 552) stay valid whatever the files' timestamps
  after unzipping; unchecked ones skip even hashing the source, which is safe because a
  deployed bundle never changes. Build with the same Python minor version as the runtime (3.11).
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from infra.aws.access import CALLED_SERVICES

RUNTIME = (3, 11)
# botocore's own tables, read at the first client whatever the service.
BOTOCORE_TABLES = ("_retry.json", "endpoints.json", "partitions.json", "sdk-default-configuration.json")
DROPPED_MODELS = ("examples-1.json",)  # documentation only


@dataclass(frozen=True)
class Finished:
    """What finishing a bundle did."""

    modules: int  # precompiled
    services: int  # botocore services kept


def finish(zip_path: Path, python: str | None = None) -> Finished:
    """Trim botocore's data and add __pycache__/*.pyc to a deployment zip, in place.

    The pycs are for this interpreter, which must be the runtime's version; `python` names another
    interpreter to compile for instead (the cold-start bench's Python 3.13 rows).
    """
    if python is None and sys.version_info[:2] != RUNTIME:
        raise SystemExit(f"precompile with Python {RUNTIME[0]}.{RUNTIME[1]}, the Lambda runtime's version")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with zipfile.ZipFile(zip_path) as source:
            source.extractall(root)
            modes = {info.filename: info.external_attr for info in source.infolist()}
        services = trim_botocore_data(root / "botocore" / "data", CALLED_SERVICES)
        compile_all = ["-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(root)]
        subprocess.run(
            [python or sys.executable, *compile_all],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        files = sorted(p for p in root.rglob("*") if p.is_file())
        with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as target:
            for path in files:
                name = path.relative_to(root).as_posix()
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = modes.get(name, modes.get(name + ".gz", 0o644 << 16))
                info.compress_type = zipfile.ZIP_DEFLATED
                target.writestr(info, path.read_bytes())
        return Finished(sum(1 for p in files if p.suffix == ".pyc"), services)


def trim_botocore_data(data: Path, services: frozenset[str]) -> int:
    """Keep botocore's tables and the newest model of each service named; return how many services."""
    prefixes = set()
    for entry in list(data.iterdir()):
        if entry.is_file():
            if entry.name not in BOTOCORE_TABLES:
                entry.unlink()
            continue
        if entry.name not in services:
            shutil.rmtree(entry)
            continue
        versions = sorted(v for v in entry.iterdir() if v.is_dir())
        for old in versions[:-1]:
            shutil.rmtree(old)
        for model in list(versions[-1].iterdir()):
            if model.name in DROPPED_MODELS:
                model.unlink()
            elif model.name.endswith(".json.gz"):
                model.with_suffix("").write_bytes(gzip.decompress(model.read_bytes()))
                model.unlink()
        service_model = json.loads((versions[-1] / "service-2.json").read_text())
        prefixes.add(service_model["metadata"]["endpointPrefix"])
    missing = services - {d.name for d in data.iterdir() if d.is_dir()}
    if missing:
        raise SystemExit(f"botocore has no data for {sorted(missing)}")
    endpoints = json.loads((data / "endpoints.json").read_text())
    for partition in endpoints["partitions"]:
        partition["services"] = {name: v for name, v in partition["services"].items() if name in prefixes}
    (data / "endpoints.json").write_text(json.dumps(endpoints, separators=(",", ":")))
    return len(services)
