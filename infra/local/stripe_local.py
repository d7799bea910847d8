"""Run localstripe for the local stack and register our webhook with it."""

from __future__ import annotations

import json
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from subprocess import Popen
from typing import Any

from infra.local import processes

WEBHOOK_ID = "peken"


class LocalStripe:
    """localstripe in a child process on a free loopback port."""

    def __init__(self, state_dir: Path) -> None:
        self.port = processes.free_port()
        self.webhook_secret = "whsec_" + secrets.token_hex(24)
        self._state = state_dir / "stripe.pickle"
        self._log_path = state_dir / "stripe.log"
        self._process: Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Return the API base the Stripe SDK should use."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> LocalStripe:
        """Start the server and wait until it answers."""
        with open(self._log_path, "ab") as log:
            self._process = processes.spawn(
                [
                    sys.executable,
                    "-m",
                    "infra.local.stripe_server",
                    "--port",
                    str(self.port),
                    "--state",
                    str(self._state),
                ],
                log=log,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError("localstripe exited; see stripe.log in the state dir")
            try:
                urllib.request.urlopen(f"{self.url}/v1/balance", timeout=1)
                return self
            except urllib.error.HTTPError:
                return self  # any HTTP answer means it is serving
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("localstripe did not start in time")

    def register_webhook(self, url: str) -> None:
        """Point localstripe's signed webhooks at our API."""
        data = urllib.parse.urlencode({"url": url, "secret": self.webhook_secret}).encode()
        request = urllib.request.Request(f"{self.url}/_config/webhooks/{WEBHOOK_ID}", data=data, method="POST")
        urllib.request.urlopen(request, timeout=5).read()

    def faults(self, spec: dict[str, Any] | None = None) -> dict[str, Any]:
        """Set (or, with None, read) the stand-in's injected delay; return what is in force."""
        data = json.dumps(spec).encode() if spec is not None else None
        request = urllib.request.Request(
            f"{self.url}/_config/peken/faults", data=data, method="POST" if data is not None else "GET"
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            answer: dict[str, Any] = json.loads(response.read())
        return answer

    def undelivered(self) -> int:
        """Count the events the stand-in has yet to send to our webhook (0 when it is down)."""
        if not self.running:
            return 0
        with urllib.request.urlopen(f"{self.url}/_config/peken/webhooks", timeout=5) as response:
            return int(json.loads(response.read())["pending"])

    @property
    def running(self) -> bool:
        """Tell whether the server process is up (it is down after `stop`)."""
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        """Stop the server."""
        if self._process is not None:
            processes.stop(self._process)
            self._process = None
