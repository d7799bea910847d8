"""Units, pack sizes and reference words: the arithmetic and matching behind the price rule."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from chalicelib.catalog import bodies, model, units


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Kg", "kg"),
        ("kilogram", "kg"),
        ("ltr", "liter"),
        ("L", "liter"),
        ("gram", "g"),
        ("Butir", "butir"),
        ("karung", None),
        ("5 kg", None),
    ],
)
def test_units_fold_to_their_canonical_name(text: str, expected: str | None) -> None:
    assert units.canonical(text) == expected


@pytest.mark.parametrize(
    "product_unit, reference_unit, expected",
    [
        ("kg", "kg", Decimal(1)),
        ("5 kg", "kg", Decimal(5)),
        ("5kg", "kg", Decimal(5)),
        ("500 gram", "kg", Decimal("0.5")),
        ("1.000 gram", "kg", Decimal(1)),  # Indonesian thousands separator
        ("1,5 liter", "liter", Decimal("1.5")),
        ("2 l", "liter", Decimal(2)),
        ("800 ml", "liter", Decimal("0.8")),
        ("2 ons", "kg", Decimal("0.2")),
        ("per kg", "kg", Decimal(1)),
        ("10 butir", "butir", Decimal(10)),
        ("10 butir", "kg", None),  # eggs by count against a price per kg
        ("bungkus", "liter", None),
        ("karung", "kg", None),
        ("kg", "liter", None),
        ("1.2.3 kg", "kg", None),
        ("0 kg", "kg", None),
    ],
)
def test_a_product_unit_converts_to_the_reference_unit_or_says_it_cannot(
    product_unit: str, reference_unit: str, expected: Decimal | None
) -> None:
    assert units.quantity_in(product_unit, reference_unit) == expected


def test_the_cap_is_the_floor_of_quantity_times_price_in_whole_rupiah() -> None:
    assert units.cap(5, 13_500) == 67_500
    assert units.cap(0.5, 13_500) == 6_750
    assert units.cap(0.333, 15_700) == 5_228  # 5228.1 floored
    assert units.cap(0.1, 30_000) == 3_000  # no float drift below the exact product


def test_default_words_are_the_first_two_telling_words_of_the_name() -> None:
    assert model.default_words("Beras medium (Zona I: Jawa, Lampung)") == ["beras"]
    assert model.default_words("Telur ayam ras") == ["telur ayam"]
    assert model.default_words("Minyak goreng rakyat MinyaKita") == ["minyak goreng"]
    assert model.default_words("Medium 5") == []


def test_names_match_phrases_as_whole_words_ignoring_case_and_accents() -> None:
    assert model.matches("Beras Medium Curah", ["beras"])
    assert model.matches("MINYAK GORENG Sania 2L", ["minyak goreng"])
    assert model.matches("Telur Ayam 10 butir", ["telur"])
    assert not model.matches("Berasan kue", ["beras"])
    assert not model.matches("Minyak wangi goreng", ["minyak goreng"])
    assert not model.matches("Beras", [])


def test_a_reference_price_unit_is_one_unit_stored_canonical() -> None:
    body = bodies.ReferencePriceInput(name="Minyak goreng", unit="Ltr", max_price_idr=15_700)
    assert body.unit == "liter" and body.words is None
    # a word we do not know is a count unit of its own: it converts only to itself
    assert bodies.ReferencePriceInput(name="Beras", unit="Karung", max_price_idr=60_000).unit == "karung"
    assert units.quantity_in("2 karung", "karung") == 2 and units.quantity_in("karung", "karung") == 1
    assert units.quantity_in("5 kg", "karung") is None and units.quantity_in("karung", "kg") is None
    for not_one_unit in ("5 kg", "kg/liter", "2 karung"):
        with pytest.raises(ValidationError) as refused:
            bodies.ReferencePriceInput(name="Beras", unit=not_one_unit, max_price_idr=60_000)
        assert refused.value.errors()[0]["loc"] == ("unit",)
        assert "kg" in str(refused.value)


@pytest.mark.parametrize("quantity", [0, -1, 1000.5, 0.0005, 1.2345])
def test_a_reference_quantity_is_positive_with_at_most_three_decimals(quantity: float) -> None:
    with pytest.raises(ValidationError):
        bodies.NewProduct(
            name="Beras", category="sembako", unit="karung", price_idr=1, stock=1, reference_quantity=quantity
        )


def test_a_reference_quantity_may_be_a_pack_size() -> None:
    body = bodies.NewProduct(
        name="Beras", category="sembako", unit="karung", price_idr=1, stock=1, reference_quantity=2.5
    )
    assert body.reference_quantity == 2.5
