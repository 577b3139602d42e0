"""A PDF of one version of an agreement, with its signatures, content hash and sources.

fpdf2 writes the PDF in pure Python. The names of the people who sign are part of a legal
document, so they are printed as written: in FiraGO, a Unicode font (Latin with every
accent, Greek, Cyrillic, Arabic, Hebrew and more, and the euro sign) that the
`pymupdf-fonts` package ships, embedded in the file as the subset the text uses. Arabic
letters take their joined forms and run right to left through HarfBuzz (`uharfbuzz`),
fpdf2's text shaping, used for the lines that need it; the text itself stays in the file,
so it can be searched and copied.

A character the font lacks (an emoji, Chinese) is printed as "?", never dropped silently.
Each paragraph runs in the direction of its first letter, as a browser shows it with
dir="auto": Dutch left to right, a section written in Arabic right to left (and aligned
right). A name in Arabic inside a Dutch line is closed with a left-to-right mark, so the
date after it stays in its place, and no text can carry characters that reorder the rest
of its line (see `_printable`). fpdf2 orders the runs of a line in two levels only, so
digits inside Arabic inside a Dutch line (a name with a number) can come out of place.
"""

import contextlib
import functools
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pymupdf_fonts
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from agreements.models import SECTIONS, Agreement

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


def _as_written(text: str) -> str:
    """Text someone wrote, to go inside one of our lines (not at its start, which sets the
    line's direction): right-to-left text is closed with a left-to-right mark, so that
    what follows it in a Dutch line keeps its place."""
    text = str(text or "")
    if any(unicodedata.bidirectional(char) in ("R", "AL") for char in text):
        text += _LEFT_TO_RIGHT_MARK
    return text


def _right_to_left(paragraph: str) -> bool:
    """Whether the paragraph's first letter is written right to left (Unicode's rule P2)."""
    for char in paragraph:
        if unicodedata.bidirectional(char) in ("L", "R", "AL"):
            return unicodedata.bidirectional(char) != "L"
    return False


def _needs_shaping(text: str) -> bool:
    """Whether letters in the text change shape or direction with their neighbours (Arabic,
    Hebrew, Devanagari, ...). Shaping costs fpdf2 much time, so Latin text goes without."""
    return any(ord(char) >= 0x0590 and unicodedata.category(char)[0] in "LM" for char in text)


def _printable(text: str, glyphs: dict[int, str]) -> str:
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


def _when(moment, format: str) -> str:
    """A moment in the site's time zone, as the printable page shows it."""
    return formats.date_format(timezone.localtime(moment), format)


@contextlib.contextmanager
def _document() -> Iterator[FPDF]:
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


def render_pdf(
    *, panel, record, version: int, content_hash: str, signatures, sources, audit_entry=None
) -> bytes:
    with _document() as pdf:
        pdf.set_title(str(record.title))
        pdf.set_creator("Knoppen")
        pdf.set_auto_page_break(auto=True, margin=18)
        pdf.add_page()
        width = pdf.w - pdf.l_margin - pdf.r_margin

        def line(text: str, size: int = 11, style: str = "", gap: float = 2) -> None:
            pdf.set_font(FONT, style=style, size=size)
            for paragraph in _printable(text, pdf.current_font.cmap).split("\n"):
                pdf.set_text_shaping(_needs_shaping(paragraph))
                align = "R" if _right_to_left(paragraph) else "J"
                pdf.multi_cell(
                    width, size * 0.5, paragraph, align=align, new_x="LMARGIN", new_y="NEXT"
                )
            pdf.ln(gap)

        parties = [_as_written(panel.corporation), _as_written(panel.tenant_organisation)]
        line(" - ".join([panel.name, *parties]), size=9)
        line(record.title, size=18, style="B", gap=1)
        line(
            f"{_('Process agreement')} - {_('version %(version)s') % {'version': version}} - "
            f"{_when(record.history_date, 'j F Y')}",
            size=9,
            gap=6,
        )
        for name in SECTIONS[1:]:  # the title is the heading
            value = getattr(record, name)
            if not value:
                continue
            if name == "overlegwet_right":
                value = Agreement.Right(value).label
            elif name == "review_date":
                value = formats.date_format(value, "j F Y")
            label = str(Agreement._meta.get_field(name).verbose_name)
            line(label[:1].upper() + label[1:], size=11, style="B", gap=0)
            line(str(value), size=11, gap=4)
        line(_("Signatures"), size=13, style="B")
        signed = list(signatures)
        for signature in signed:
            state = f" ({_('lapsed')})" if signature.voided_at else ""
            line(
                f"{signature.get_party_display()}: {_as_written(signature.signed_by.user.name)}, "
                f"{_when(signature.signed_at, 'j F Y H:i')}{state}",
                gap=1,
            )
        if not signed:
            line(_("Not signed."), gap=1)
        if sources:
            pdf.ln(3)
            line(_("Where this comes from"), size=13, style="B")
            for row in sources:
                proposal = row["proposal"]
                result = row["vote"].result if row["vote"] else None
                tail = ""
                if result:
                    tail = f": {result['cast']}/{result['eligible']}, {row['outcome']}"
                name = _as_written(proposal.submitter.user.name)
                line(f"{proposal.title} ({name}){tail}", gap=1)  # the title sets the direction
        pdf.ln(4)
        line(f"{_('Content hash')}: {content_hash}", size=8)
        if audit_entry is not None:
            entry = _("entry %(sequence)s") % {"sequence": audit_entry.sequence}
            line(f"{_('Audit log check code')}: {audit_entry.hash} ({entry})", size=8)
        # fpdf2 leaves the layout tables out of the embedded font anyway, but fontTools reads
        # all of FiraGO's (large: Arabic) before it does: that took a third of a second.
        for font in pdf.fonts.values():
            for tag in ("GDEF", "GSUB", "GPOS"):
                if tag in font.ttfont:
                    del font.ttfont[tag]
        return bytes(pdf.output())
