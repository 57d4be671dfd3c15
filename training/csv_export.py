"""The one CSV writer behind every download: spreadsheet-safe, UTF-8 with a byte-order mark.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula, so a name like `=HYPERLINK("http://x", "pay")`
or `=cmd|' /C calc'!A0` in an export could run when a manager opens it. Such text cells get a
leading `'`, which spreadsheets show as a text marker (OWASP's "CSV injection" advice).
Numbers stay numbers: a negative score is written as it is.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence

__all__ = ["FORMULA_STARTS", "csv_bytes", "csv_safe"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """Return value ready for a spreadsheet: text starting like a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return csv_safe(value)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """Return a header and rows as CSV bytes (UTF-8 with BOM, CRLF), every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_cell(h) for h in header])
    writer.writerows([_cell(v) for v in row] for row in rows)
    # The byte-order mark makes Excel read accents (Zoë, Łukasiewicz) as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")
