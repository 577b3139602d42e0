"""The one CSV writer (panels/downloads.py): Dutch Excel's dialect, text that is never a
formula, numbers that stay numbers, and a safe file name."""

from decimal import Decimal

import pytest

from panels.downloads import cell, csv_response
from tests.helpers import FORMULAS, csv_rows, formula_cells


@pytest.mark.parametrize("text", FORMULAS)
def test_text_that_a_spreadsheet_would_run_gets_a_leading_quote(text):
    assert cell(text) == "'" + text


@pytest.mark.parametrize(
    "text", ["Fatma Yılmaz", "Bankjes?", "1 + 1", "e-mail", "'al een quote", "", "2026-05-01"]
)
def test_other_text_is_written_as_it_is(text):
    assert cell(text) == text


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (3, "3"),
        (0, "0"),
        (-4, "-4"),
        (12.5, "12,5"),
        (-12.9, "-12,9"),
        (Decimal("0.7500"), "0,7500"),
        (Decimal("-0.25"), "-0,25"),
        (1e-05, "0,00001"),
        (1e20, "100000000000000000000"),
        (float("nan"), ""),
        (float("-inf"), ""),
        (None, ""),
    ],
)
def test_our_own_numbers_stay_numbers_with_a_decimal_comma(value, written):
    # "12.5" would be 12 May to Dutch Excel; "-12,9" is a number to it, not a formula.
    assert cell(value) == written


def test_a_number_written_as_text_is_text():
    # Whose a value is follows from its type: a person can type "-1", but we pass numbers.
    assert cell("-1") == "'-1"


def test_the_file_is_utf8_with_a_bom_semicolons_and_crlf():
    rows = [["naam", "aantal", "aandeel"], ['Małgorzata; "Gosia"\nWąsowska', 3, 0.75]]

    response = csv_response("stemming-7.csv", rows)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    assert response.content.decode().removeprefix("\ufeff").startswith("naam;aantal;aandeel\r\n")
    assert response.content.endswith(b"\r\n")
    assert csv_rows(response) == [
        ["naam", "aantal", "aandeel"],
        ['Małgorzata; "Gosia"\nWąsowska', "3", "0,75"],
    ]


def test_hostile_text_reads_back_as_text_and_numbers_as_numbers():
    response = csv_response("x.csv", [[text, -12.9, 4] for text in FORMULAS])

    rows = csv_rows(response)

    assert formula_cells(rows) == []
    assert [row[0] for row in rows] == ["'" + text for text in FORMULAS]
    assert {(row[1], row[2]) for row in rows} == {("-12,9", "4")}


@pytest.mark.parametrize(
    ("filename", "header"),
    [
        ("stemming-7.csv", 'attachment; filename="stemming-7.csv"'),
        ('a"b\r\nX-Evil: 1.csv', "attachment; filename*=utf-8''a%22b%0D%0AX-Evil%3A%201.csv"),
        ("afspraak-Wąsowska.csv", "attachment; filename*=utf-8''afspraak-W%C4%85sowska.csv"),
    ],
)
def test_the_file_name_is_quoted_safely(filename, header):
    assert csv_response(filename, [])["Content-Disposition"] == header
