"""Spelling variants and synonyms of search words: one table, applied when indexing and when querying.

Each variant maps to one canonical word. A product's words are folded to their canonical
spelling before they become search terms, and so are the buyer's words, so `telor` finds
"Telur Ayam" and `telur` finds "Telor Ayam Kampung"; a few English words find their
Indonesian product (`rice` finds beras). Only single words: a variant never maps to two
words, and canonical words are not variants of anything (no chains). No I/O.

Changing the table changes which terms new writes produce; products written before keep
their old terms until their next write (a store refresh rewrites them all).
"""

from __future__ import annotations

from chalicelib.text import words

# variant -> canonical (both folded: lowercase ASCII letters and digits).
VARIANTS: dict[str, str] = {
    # Indonesian and Javanese spellings
    "telor": "telur",
    "endog": "telur",
    "cabe": "cabai",
    "cabay": "cabai",
    "lombok": "cabai",
    "mi": "mie",
    "mee": "mie",
    "tahoe": "tahu",
    "tempeh": "tempe",
    "brambang": "bawang",
    "trigu": "terigu",
    "sereh": "serai",
    "sere": "serai",
    "sayuran": "sayur",
    "buahan": "buah",
    # English words buyers type
    "rice": "beras",
    "egg": "telur",
    "eggs": "telur",
    "sugar": "gula",
    "oil": "minyak",
    "flour": "tepung",
    "salt": "garam",
    "chili": "cabai",
    "chilli": "cabai",
    "chilies": "cabai",
    "chillies": "cabai",
    "onion": "bawang",
    "onions": "bawang",
    "garlic": "bawang",
    "shallot": "bawang",
    "shallots": "bawang",
    "chicken": "ayam",
    "beef": "sapi",
    "meat": "daging",
    "fish": "ikan",
    "milk": "susu",
    "coffee": "kopi",
    "tea": "teh",
    "noodle": "mie",
    "noodles": "mie",
    "tofu": "tahu",
    "peanut": "kacang",
    "peanuts": "kacang",
    "vegetable": "sayur",
    "vegetables": "sayur",
    "fruit": "buah",
    "fruits": "buah",
    "soap": "sabun",
}


def canonical(word: str) -> str:
    """Return the canonical spelling of one folded word (the word itself if it has none)."""
    return VARIANTS.get(word, word)


def search_words(text: str) -> list[str]:
    """The distinct folded, canonical words of a text, in order."""
    return list(dict.fromkeys(canonical(w) for w in words(text)))
