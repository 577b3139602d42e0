"""A PDF of one version of an agreement, with its signatures, content hash and sources
(the document, its font and the direction of its lines: panels/pdf.py)."""

from django.utils import formats
from django.utils.translation import gettext as _

from agreements.models import SECTIONS, Agreement
from panels.pdf import Writer, as_written, document, finish, when


def render_pdf(
    *, panel, record, version: int, content_hash: str, signatures, sources, audit_entry=None
) -> bytes:
    with document() as pdf:
        pdf.set_title(str(record.title))
        pdf.set_creator("Knoppen")
        pdf.set_auto_page_break(auto=True, margin=18)
        pdf.add_page()
        line = Writer(pdf).line

        parties = [as_written(panel.corporation), as_written(panel.tenant_organisation)]
        line(" - ".join([panel.name, *parties]), size=9)
        line(record.title, size=18, style="B", gap=1)
        line(
            f"{_('Process agreement')} - {_('version %(version)s') % {'version': version}} - "
            f"{when(record.history_date, 'j F Y')}",
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
                f"{signature.get_party_display()}: {as_written(signature.signed_by.user.name)}, "
                f"{when(signature.signed_at, 'j F Y H:i')}{state}",
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
                name = as_written(proposal.submitter.user.name)
                line(f"{proposal.title} ({name}){tail}", gap=1)  # the title sets the direction
        pdf.ln(4)
        line(f"{_('Content hash')}: {content_hash}", size=8)
        if audit_entry is not None:
            entry = _("entry %(sequence)s") % {"sequence": audit_entry.sequence}
            line(f"{_('Audit log check code')}: {audit_entry.hash} ({entry})", size=8)
        return finish(pdf)
