"""Fold text for matching: case, accents and punctuation do not count."""

from __future__ import annotations

import re
import unicodedata

MAX_WORDS = 12


def normalise(text: str) -> str:
    """Fold case and accents, drop punctuation, so `Dr. Sutomo` and `dr sutomo` compare equal."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


def words(text: str) -> list[str]:
    """Return the distinct words of a text, folded, in order, at most MAX_WORDS."""
    return list(dict.fromkeys(normalise(text).split()))[:MAX_WORDS]
