"""Search words: what a listed product is found by, and which one Query a buyer's `q` becomes.

No I/O: `visibility.write` writes the entries, `listing` runs the Query.

Index side, per listed product (one `search` item per term, written with the product):
- a *term* per distinct word of its name, folded to its canonical spelling
  (`synonyms.search_words`: "Telor" is indexed as `telur`), words of at most 40 characters;
- a *head* term `^abc` per distinct first three letters of its words of three letters or
  more, for prefix search while the buyer types (`ber` finds Beras, `minyak` MinyaKita);
- every item carries `name_norm` (canonical words, then the original spellings that
  differ, spaces at both ends), `price_idr`, and `p_rank` (zero-padded price, then rank)
  for the `by_price` index that serves `sort=price`.
Cost: a name of n distinct words has at most 2n search items (a typical 3-word name: 3
terms + up to 3 heads, so up to 3 more writes than whole-word search alone), and each item
is one more `by_price` index write; a rename deletes the old items in the same transaction.

Query side: the words of `q` are folded the same way. All but the last are whole words;
the last is a word prefix (the buyer may still be typing). One word is the Query's
partition, the others are filters on `name_norm` in that same Query:
- some whole word: the longest one's term (most selective), the rest whole-word filters,
  the last word a prefix filter (`contains(" w")`, whatever its length);
- only one word, of 3 letters or more: its head partition, with the prefix filter;
- only one word of 1 or 2 letters: too short for a head, it matches as a whole word.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from chalicelib.catalog import synonyms
from chalicelib.text import words

HEAD = "^"
HEAD_LETTERS = 3
MAX_TERM_CHARS = 40
PRICE_DIGITS = 10  # the largest price (model.MAX_PRICE_IDR) has 10 digits
# Listing order: the daily rotation (the default), or cheapest first.
Sort = Literal["fair", "price"]
SORTS: tuple[Sort, ...] = get_args(Sort)


def head(word: str) -> str:
    """The head term of a word: its first letters behind a mark no folded word has."""
    return HEAD + word[:HEAD_LETTERS]


def terms(name: str) -> set[str]:
    """The terms (whole words and heads) a product of this name is findable by."""
    found = [w for w in synonyms.search_words(name) if len(w) <= MAX_TERM_CHARS]
    return set(found) | {head(w) for w in found if len(w) >= HEAD_LETTERS}


def name_index(name: str) -> str:
    """The name's canonical words, then its original spellings that differ, spaces at both ends."""
    folded = synonyms.search_words(name)
    original = [w for w in words(name) if w not in folded]
    return " " + " ".join([*folded, *original]) + " "


def price_key(price_idr: int, rank: str) -> str:
    """Sort key of the price-ordered indexes: cheapest first, ties in rank order."""
    return f"{price_idr:0{PRICE_DIGITS}d}#{rank}"


def price_bound(max_price_idr: int) -> str:
    """Every price key below this string has a price of at most `max_price_idr`."""
    return f"{max_price_idr + 1:0{PRICE_DIGITS}d}"


@dataclass(frozen=True)
class Plan:
    """A search: the term partition to Query and the `name_norm` substrings it must contain."""

    partition: str
    contains: tuple[str, ...]


def plan(q: str) -> Plan | None:
    """Turn the buyer's `q` into one partition and its filters (None: no letter or digit)."""
    found = synonyms.search_words(q)
    if not found:
        return None
    *whole, last = found
    if whole:
        partition = max(whole, key=len)
        needs = [f" {w} " for w in whole if w != partition] + [f" {last}"]
        return Plan(partition, tuple(needs))
    if len(last) >= HEAD_LETTERS:
        return Plan(head(last), (f" {last}",) if len(last) > HEAD_LETTERS else ())
    return Plan(last, ())
