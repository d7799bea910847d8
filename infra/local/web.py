"""Serve the built web app (web/dist) and /config.json on the API's own origin, as CloudFront does on AWS.

Invariant: only GET and HEAD outside `/v1/` and `/_local/` come here. `/config.json` is the local
runtime configuration (infra/aws/web.py); a path naming a file under web/dist gets that file;
a missing file under `/assets/` is a 404 (a stale hashed script must not get HTML); any other
path gets index.html (the app's own routes). Nothing outside web/dist is read: the resolved
path must stay inside it. Hashed `/assets/*` are cached for a year (immutable), everything else
is revalidated (`no-cache`). Every answer carries the security headers CloudFront adds.
Without a built app (no web/dist/index.html) only /config.json answers; the rest falls through
to the API's 404, as before the app existed.
Cost: a stat and a read per request; gzip (when accepted) once per file version, kept in memory.
"""

from __future__ import annotations

import gzip
import json
import mimetypes
import posixpath
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from chalicelib.errors import error_body
from infra.aws.web import RuntimeConfig

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "web" / "dist"
API_PREFIXES = ("/v1/", "/_local/")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/manifest+json")
TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".webmanifest": "application/manifest+json"}
NOT_FOUND = json.dumps(error_body("not_found", "no such file")).encode()

Answer = tuple[int, dict[str, str], bytes]


class WebApp:
    """The files of one build and the configuration the local stack gives it."""

    def __init__(self, config: RuntimeConfig, headers: dict[str, str], root: Path = DIST) -> None:
        self.root = root.resolve()
        self.config = json.dumps(config).encode()
        self.headers = headers
        self._gzipped: dict[tuple[Path, int, int], bytes] = {}
        self._lock = threading.Lock()

    @staticmethod
    def serves(method: str, target: str) -> bool:
        """Tell whether a request is the app's (GET or HEAD, not the API nor the local control routes)."""
        path = urlsplit(target).path
        return method in ("GET", "HEAD") and path != "/v1" and not path.startswith(API_PREFIXES)

    def answer(self, target: str, accept_encoding: str = "") -> Answer | None:
        """Return status, headers and body for a request target; None to let the API answer (no build)."""
        path = posixpath.normpath("/" + unquote(urlsplit(target).path).lstrip("/"))
        if path == "/config.json":
            return 200, self._headers("application/json", REVALIDATE), self.config
        index = self.root / "index.html"
        if not index.is_file():
            return None
        file = (self.root / path.lstrip("/")).resolve()
        inside = file.is_relative_to(self.root) and file.is_file()
        if not inside and path.startswith("/assets/"):
            return 404, self._headers("application/json", REVALIDATE), NOT_FOUND
        file = file if inside else index
        cache = IMMUTABLE if path.startswith("/assets/") else REVALIDATE
        kind = TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        headers = self._headers(kind, cache)
        body = file.read_bytes()
        if kind.startswith(COMPRESSIBLE):
            headers["Vary"] = "Accept-Encoding"
            if "gzip" in accept_encoding.lower() and len(body) > 1024:
                body = self._gzip(file, body)
                headers["Content-Encoding"] = "gzip"
        return 200, headers, body

    def _headers(self, kind: str, cache: str) -> dict[str, str]:
        text = kind.startswith("text/") or kind in ("application/javascript", "image/svg+xml")
        return {"Content-Type": f"{kind}; charset=utf-8" if text else kind, "Cache-Control": cache, **self.headers}

    def _gzip(self, file: Path, body: bytes) -> bytes:
        stat = file.stat()
        key = (file, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            found = self._gzipped.get(key)
        if found is None:
            found = gzip.compress(body, compresslevel=9, mtime=0)
            with self._lock:
                self._gzipped[key] = found
        return found
