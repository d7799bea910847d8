"""Search words without I/O: spelling variants, prefixes while typing, price keys, listing filters."""

from __future__ import annotations

import pytest

from chalicelib.catalog import listing, search, synonyms
from chalicelib.errors import ValidationFailed
from chalicelib.text import normalise


def test_the_variant_table_is_folded_and_has_no_chains() -> None:
    for variant, canonical in synonyms.VARIANTS.items():
        assert normalise(variant) == variant and normalise(canonical) == canonical
        assert " " not in variant and " " not in canonical
        assert canonical not in synonyms.VARIANTS, f"{variant} -> {canonical} -> {synonyms.VARIANTS.get(canonical)}"
        assert variant != canonical


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Telor Ayam Kampung", ["telur", "ayam", "kampung"]),
        ("TELUR ayam", ["telur", "ayam"]),
        ("Cabé Rawit", ["cabai", "rawit"]),
        ("Rice 5kg", ["beras", "5kg"]),
        ("eggs EGG telor", ["telur"]),
        ("Minyak Goreng", ["minyak", "goreng"]),
    ],
)
def test_words_fold_to_their_canonical_spelling(text: str, folded: list[str]) -> None:
    assert synonyms.search_words(text) == folded


def test_a_product_is_indexed_by_its_words_and_their_heads() -> None:
    assert search.terms("Beras Medium 5 kg") == {"beras", "medium", "5", "kg", "^ber", "^med"}
    assert search.terms("Telor Telur Teh") == {"telur", "teh", "^tel", "^teh"}  # heads deduplicated
    assert search.terms("MinyaKita 1L") == {"minyakita", "1l", "^min"}
    assert search.terms("x" * 41 + " Gula") == {"gula", "^gul"}  # over-long words are not terms


def test_name_index_holds_canonical_words_and_original_spellings() -> None:
    assert search.name_index("Telor Ayam") == " telur ayam telor "
    assert search.name_index("Telur Ayam") == " telur ayam "


@pytest.mark.parametrize(
    ("q", "partition", "contains"),
    [
        ("ber", "^ber", ()),  # three letters: the head is the whole filter
        ("beras", "^ber", (" beras",)),  # the last word is a prefix: beras, berasan, ...
        ("rice", "^ber", (" beras",)),
        ("telor", "^tel", (" telur",)),
        ("minyak", "^min", (" minyak",)),  # finds MinyaKita
        ("beras med", "beras", (" med",)),
        ("kopi luwak ar", "luwak", (" kopi ", " ar")),
        ("beras m", "beras", (" m",)),  # a 1-letter last word still narrows, as a prefix
        ("mi", "^mie", ()),  # folded first (mi -> mie), then a prefix
        ("tv", "tv", ()),  # one word of 1-2 letters: too short for a head, a whole word
        ("5", "5", ()),
        ("telur telor", "^tel", (" telur",)),
    ],
)
def test_q_becomes_one_partition_and_filters(q: str, partition: str, contains: tuple[str, ...]) -> None:
    assert search.plan(q) == search.Plan(partition, contains)


def test_q_without_letters_has_no_plan() -> None:
    assert search.plan(" !? ") is None


def test_price_keys_sort_by_price_then_rank() -> None:
    keys = [
        search.price_key(p, r) for p, r in ((12000, "ffff#a"), (9000, "0000#b"), (12000, "0000#c"), (100000, "1#d"))
    ]
    assert sorted(keys) == [keys[1], keys[2], keys[0], keys[3]]
    assert search.price_key(12000, "x") < search.price_bound(12000) < search.price_key(12001, "x")
    assert search.price_key(1_000_000_000, "x") < search.price_bound(1_000_000_000)


@pytest.mark.parametrize(
    ("query", "max_price", "sort"),
    [
        ({}, None, "fair"),
        ({"max_price_idr": "15000", "sort": "price"}, 15000, "price"),
        ({"max_price_idr": "0", "sort": "fair"}, 0, "fair"),
        ({"max_price_idr": "9" * 30}, 1_000_000_000, "fair"),  # beyond any price: clamped
        ({"max_price_idr": "", "sort": ""}, None, "fair"),  # empty reads as absent, like the other filters
    ],
)
def test_price_filter_and_sort_are_read(query: dict[str, str], max_price: int | None, sort: str) -> None:
    filters = listing.filters_from(query)
    assert (filters.max_price, filters.sort) == (max_price, sort)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"max_price_idr": "-1"}, "max_price_idr"),
        ({"max_price_idr": "12.5"}, "max_price_idr"),
        ({"max_price_idr": "abc"}, "max_price_idr"),
        ({"max_price_idr": "\uff11\uff12"}, "max_price_idr"),  # full-width digits
        ({"sort": "cheapest"}, "sort"),
        ({"sort": "PRICE"}, "sort"),
    ],
)
def test_bad_price_filter_or_sort_name_the_field(query: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        listing.filters_from(query)
    assert caught.value.details["field"] == field


def test_price_order_reads_one_price_sorted_partition_without_favouring_the_buyer() -> None:
    by_price = listing.filters_from({"category": "sembako", "sort": "price"})
    assert listing.segments(by_price, "Gubeng") == [listing.Segment("p_cat", "sembako", True)]
    searched = listing.filters_from({"q": "beras", "sort": "price"})
    assert listing.segments(searched, "Gubeng") == [listing.Segment("search_price", "^ber", True)]
    fair = listing.filters_from({"q": "beras"})
    assert [s.source for s in listing.segments(fair, "Gubeng")] == ["search"] * 4


def test_a_cursor_must_fit_the_segment_it_resumes() -> None:
    priced = [listing.Segment("p_all", "all", True)]
    rank_key = "0a1b2c3d#01ABC"
    price_key = search.price_key(12000, rank_key)
    assert listing._checked({"d": "0a1b2c3d", "s": "0", "k": price_key}, 1)[2] == price_key
    listing._check_key(priced, 0, price_key)
    with pytest.raises(ValidationFailed):
        listing._check_key(priced, 0, rank_key)
    with pytest.raises(ValidationFailed):
        listing._check_key([listing.Segment("all", "all", True)], 0, price_key)
    with pytest.raises(ValidationFailed):
        listing._checked({"d": "0a1b2c3d", "s": "0", "k": "12000#" + rank_key}, 1)
