"""Start child processes that die with us, and find free loopback ports."""

from __future__ import annotations

import ctypes
import signal
import socket
import subprocess
import sys
from typing import IO

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask Linux to send us SIGTERM when our parent dies, so nothing outlives `make run`."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    """Return a loopback port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def spawn(args: list[str], log: IO[bytes] | None = None) -> subprocess.Popen[bytes]:
    """Start a child; it watches its parent itself (PR_SET_PDEATHSIG would follow the spawning thread)."""
    return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen[bytes], grace: float = 3.0) -> None:
    """Terminate a child, killing it if it lingers."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=grace)
