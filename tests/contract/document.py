"""Write the OpenAPI document the local stack serves to a path: the web app's types come from it.

`python -m tests.contract.document build/openapi.json`; imports the app once (about a second).
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.contract.__main__ import write_document

if __name__ == "__main__":
    write_document(Path(sys.argv[1] if len(sys.argv) > 1 else "build/openapi.json"))
