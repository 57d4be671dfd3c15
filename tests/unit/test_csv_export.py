"""The one CSV writer: every text cell that a spreadsheet would read as a formula is made safe."""

from __future__ import annotations

import csv
import io

import pytest

from training.csv_export import FORMULA_STARTS, csv_bytes, csv_safe


def read(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # Excel then reads UTF-8 accents right
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_every_formula_start_gets_a_leading_quote(start):
    text = f'{start}HYPERLINK("http://x.example","pay")'
    assert csv_safe(text) == "'" + text
    assert read(csv_bytes(["Name"], [[text]]))[1] == ["'" + text]


def test_plain_text_numbers_and_empty_cells_are_written_as_they_are():
    rows = [["Zoë Łukasiewicz", -0.25, 3, None, float("nan"), "a=b", " =1"]]
    assert read(csv_bytes(["a", "b", "c", "d", "e", "f", "g"], rows))[1] == [
        "Zoë Łukasiewicz",
        "-0.25",
        "3",
        "",
        "",
        "a=b",
        " =1",
    ]


def test_headers_are_made_safe_too_and_lines_end_with_crlf():
    data = csv_bytes(["=Total", "Name"], [["1", "x,y"]])
    assert data.decode("utf-8-sig") == '\'=Total,Name\r\n1,"x,y"\r\n'
