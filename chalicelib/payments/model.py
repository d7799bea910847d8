"""Payment inputs."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.bodies import Body


class DevPayment(Body):
    """POST /v1/dev/checkouts/{checkout_id}/pay."""

    outcome: Literal["succeeded", "declined", "succeeded_refund_fails"]


class PartialRefundLine(Body):
    """A quantity of one of the order's products a refund gives back."""

    product_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    quantity: Annotated[int, Field(ge=1, le=10_000, strict=True)]


class PartialRefundRequest(Body):
    """POST /v1/admin/orders/{order_id}/refunds: refund part of an order (a goodwill refund)."""

    amount_idr: Annotated[int, Field(ge=1, le=1_000_000_000, strict=True)]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    lines: Annotated[list[PartialRefundLine], Field(max_length=100)] = []
