"""Dispute rules without AWS: what a dispute asks back, and which bodies are refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.disputes import model


def test_the_request_is_unit_price_times_quantity_capped_by_what_is_left() -> None:
    assert model.requested_amount([(10_000, 2), (5_000, 1)], False, "damaged", 0, 100_000) == 25_000
    assert model.requested_amount([(10_000, 2)], False, "damaged", 0, 12_000) == 12_000


def test_not_received_of_the_whole_order_adds_the_delivery_fee_and_nothing_else_does() -> None:
    assert model.requested_amount([(10_000, 2)], True, "not_received", 7_000, 27_000) == 27_000
    assert model.requested_amount([(10_000, 1)], False, "not_received", 7_000, 27_000) == 10_000
    assert model.requested_amount([(10_000, 2)], True, "missing_items", 7_000, 27_000) == 20_000


def test_a_dispute_body_names_a_known_reason_and_at_least_one_line() -> None:
    line = {"product_id": "p1", "quantity": 1}
    assert model.NewDispute(reason="damaged", description="pecah", lines=[line]).evidence == []
    with pytest.raises(ValidationError):
        model.NewDispute.model_validate({"reason": "changed_my_mind", "description": "x", "lines": [line]})
    with pytest.raises(ValidationError):
        model.NewDispute(reason="damaged", description="x", lines=[])
    with pytest.raises(ValidationError):
        model.NewDispute.model_validate({"reason": "damaged", "description": "x", "lines": [{**line, "quantity": 0}]})


def test_a_resolution_is_refund_or_reject_with_a_positive_amount_and_a_note() -> None:
    assert model.DisputeResolution(outcome="refund", note="ok").refund_idr is None
    with pytest.raises(ValidationError):
        model.DisputeResolution.model_validate({"outcome": "refund", "refund_idr": 0, "note": "x"})
    with pytest.raises(ValidationError):
        model.DisputeResolution.model_validate({"outcome": "refund"})
    assert set(model.UNDECIDED) | set(model.DECIDED) == set(model.STATUSES)
