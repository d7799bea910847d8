"""CSV files we hand to people (bank files, statements, exports), safe to open in a spreadsheet.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel
and LibreOffice ("CSV injection", OWASP): a seller could name their bank account
`=HYPERLINK(...)` and have it run on the treasury's desk. Such a text cell is written with a
leading `'`, which spreadsheets show as text and bank importers ignore in a name. Numbers
are written as they are (a negative amount stays a number).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> object:
    """One cell: text that a spreadsheet would run as a formula gets a leading `'`; None is empty."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write(header: Sequence[str], rows: Iterable[Sequence[object]], line_end: str = "\n") -> str:
    """A whole file: the header row, then every row with each cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows([cell(value) for value in row] for row in rows)
    return out.getvalue()
