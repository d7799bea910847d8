"""A Lambda context object for handlers invoked by the local pump and scheduler."""

from __future__ import annotations

import time
import uuid


class LocalLambdaContext:
    """What Lambda passes as `context`: name, request id, remaining time."""

    def __init__(self, function_name: str, timeout_seconds: int = 60, memory_mb: int = 512) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{function_name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        """Return how long the invocation may still run."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))
