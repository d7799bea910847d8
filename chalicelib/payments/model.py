"""Payment inputs."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class DevPayment(BaseModel):
    """POST /v1/dev/checkouts/{checkout_id}/pay."""

    model_config = ConfigDict(extra="forbid")

    outcome: Literal["succeeded", "declined", "succeeded_refund_fails"]


class PartialRefundLine(BaseModel):
    """A quantity of one of the order's products a refund gives back."""

    model_config = ConfigDict(extra="forbid")

    product_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    quantity: Annotated[int, Field(ge=1, le=10_000, strict=True)]


class PartialRefundRequest(BaseModel):
    """POST /v1/admin/orders/{order_id}/refunds: refund part of an order (a goodwill refund)."""

    model_config = ConfigDict(extra="forbid")

    amount_idr: Annotated[int, Field(ge=1, le=1_000_000_000, strict=True)]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    lines: Annotated[list[PartialRefundLine], Field(max_length=100)] = []
