"""Every tier: test modules import the app's modules at collection, so the stage must be named first.

They are the local stage's, with its dev routes, as the local stack runs it (the e2e stack and
the integration tier's emulator set the same); the infra tier packages other stages itself.
"""

from __future__ import annotations

import os

os.environ.setdefault("PEKEN_STAGE", "local")
os.environ.setdefault("PEKEN_PSEUDONYM_KEY", "tests-only-pseudonym-key")  # the local stack makes its own
os.environ.setdefault("PEKEN_DEV_ROUTES", "1")
