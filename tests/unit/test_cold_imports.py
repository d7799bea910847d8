"""What a cold start loads for the usual first request, browsing the catalog: no pydantic, no profile or queue code.

Each is tens of milliseconds of a cold start (`tests/bench/coldstart.py`); a module-level
import added on the browsing path would bring it back unnoticed, so this test names them.
"""

from __future__ import annotations

import os
import subprocess
import sys

NOT_LOADED = ("pydantic", "chalicelib.profiles.service", "chalicelib.queues", "chalicelib.messages")


def test_browsing_the_catalog_loads_no_pydantic_profile_or_queue_code() -> None:
    probe = (
        "import sys, app\n"
        "from chalicelib.catalog import listing\n"
        f"print(','.join(m for m in {NOT_LOADED!r} if m in sys.modules))\n"
    )
    env = {**os.environ, "PEKEN_STAGE": "dev", "PEKEN_DEV_ROUTES": "0"}
    loaded = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == ""
