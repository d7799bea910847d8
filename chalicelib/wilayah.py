"""Surabaya's official kecamatan and kelurahan, with common spellings accepted."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from chalicelib.text import normalise

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Kecamatan:
    """One district with its official wards."""

    code: str
    name: str
    kelurahan: tuple[str, ...]


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
    with open(DATA / "surabaya_wilayah.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            kecamatan.setdefault(row["kecamatan"], []).append(row["kelurahan"])
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
        kecamatan={k: Kecamatan(codes[k], k, tuple(v)) for k, v in kecamatan.items()},
        kecamatan_keys=kec_keys,
        kelurahan_keys=kel_keys,
    )


def find_kecamatan(name: str) -> str | None:
    """Return the official kecamatan name for any accepted spelling."""
    return load().kecamatan_keys.get(_squash(name))


def find_kelurahan(kecamatan: str, name: str) -> str | None:
    """Return the official kelurahan name if it lies in this (official) kecamatan."""
    return load().kelurahan_keys.get((kecamatan, _squash(name)))
