"""Payment inputs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class DevPayment(BaseModel):
    """POST /v1/dev/checkouts/{checkout_id}/pay."""

    model_config = ConfigDict(extra="forbid")

    outcome: Literal["succeeded", "declined", "succeeded_refund_fails"]
