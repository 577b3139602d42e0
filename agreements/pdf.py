"""A PDF of one version of an agreement, with its signatures, content hash and sources.

fpdf2 writes the PDF in pure Python (no system libraries to install). Its built-in
fonts cover Latin-1 (all Dutch letters); typographic quotes and dashes are mapped to
their plain forms, and anything else outside Latin-1 is replaced by "?".
"""

import unicodedata

from django.utils import formats
from django.utils.translation import gettext as _
from fpdf import FPDF

from agreements.models import SECTIONS, Agreement

_PLAIN = str.maketrans(
    {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "\u00ad": ""}
)


def _latin1(text: str) -> str:
    text = str(text or "").translate(_PLAIN)
    out = []
    for char in text:
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


def render_pdf(
    *, panel, record, version: int, content_hash: str, signatures, sources, audit_entry=None
) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(record.title))
    pdf.set_creator("Knoppen")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def line(text: str, size: int = 11, style: str = "", gap: float = 2) -> None:
        pdf.set_font("helvetica", style=style, size=size)
        pdf.multi_cell(width, size * 0.5, _latin1(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    line(f"{panel.name} - {panel.corporation} - {panel.tenant_organisation}", size=9)
    line(record.title, size=18, style="B", gap=1)
    line(
        f"{_('Process agreement')} - {_('version %(version)s') % {'version': version}} - "
        f"{formats.date_format(record.history_date, 'j F Y')}",
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
            f"{signature.get_party_display()}: {signature.signed_by.user.name}, "
            f"{formats.date_format(signature.signed_at, 'j F Y H:i')}{state}",
            gap=1,
        )
    if not signed:
        line(_("Not signed."), gap=1)
    if sources:
        pdf.ln(3)
        line(_("Where this comes from"), size=13, style="B")
        for row in sources:
            result = row["vote"].result if row["vote"] else None
            tail = f": {result['cast']}/{result['eligible']}, {row['outcome']}" if result else ""
            line(f"{row['proposal'].title} ({row['proposal'].submitter.user.name}){tail}", gap=1)
    pdf.ln(4)
    line(f"{_('Content hash')}: {content_hash}", size=8)
    if audit_entry is not None:
        entry = _("entry %(sequence)s") % {"sequence": audit_entry.sequence}
        line(f"{_('Audit log check code')}: {audit_entry.hash} ({entry})", size=8)
    return bytes(pdf.output())
