"""The delivery fee rule, a store's offer and its settings, and where a delivery goes, without I/O."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.catalog import delivery
from chalicelib.catalog.bodies import StoreChange
from chalicelib.orders.model import Fulfillment
from chalicelib.validators import places_in

OFFER = delivery.Offer(home="Gubeng", fee_idr=8_000, free_from_idr=100_000, kecamatan=("Gubeng", "Tambaksari"))


def test_pickup_costs_nothing_and_is_refused_by_a_store_without_pickup() -> None:
    assert delivery.fee(OFFER, "pickup", None, 5_000) == 0
    assert delivery.fee(OFFER, "pickup", "Rungkut", 5_000) == 0
    assert delivery.fee(delivery.Offer(home="Gubeng", pickup=False), "pickup", None, 5_000) is None


def test_a_delivery_pays_the_fee_until_the_goods_reach_the_free_from_threshold() -> None:
    assert delivery.fee(OFFER, "delivery", "Tambaksari", 99_999) == 8_000
    assert delivery.fee(OFFER, "delivery", "Tambaksari", 100_000) == 0
    assert delivery.fee(OFFER, "delivery", "Gubeng", 250_000) == 0
    assert delivery.fee(delivery.Offer(home="Gubeng", fee_idr=8_000), "delivery", "Gubeng", 10**8) == 8_000
    assert delivery.fee(delivery.Offer(home="Gubeng", fee_idr=8_000, free_from_idr=0), "delivery", "Gubeng", 1) == 0


def test_a_delivery_outside_the_area_or_from_a_store_that_does_not_deliver_is_refused() -> None:
    assert delivery.fee(OFFER, "delivery", "Rungkut", 5_000) is None
    assert delivery.fee(OFFER, "delivery", None, 5_000) is None  # the area is chosen: the place must be known
    off = delivery.Offer(home="Gubeng", delivers=False)
    assert delivery.fee(off, "delivery", "Gubeng", 5_000) is None


def test_an_empty_area_is_the_stores_own_kecamatan() -> None:
    own = delivery.Offer(home="Gubeng", fee_idr=3_000, kecamatan=())
    assert own.area == ("Gubeng",)
    assert delivery.fee(own, "delivery", "Gubeng", 5_000) == 3_000
    assert delivery.fee(own, "delivery", "Tegalsari", 5_000) is None


def test_a_store_that_never_chose_delivers_city_wide_for_free_as_before() -> None:
    record = SimpleNamespace(kecamatan="Gubeng")
    offer = delivery.offer_of(record)
    assert offer.pickup and offer.delivers and offer.fee_idr == 0 and offer.free_from_idr is None
    assert len(offer.area) == 31 and not offer.needs_place
    assert delivery.fee(offer, "delivery", "Benowo", 5_000) == 0
    assert delivery.fee(offer, "delivery", None, 5_000) == 0
    shown = delivery.render(offer)
    assert shown["kecamatan"] == shown["areas"] and len(shown["areas"]) == 31


def test_a_stores_attributes_make_its_offer() -> None:
    record = SimpleNamespace(
        kecamatan="Gubeng",
        pickup=False,
        delivery_enabled=True,
        delivery_fee_idr=5_000,
        delivery_free_from_idr=50_000,
        delivery_kecamatan=[],
    )
    offer = delivery.offer_of(record)
    assert offer == delivery.Offer(home="Gubeng", pickup=False, fee_idr=5_000, free_from_idr=50_000, kecamatan=())
    assert delivery.render(offer) == {
        "enabled": True,
        "fee_idr": 5_000,
        "free_from_idr": 50_000,
        "kecamatan": [],
        "areas": ["Gubeng"],
    }


def _change(body: dict[str, Any]) -> StoreChange:
    return StoreChange.model_validate(body, strict=True)


def test_settings_take_official_names_and_set_only_what_was_sent() -> None:
    body = _change({"delivery": {"kecamatan": ["gubeng", "Tambak Sari", "Gubeng"]}})
    assert body.delivery is not None
    assert delivery.changes(body.delivery) == {"delivery_kecamatan": ["Gubeng", "Tambaksari"]}
    body = _change({"delivery": {"fee_idr": 0, "free_from_idr": None}})
    assert body.delivery is not None
    assert delivery.changes(body.delivery) == {"delivery_fee_idr": 0, "delivery_free_from_idr": None}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"delivery": {"fee_idr": -1}}, "delivery.fee_idr"),
        ({"delivery": {"fee_idr": 2_500.5}}, "delivery.fee_idr"),
        ({"delivery": {"fee_idr": "5000"}}, "delivery.fee_idr"),
        ({"delivery": {"fee_idr": delivery.MAX_FEE_IDR + 1}}, "delivery.fee_idr"),
        ({"delivery": {"free_from_idr": -5}}, "delivery.free_from_idr"),
        ({"delivery": {"kecamatan": ["Gubeng", "Atlantis"]}}, "delivery.kecamatan.1"),
        ({"delivery": {"kecamatan": "Gubeng"}}, "delivery.kecamatan"),
        ({"delivery": {"enabled": "yes"}}, "delivery.enabled"),
        ({"delivery": {"radius_km": 3}}, "delivery.radius_km"),
        ({"pickup": "no"}, "pickup"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _change(body)
    assert ".".join(str(p) for p in caught.value.errors()[0]["loc"]) == field


def test_an_address_object_gives_its_parts_to_the_fulfillment() -> None:
    sent = {"method": "delivery", "address": {"street": "Jl. Airlangga 4", "kecamatan": "gubeng", "kelurahan": "x"}}
    made = Fulfillment.model_validate(sent, strict=True)
    assert (made.address, made.kecamatan, made.kelurahan) == ("Jl. Airlangga 4", "Gubeng", "x")
    with pytest.raises(ValidationError):
        Fulfillment.model_validate({"method": "delivery", "address": {"street": "Jl. A", "zip": "60286"}}, strict=True)
    with pytest.raises(ValidationError):  # no street: nowhere to bring it
        Fulfillment.model_validate({"method": "delivery", "address": {"kecamatan": "Gubeng"}}, strict=True)


@pytest.mark.parametrize(
    ("address", "place"),
    [
        ("Jl. Airlangga 4, Kel. Airlangga, Kec. Gubeng, Surabaya", ("Gubeng", "Airlangga")),
        ("Jl. Pemuda 1, Surabaya", (None, None)),
        ("Jl. Gubeng Kertajaya 5", (None, None)),  # a street named after a district is not the district
        ("Jl. Kapasan 10, Kecamatan Simokerto", ("Simokerto", None)),
    ],
)
def test_an_address_text_names_its_kecamatan_only_as_a_whole_part(
    address: str, place: tuple[str | None, str | None]
) -> None:
    assert places_in(address) == place
