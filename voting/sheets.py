"""Ballot sheets on paper for a meeting's votes: slips to cut, a box per answer, for a
room without Wi-Fi. What the room votes on them is entered as a count (voting/desk.py), so
only the votes a room can count by hand get sheets."""

from django.utils.translation import gettext as _

from panels.models import Meeting
from panels.pdf import FONT, Writer, document, finish, printable, when
from voting.models import Vote

SLIPS_PER_PAGE = 3
SLIPS_MAX = 300
BOX = 5  # mm


def sheet_votes(meeting: Meeting) -> list[tuple[Vote, list[tuple[str, str]]]]:
    """The meeting's votes still to be held (prepared or open, live) that a room can count
    by hand, each with its answers."""
    votes = meeting.votes.filter(
        mode=Vote.Mode.LIVE, state__in=[Vote.State.DRAFT, Vote.State.OPEN]
    ).order_by("pk")
    found = []
    for vote in votes:
        answers = vote.vote_method.hand_answers(vote, list(vote.options.all()))
        if answers:
            found.append((vote, answers))
    return found


def ballot_sheets(meeting: Meeting, slips: int) -> bytes:
    """`slips` slips per vote, three to a page."""
    slips = max(1, min(slips, SLIPS_MAX))
    with document() as pdf:
        title = _("Ballot sheets")
        pdf.set_title(f"{title} - {meeting.title}")
        pdf.set_creator("Knoppen")
        pdf.set_auto_page_break(auto=False)
        writer = Writer(pdf)
        height = (pdf.h - 20) / SLIPS_PER_PAGE
        votes = sheet_votes(meeting)
        if not votes:
            pdf.add_page()
            writer.line(meeting.title, size=14, style="B")
            writer.line(_("No vote of this meeting can be held on paper."))
        for vote, answers in votes:
            for number in range(slips):
                if number % SLIPS_PER_PAGE == 0:
                    pdf.add_page()
                top = 10 + (number % SLIPS_PER_PAGE) * height
                if number % SLIPS_PER_PAGE:
                    pdf.set_draw_color(150)
                    pdf.set_dash_pattern(dash=2, gap=2)
                    pdf.line(10, top, pdf.w - 10, top)
                    pdf.set_dash_pattern()
                    pdf.set_draw_color(0)
                pdf.set_xy(pdf.l_margin, top + 4)
                _slip(pdf, writer, meeting, vote, answers)
        return finish(pdf)


def _slip(pdf, writer: Writer, meeting: Meeting, vote: Vote, answers) -> None:
    writer.line(f"{meeting.title} - {when(meeting.starts_at, 'j F Y')}", size=8, gap=1)
    ballot = _("Ballot")
    writer.line(f"{ballot} - {vote.vote_method.label}", size=9, style="B", gap=1)
    writer.line(vote.question, size=13, style="B", gap=3)
    pdf.set_font(FONT, size=12)
    glyphs = pdf.current_font.cmap
    for _key, words in answers:
        x, y = pdf.l_margin + 2, pdf.get_y()
        pdf.rect(x, y, BOX, BOX)
        pdf.set_xy(x + BOX + 3, y)
        pdf.cell(0, BOX, printable(words, glyphs), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2.5)
    pdf.ln(1)
    if vote.secret:
        note = _("Tick one box. Do not write your name on it; fold it once.")
    else:
        note = _("Tick one box and write your name: this is a named vote.")
    writer.line(note, size=9, gap=1)
    if not vote.secret:
        writer.line(f"{_('Name')}: ______________________________", size=11)
