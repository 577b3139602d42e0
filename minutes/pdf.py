"""The minutes as a PDF (the document, its font and the direction of its lines:
panels/pdf.py): what happened, the minute-taker's text, every vote with its check code."""

from django.utils.translation import gettext as _

from minutes.render import Readable
from panels.pdf import Writer, as_written, document, finish, when


def minutes_pdf(shown: Readable) -> bytes:
    minutes = shown.minutes
    meeting = minutes.meeting
    with document() as pdf:
        pdf.set_title(f"{_('Minutes')}: {meeting.title}")
        pdf.set_creator("Knoppen")
        pdf.set_auto_page_break(auto=True, margin=18)
        pdf.add_page()
        line = Writer(pdf).line

        line(meeting.panel.name, size=9)
        line(f"{_('Minutes')}: {meeting.title}", size=18, style="B", gap=1)
        state = (
            _("Approved on %(day)s (version %(version)s)")
            % {"day": when(minutes.approved_at, "j F Y"), "version": shown.version}
            if shown.approved
            else _("Draft, version %(version)s: not approved") % {"version": shown.version}
        )
        line(f"{when(meeting.starts_at, 'l j F Y, H:i')} - {state}", size=9, gap=1)
        line(meeting.location if meeting.has_room else _("Online"), size=9, gap=4)

        if shown.chairs:
            line(f"{_('Chair')}: {', '.join(as_written(n) for n in shown.chairs)}", gap=1)
        for how, count, names in shown.attendance:
            tail = f": {', '.join(as_written(n) for n in names)}" if names else ""
            line(f"{how} ({count}){tail}", gap=1)
        if shown.guests:
            line(f"{_('Guests')}: {shown.guests}", gap=1)
        pdf.ln(3)

        for part in shown.parts:
            line(part.title, size=13, style="B", gap=0)
            if part.starts:
                until = f" - {when(part.ends, 'H:i')}" if part.ends else ""
                line(f"{when(part.starts, 'H:i')}{until}", size=9, gap=1)
            if part.text:
                line(part.text, gap=2)
            if part.speakers:
                spoke = ", ".join(as_written(n) for n in part.speakers)
                line(f"{_('Had the floor')}: {spoke}", size=10, gap=1)
            for message in part.messages:
                line(f"{as_written(message.author.user.name)}: {message.text}", size=10, gap=1)
            for proposal in part.proposals:
                line(f"{_('Proposal')}: {proposal.title} ({proposal.get_state_display()})", gap=1)
            for amendment in part.amendments:
                state = amendment.get_state_display()
                line(f"{_('Amendment')}: {amendment} ({state})", size=10, gap=1)
            for vote in part.votes:
                _vote(line, vote)
            pdf.ln(2)

        line(_("Decided"), size=13, style="B")
        for vote in shown.decisions:
            line(f"{vote.question}: {vote.outcome}", gap=1)
        if not shown.decisions:
            line(_("Nothing was put to the vote."), gap=1)
        if shown.approved and minutes.approved_check_code:
            pdf.ln(4)
            line(f"{_('Audit log check code at approval')}: {minutes.approved_check_code}", size=8)
        return finish(pdf)


def _vote(line, vote) -> None:
    line(f"{_('Vote')}: {vote.question}", style="B", gap=0)
    if vote.decided:
        turnout = (
            _("%(cast)s of %(eligible)s voted") % {"cast": vote.cast, "eligible": vote.eligible}
            if vote.eligible is not None
            else ""
        )
        quorum = (
            _("quorum %(needed)s") % {"needed": vote.quorum_needed} if vote.quorum_needed else ""
        )
        details = ", ".join(x for x in [vote.method, turnout, quorum] if x)
        line(f"{vote.outcome} ({details})", size=10, gap=0)
        entry = _("entry %(sequence)s") % {"sequence": vote.entry}
        line(f"{_('Audit log check code')}: {vote.check_code} ({entry})", size=8, gap=1)
    else:
        line(_("Not yet decided."), size=10, gap=1)
