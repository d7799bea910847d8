"""Day one's order rules without a stack: refusals that say why, who cancelled, contacts, notice kinds."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.errors import Forbidden
from chalicelib.notifications import texts
from chalicelib.orders import events, model


def test_a_store_may_complete_any_ready_order_its_handover_code_is_checked_apart() -> None:
    assert model.decide("complete", "ready", {"seller"}) == "completed"  # delivery or pickup alike
    with pytest.raises(Forbidden):
        model.decide("complete", "ready", {"admin"})
    with pytest.raises(Forbidden) as plain:
        model.decide("accept", "paid", {"buyer"})
    assert plain.value.details == {}


@pytest.mark.parametrize(
    "action, status, roles, role",
    [
        ("cancel", "paid", {"buyer"}, "buyer"),
        ("cancel", "paid", {"seller"}, "seller"),
        ("cancel", "ready", {"admin"}, "admin"),
        ("cancel", "accepted", {"buyer", "admin"}, "admin"),  # a buyer may not cancel once accepted
        ("cancel", "paid", {"buyer", "admin"}, "buyer"),
        ("complete", "ready", {"seller"}, "seller"),
        ("complete", "ready", {"buyer", "seller"}, "buyer"),  # the buyer's move needs no handover code
        ("pay", "awaiting_payment", {"system"}, "system"),
    ],
)
def test_the_history_names_the_capacity_the_mover_acted_in(
    action: str, status: str, roles: set[str], role: str
) -> None:
    model.decide(action, status, roles)
    assert model.acting_role(action, status, roles) == role


def test_a_contact_needs_a_mobile_number_and_is_kept_in_e164() -> None:
    given = model.Fulfillment.model_validate(
        {"method": "delivery", "address": "Jl. Pemuda 1", "contact": {"phone_number": "0812 3456 7890"}}
    )
    assert given.contact is not None and given.contact.phone_number == "+6281234567890"
    assert given.contact.name is None
    for contact in ({"name": "Budi"}, {"phone_number": "12"}, {"phone_number": "0812345678", "email": "x@y.id"}):
        with pytest.raises(ValidationError):
            model.Fulfillment.model_validate({"method": "delivery", "address": "Jl. Pemuda 1", "contact": contact})
    assert model.Fulfillment.model_validate({"method": "delivery", "address": "Jl. Pemuda 1"}).contact is None


def test_every_order_notice_has_a_text_in_every_language() -> None:
    kinds = {kind for audience in events.AUDIENCE.values() for _, kind in audience if kind}
    kinds |= set(events.SELLER_CANCEL_KIND.values())
    assert {"payment_received", "order_cancelled_by_buyer", "order_cancelled_by_admin"} <= kinds
    for kind in kinds:
        for locale in ("id", "en"):
            title, body = texts.render(kind, locale, {"order_id": "01ORDERABCDEF", "amount_idr": 12_500})
            assert title and "ABCDEF" in body, (kind, locale)
