from __future__ import annotations

import pytest

from chalicelib.errors import Forbidden, InvalidTransition
from chalicelib.ids import new_id, rupiah
from chalicelib.orders import model


@pytest.mark.parametrize(
    "action, status, roles, target",
    [
        ("pay", "awaiting_payment", {"system"}, "paid"),
        ("accept", "paid", {"seller"}, "accepted"),
        ("ready", "accepted", {"seller"}, "ready"),
        ("complete", "ready", {"buyer"}, "completed"),
        ("complete", "ready", {"seller"}, "completed"),  # with the buyer's handover code (orders.handover)
        ("cancel", "awaiting_payment", {"buyer"}, "cancelled"),
        ("cancel", "paid", {"buyer"}, "cancelled"),
        ("cancel", "accepted", {"seller"}, "cancelled"),
        ("expire", "awaiting_payment", {"system"}, "expired"),
    ],
)
def test_allowed_moves(action: str, status: str, roles: set[str], target: str) -> None:
    assert model.decide(action, status, roles) == target


@pytest.mark.parametrize(
    "action, status, roles",
    [
        ("accept", "awaiting_payment", {"seller"}),
        ("ready", "paid", {"seller"}),
        ("complete", "accepted", {"buyer"}),
        ("cancel", "accepted", {"buyer"}),
        ("cancel", "ready", {"seller"}),
        ("cancel", "completed", {"admin"}),
        ("pay", "expired", {"system"}),
        ("expire", "paid", {"system"}),
    ],
)
def test_refused_moves_are_invalid_transitions(action: str, status: str, roles: set[str]) -> None:
    with pytest.raises(InvalidTransition):
        model.decide(action, status, roles)


@pytest.mark.parametrize(
    "action, roles",
    [("accept", {"buyer"}), ("ready", {"buyer"}), ("complete", {"admin"}), ("pay", {"buyer", "seller"})],
)
def test_wrong_role_is_forbidden(action: str, roles: set[str]) -> None:
    with pytest.raises(Forbidden):
        model.decide(action, "paid", roles)


def test_every_status_is_reachable_and_terminal_states_stay() -> None:
    targets = {target for _, target in model.RULES.values()}
    assert targets | {"awaiting_payment"} == set(model.STATUSES)
    for terminal in ("completed", "cancelled", "expired"):
        for action, (allowed, _) in model.RULES.items():
            assert all(terminal not in starts for starts in allowed.values()), (action, terminal)


def test_delivery_needs_an_address() -> None:
    with pytest.raises(ValueError):
        model.Fulfillment(method="delivery")
    assert model.Fulfillment(method="pickup").address is None


def test_seeded_ids_repeat_and_sort_by_time() -> None:
    assert new_id(1000, seed="a") == new_id(1000, seed="a") != new_id(1000, seed="b")
    assert new_id(1000, seed="z") < new_id(1001, seed="a")


def test_rupiah_format() -> None:
    assert rupiah(1_250_000) == "Rp1.250.000"
    assert rupiah(55_000) == "Rp55.000"
    assert rupiah(0) == "Rp0"


def test_every_event_the_worker_acts_on_is_announced() -> None:
    from chalicelib.orders import events, model

    assert set(events.AUDIENCE) | {"paid", "refunded", "completed"} == set(model.ANNOUNCED)
