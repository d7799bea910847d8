"""Surabaya's official kecamatan and kelurahan, with common spellings accepted.

Read once per process from the shipped CSV files (no I/O after that); a misspelt name gets
the closest official names (difflib on the folded spellings) as suggestions.
"""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from chalicelib.text import normalise

if TYPE_CHECKING:
    from chalicelib import shapes

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Kecamatan:
    """One district with its official wards."""

    code: str
    name: str
    kelurahan: tuple[str, ...]
    kelurahan_codes: tuple[str, ...] = ()  # the official code of each kelurahan, in the same order


@dataclass(frozen=True)
class Wilayah:
    """The official list plus the lookup tables built from it."""

    kecamatan: dict[str, Kecamatan]  # by official name
    kecamatan_keys: dict[str, str]  # normalised spelling -> official name
    kelurahan_keys: dict[tuple[str, str], str]  # (official kecamatan, normalised spelling) -> official kelurahan


def _squash(name: str) -> str:
    return normalise(name).replace(" ", "")


@lru_cache(maxsize=1)
def load() -> Wilayah:
    """Read the shipped CSV files once."""
    kecamatan: dict[str, list[str]] = {}
    codes: dict[str, str] = {}
    kelurahan_codes: dict[str, list[str]] = {}
    with open(DATA / "surabaya_wilayah.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            kecamatan.setdefault(row["kecamatan"], []).append(row["kelurahan"])
            kelurahan_codes.setdefault(row["kecamatan"], []).append(row["kelurahan_code"])
            codes[row["kecamatan"]] = row["kecamatan_code"]
    kec_keys = {_squash(name): name for name in kecamatan}
    kel_keys = {(kec, _squash(kel)): kel for kec, kels in kecamatan.items() for kel in kels}
    with open(DATA / "surabaya_wilayah_aliases.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            official, alias = row["official"], row["alias"]
            if row["kind"] == "kecamatan":
                kec_keys[_squash(alias)] = official
                continue
            # A kelurahan alias applies in whichever kecamatan holds the official name.
            for kec, kels in kecamatan.items():
                if official in kels:
                    kel_keys[(kec, _squash(alias))] = official
    return Wilayah(
        kecamatan={k: Kecamatan(codes[k], k, tuple(v), tuple(kelurahan_codes[k])) for k, v in kecamatan.items()},
        kecamatan_keys=kec_keys,
        kelurahan_keys=kel_keys,
    )


def find_kecamatan(name: str) -> str | None:
    """Return the official kecamatan name for any accepted spelling."""
    return load().kecamatan_keys.get(_squash(name))


def find_kelurahan(kecamatan: str, name: str) -> str | None:
    """Return the official kelurahan name if it lies in this (official) kecamatan."""
    return load().kelurahan_keys.get((kecamatan, _squash(name)))


MAX_SUGGESTIONS = 3
SUGGESTION_CUTOFF = 0.6  # difflib's similarity ratio of the folded spellings


def _closest(name: str, keys: dict[str, str]) -> list[str]:
    """The official names whose accepted spellings come closest to a name, best first, without repeats."""
    matches = difflib.get_close_matches(_squash(name), list(keys), n=MAX_SUGGESTIONS * 2, cutoff=SUGGESTION_CUTOFF)
    return list(dict.fromkeys(keys[m] for m in matches))[:MAX_SUGGESTIONS]


def suggest_kecamatan(name: str) -> list[str]:
    """Official kecamatan names close to a misspelt one (empty when none is close)."""
    return _closest(name, load().kecamatan_keys)


def suggest_kelurahan(kecamatan: str, name: str) -> list[str]:
    """Official kelurahan names of this (official) kecamatan close to a misspelt one."""
    keys = {spelling: kel for (kec, spelling), kel in load().kelurahan_keys.items() if kec == kecamatan}
    return _closest(name, keys)


def listing() -> shapes.WilayahList:
    """Every kecamatan with its kelurahan and their official codes, in the official order."""
    return {
        "items": [
            {
                "kecamatan": k.name,
                "kode": k.code,
                "kelurahan": [{"name": n, "kode": c} for n, c in zip(k.kelurahan, k.kelurahan_codes, strict=True)],
            }
            for k in load().kecamatan.values()
        ],
        "next_cursor": None,
    }
