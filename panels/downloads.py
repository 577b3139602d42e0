"""Files for download: every CSV goes through `csv_response`, every download is named by
`attachment`.

The CSV files are made for Dutch Excel, the spreadsheet a tenant organisation opens them in:
- UTF-8 with a byte order mark, without which Excel reads the file as Windows-1252 and
  "Yılmaz" becomes "YÄ±lmaz";
- `;` between cells and a decimal comma in numbers ("0,75"), as Excel expects in a Dutch
  locale: there "," is the decimal sign (so the list separator is ";"), and "0.75" would be
  read as text or, like "12.5", as a date (12 May);
- CRLF line ends, and quotes only where a cell needs them (a `;`, a quote, a line break).

Anyone can choose their own display name, and names, titles, options and texts end up in
these files. A cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return, or
any of these after leading spaces) is a formula to a spreadsheet: `=HYPERLINK(...)` would
become a live link, and worse formulas can read other cells or start programs. Such text
gets a leading `'` (OWASP's advice for CSV injection), so it is shown as the text it is.

The type of a value says whose it is: an int, float or Decimal is a number we computed
(a count, a share, a difference such as -12.9) and is written as a number; anything else is
text, and text is neutralised. So a caller passes numbers as numbers, never pre-formatted
as strings.
"""

import csv
from collections.abc import Iterable
from decimal import Decimal

from django.http import HttpResponse
from django.utils.http import content_disposition_header

DELIMITER = ";"
BOM = "\ufeff"
# OWASP's list: what makes a spreadsheet read a cell as a formula (or a DDE command).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def attachment(response: HttpResponse, filename: str) -> HttpResponse:
    """Offer the response as a file to save, under a safely quoted name."""
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def cell(value: object) -> str:
    """One CSV cell: a number as a Dutch number, anything else as neutralised text."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return _number(value)
    text = str(value)
    if text.startswith(FORMULA_START) or text.lstrip().startswith(FORMULA_START):
        return "'" + text
    return text


def _number(value: float | Decimal) -> str:
    if isinstance(value, float):
        value = Decimal(repr(value))  # the shortest form that reads back as this float
    if not value.is_finite():  # no number a spreadsheet could read
        return ""
    return format(value, "f").replace(".", ",")  # "f": never "1E+20"


def csv_response(filename: str, rows: Iterable[Iterable[object]]) -> HttpResponse:
    """A CSV file of these rows, to download as `filename`."""
    response = attachment(HttpResponse(content_type="text/csv; charset=utf-8"), filename)
    response.write(BOM)
    writer = csv.writer(response, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerows([cell(value) for value in row] for row in rows)
    return response
