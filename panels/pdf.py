"""PDFs: an A4 document in a Unicode font, and lines of text that keep their direction.

fpdf2 writes the PDF in pure Python. Names of people are printed as written: in FiraGO, a
Unicode font (Latin with every accent, Greek, Cyrillic, Arabic, Hebrew and more, and the
euro sign) that the `pymupdf-fonts` package ships, embedded in the file as the subset the
text uses. Arabic letters take their joined forms and run right to left through HarfBuzz
(`uharfbuzz`), fpdf2's text shaping, used for the lines that need it; the text itself stays
in the file, so it can be searched and copied.

A character the font lacks (an emoji, Chinese) is printed as "?", never dropped silently.
Each paragraph runs in the direction of its first letter, as a browser shows it with
dir="auto": Dutch left to right, a section written in Arabic right to left (and aligned
right). A name in Arabic inside a Dutch line is closed with a left-to-right mark, so the
date after it stays in its place, and no text can carry characters that reorder the rest
of its line (see `printable`). fpdf2 orders the runs of a line in two levels only, so
digits inside Arabic inside a Dutch line (a name with a number) can come out of place.

Used by every app's PDF: an agreement (agreements/pdf.py), a meeting's ballot sheets
(voting/sheets.py), its attendance list (panels/attendance_pdf.py).
"""

import contextlib
import functools
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pymupdf_fonts
from django.utils import formats, timezone
from fpdf import FPDF

FONT = "firago"
# pymupdf-fonts holds FiraGO as packed bytes, by these names.
FONT_STYLES = {"": "figo", "B": "figbo"}

# Explicit embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): with these a
# name such as "Eve" + U+202E would print the date after it backwards. Marks stay.
_REORDERING = {chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]}
_LEFT_TO_RIGHT_MARK = "\u200e"


@functools.cache
def _font(name: str) -> bytes:
    return pymupdf_fonts.fontbuffers[name]()  # unpacked once per process


def as_written(text: str) -> str:
    """Text someone wrote, to go inside one of our lines (not at its start, which sets the
    line's direction): right-to-left text is closed with a left-to-right mark, so that
    what follows it in a Dutch line keeps its place."""
    text = str(text or "")
    if any(unicodedata.bidirectional(char) in ("R", "AL") for char in text):
        text += _LEFT_TO_RIGHT_MARK
    return text


def right_to_left(paragraph: str) -> bool:
    """Whether the paragraph's first letter is written right to left (Unicode's rule P2)."""
    for char in paragraph:
        if unicodedata.bidirectional(char) in ("L", "R", "AL"):
            return unicodedata.bidirectional(char) != "L"
    return False


def needs_shaping(text: str) -> bool:
    """Whether letters in the text change shape or direction with their neighbours (Arabic,
    Hebrew, Devanagari, ...). Shaping costs fpdf2 much time, so Latin text goes without."""
    return any(ord(char) >= 0x0590 and unicodedata.category(char)[0] in "LM" for char in text)


def printable(text: str, glyphs: dict[int, str]) -> str:
    """Every character as itself if the font has it, else "?"; line breaks as line breaks,
    and no invisible characters that the font has no glyph for or that reorder the line."""
    out = []
    for char in text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "):
        if char in _REORDERING:
            continue
        if char == "\n" or ord(char) in glyphs:
            out.append(char)
        elif unicodedata.category(char) not in ("Cf", "Cc"):
            out.append("?")
    return "".join(out)


def when(moment, format: str) -> str:
    """A moment in the site's time zone, as the printable page shows it."""
    return formats.date_format(timezone.localtime(moment), format)


@contextlib.contextmanager
def document() -> Iterator[FPDF]:
    """An empty A4 document with FiraGO in regular and bold."""
    # fpdf2 reads a font from a file, also while it writes the PDF: a private folder for
    # this one PDF (one kept for the whole process could be emptied by a /tmp cleaner).
    with tempfile.TemporaryDirectory(prefix="knoppen-pdf-") as folder:
        pdf = FPDF(format="A4")
        for style, name in FONT_STYLES.items():
            path = Path(folder) / f"{name}.ttf"
            path.write_bytes(_font(name))
            pdf.add_font(FONT, style, path)
        yield pdf


class Writer:
    """Lines of text down the page, each paragraph in its own direction."""

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf
        self.width = pdf.w - pdf.l_margin - pdf.r_margin

    def line(self, text: str, size: int = 11, style: str = "", gap: float = 2) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, style=style, size=size)
        for paragraph in printable(text, pdf.current_font.cmap).split("\n"):
            pdf.set_text_shaping(needs_shaping(paragraph))
            align = "R" if right_to_left(paragraph) else "J"
            pdf.multi_cell(
                self.width, size * 0.5, paragraph, align=align, new_x="LMARGIN", new_y="NEXT"
            )
        pdf.ln(gap)


def finish(pdf: FPDF) -> bytes:
    """The document's bytes."""
    # fpdf2 leaves the layout tables out of the embedded font anyway, but fontTools reads
    # all of FiraGO's (large: Arabic) before it does: that took a third of a second.
    for font in pdf.fonts.values():
        for tag in ("GDEF", "GSUB", "GPOS"):
            if tag in font.ttfont:
                del font.ttfont[tag]
    return bytes(pdf.output())
