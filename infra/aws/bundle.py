"""Precompile the Lambda bundle: hash-based .pyc for every module, for the runtime's Python.

Lambda's code directory is read-only, so a bundle without bytecode recompiles every module
on every cold start. Hash-based pycs (PEP 552) stay valid whatever the files' timestamps
after unzipping; unchecked ones skip even hashing the source, which is safe because a
deployed bundle never changes. Build with the same Python minor version as the runtime (3.11).
"""

from __future__ import annotations

import compileall
import py_compile
import sys
import tempfile
import zipfile
from pathlib import Path

RUNTIME = (3, 11)


def precompile(zip_path: Path) -> int:
    """Add __pycache__/*.pyc to a deployment zip in place; return how many modules compiled."""
    if sys.version_info[:2] != RUNTIME:
        raise SystemExit(f"precompile with Python {RUNTIME[0]}.{RUNTIME[1]}, the Lambda runtime's version")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with zipfile.ZipFile(zip_path) as source:
            source.extractall(root)
            modes = {info.filename: info.external_attr for info in source.infolist()}
        compileall.compile_dir(
            root, quiet=1, workers=0, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
        )
        files = sorted(p for p in root.rglob("*") if p.is_file())
        with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as target:
            for path in files:
                name = path.relative_to(root).as_posix()
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = modes.get(name, 0o644 << 16)
                info.compress_type = zipfile.ZIP_DEFLATED
                target.writestr(info, path.read_bytes())
        return sum(1 for p in files if p.suffix == ".pyc")
