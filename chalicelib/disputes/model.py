"""Dispute rules: the closed sets (reasons, statuses, outcomes), the request bodies, the limits.

A dispute moves `open` -> `seller_accepted` (the seller refunds what was asked) or
`contested` (the seller says no, or `dispute_response_days` passed unanswered: escalated by
the hourly schedule) -> `resolved_refund` | `resolved_rejected` (an admin decides; an admin
may decide an `open` one too). `open` and `contested` are undecided: while one is, the order's
earning is held from release (`chalicelib.dispute_holds`) and no second dispute of the order
may be opened.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field, StringConstraints

from chalicelib.bodies import Body

DisputeReason = Literal["missing_items", "damaged", "wrong_items", "not_received", "quality", "other"]
REASONS: tuple[DisputeReason, ...] = get_args(DisputeReason)
DisputeStatus = Literal["open", "seller_accepted", "contested", "resolved_refund", "resolved_rejected"]
STATUSES: tuple[DisputeStatus, ...] = get_args(DisputeStatus)
UNDECIDED: tuple[DisputeStatus, ...] = ("open", "contested")  # on the admins' queue; the order's earning is held
DECIDED: tuple[DisputeStatus, ...] = ("seller_accepted", "resolved_refund", "resolved_rejected")
REFUNDING: tuple[DisputeStatus, ...] = ("seller_accepted", "resolved_refund")  # a decision that refunds
Outcome = Literal["refund", "reject"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
# Who wrote a message or made a move (`system`: the escalation schedule).
Party = Literal["buyer", "seller", "admin", "system"]
PARTIES: tuple[Party, ...] = get_args(Party)

MAX_LINES = 50
MAX_EVIDENCE = 10
MAX_MESSAGES = 100  # a thread longer than this is a case for the phone (and the item stays far below 400 KB)
MAX_TEXT = 2000

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class DisputeLineInput(Body):
    """One product of the order and how many of it the complaint is about."""

    product_id: Id
    quantity: Annotated[int, Field(ge=1, le=100_000)]


class NewDispute(Body):
    """POST /v1/orders/{order_id}/disputes."""

    reason: DisputeReason
    description: Text
    lines: Annotated[list[DisputeLineInput], Field(min_length=1, max_length=MAX_LINES)]
    evidence: Annotated[list[Id], Field(max_length=MAX_EVIDENCE)] = []


class DisputeMessageInput(Body):
    """POST /v1/disputes/{dispute_id}/messages."""

    body: Text


class DisputeContest(Body):
    """POST /v1/disputes/{dispute_id}/contest: why the seller says no."""

    reason: Note


class DisputeResolution(Body):
    """POST /v1/admin/disputes/{dispute_id}/resolve."""

    outcome: Outcome
    refund_idr: Annotated[int, Field(ge=1, le=1_000_000_000)] | None = None
    note: Note


def requested_amount(
    lines: list[tuple[int, int]], whole_order: bool, reason: DisputeReason, delivery_fee_idr: int, refundable_idr: int
) -> int:
    """What a dispute asks back: each line's unit price x quantity, capped by what is still refundable.

    `not_received` of the whole order (every unit of every line, nothing refunded before)
    adds the order's delivery fee: the delivery the buyer paid for never happened. Any other
    reason, or part of the order, leaves the fee out (the goods came, or some of them did).
    """
    goods = sum(price * quantity for price, quantity in lines)
    fee = delivery_fee_idr if reason == "not_received" and whole_order else 0
    return max(0, min(goods + fee, refundable_idr))
