"""The attendance list of a meeting on paper: every active member with a box to tick and a
place to sign, and empty rows for guests. For a room without Wi-Fi: the desk registers
from it afterwards (panels/attendance.py)."""

from django.utils.translation import gettext as _
from fpdf.fonts import FontFace

from panels.models import Meeting, Membership, Role
from panels.pdf import FONT, Writer, as_written, document, finish, printable, when

GUEST_ROWS = 8


def attendance_pdf(meeting: Meeting) -> bytes:
    members = list(
        Membership.objects.active()
        .filter(panel_id=meeting.panel_id)
        .select_related("user")
        .order_by("user__name", "pk")
    )
    with document() as pdf:
        title = _("Attendance list")
        pdf.set_title(f"{title} - {meeting.title}")
        pdf.set_creator("Knoppen")
        pdf.set_auto_page_break(auto=True, margin=15)
        pdf.add_page()
        line = Writer(pdf).line
        line(as_written(meeting.panel.name), size=9)
        line(title, size=18, style="B", gap=1)
        where = f" - {as_written(meeting.location)}" if meeting.has_room else ""
        line(f"{meeting.title} - {when(meeting.starts_at, 'l j F Y, H:i')}{where}", gap=5)
        pdf.set_font(FONT, size=10)
        glyphs = pdf.current_font.cmap
        heading = FontFace(emphasis="BOLD")
        with pdf.table(
            col_widths=(70, 25, 25, 60),
            headings_style=heading,
            line_height=7,
            text_align=("LEFT", "LEFT", "CENTER", "LEFT"),
        ) as table:
            table.row([_("Name"), _("Voting rights"), _("Present"), _("Signature")])
            for member in members:
                votes = member.can_vote and member.role != Role.OBSERVER
                table.row(
                    [
                        printable(member.user.name, glyphs),
                        _("yes") if votes else _("no"),
                        "[   ]",
                        "",
                    ]
                )
        pdf.ln(4)
        line(_("Guests (no vote)"), size=12, style="B", gap=1)
        with pdf.table(col_widths=(95, 85), headings_style=heading, line_height=7) as table:
            table.row([_("Name"), _("Signature")])
            for _row in range(GUEST_ROWS):
                table.row(["", ""])
        return finish(pdf)
