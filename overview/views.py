"""The participation dashboard and its CSV (figures: overview/participation.py)."""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.views.decorators.http import require_GET

from agreements.services import known_outcomes
from overview import participation
from panels import charts, representation
from panels.access import Perm, has_perm, panel_for
from panels.downloads import csv_response
from voting.models import Proposal


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{formats.number_format(share * 100, 1)} %"


@require_GET
@login_required
def dashboard(request: HttpRequest, panel_id: int) -> HttpResponse:
    panel, membership = panel_for(request.user, panel_id)
    figures = participation.figures(panel)
    members_count, compared = representation.comparison(panel)
    known, brought_in = known_outcomes(
        Proposal.objects.filter(item__meeting__panel=panel, hidden_at__isnull=True)
    )
    # Who contributed what is for moderators and both parties' representatives.
    detailed = has_perm(membership, Perm.DRAFT_AGREEMENTS)
    meetings = charts.chart(
        [(m.meeting.title, len(m.participants), str(len(m.participants))) for m in figures.meetings]
    )
    votes = charts.chart(
        [(t.vote.question, t.share or 0, _percent(t.share)) for t in figures.votes], scale=1
    )
    people = []
    if detailed:
        names = dict(panel.memberships.values_list("pk", "user__name"))
        people = sorted(
            ((names.get(pk, "?"), counts) for pk, counts in figures.contributions.items()),
            key=lambda row: (-row[1].total, row[0]),
        )
    return render(
        request,
        "voting/participation.html",
        {
            "panel": panel,
            "membership": membership,
            "figures": figures,
            "reach": _percent(figures.reach),
            "meeting_rows": [
                (m, _percent(m.turnout), bar)
                for m, bar in zip(figures.meetings, meetings.bars, strict=True)
            ],
            "vote_rows": list(zip(figures.votes, votes.bars, strict=True)),
            "meetings_chart": meetings,
            "votes_chart": votes,
            "detailed": detailed,
            "scale": list(range(1, 6)),
            "representation": compared,
            "members_count": members_count,
            "min_cell": representation.MIN_CELL,
            "known": known,
            "brought_in": brought_in,
            "known_share": _percent(known / brought_in if brought_in else None),
            "people": people,
        },
    )


@require_GET
@login_required
def dashboard_csv(request: HttpRequest, panel_id: int) -> HttpResponse:
    panel, _membership = panel_for(request.user, panel_id, Perm.DRAFT_AGREEMENTS)
    figures = participation.figures(panel)
    rows: list[list] = [
        ["panel", panel.name],
        ["constituency_size", panel.constituency_size],
        ["participants", len(figures.participants)],
        ["reach", _rounded(figures.reach)],
        ["meeting", "date", "participants", "new", "returning", "mean_turnout"],
    ]
    rows += [
        ["meeting", m.meeting.starts_at.date().isoformat(), len(m.participants), m.new,
         m.returning, _rounded(m.turnout)]
        for m in figures.meetings
    ]  # fmt: skip
    rows.append(["pulse", "date", "answers", "mean_heard", *[f"heard_{n}" for n in range(1, 6)]])
    rows += [
        ["pulse", m.meeting.starts_at.date().isoformat(), m.pulse.answers,
         _rounded(m.pulse.mean, 2), *m.pulse.counts.values()]
        for m in figures.meetings
    ]  # fmt: skip
    rows.append(["vote", "question", "cast", "eligible", "turnout"])
    rows += [
        ["vote", t.vote.question, t.cast, t.eligible, _rounded(t.share)] for t in figures.votes
    ]
    names = dict(panel.memberships.values_list("pk", "user__name"))
    rows.append(["member", "name", "proposals", "amendments", "messages"])
    rows += [
        ["member", names.get(pk, "?"), counts.proposals, counts.amendments, counts.messages]
        for pk, counts in sorted(figures.contributions.items())
    ]
    return csv_response(f"deelname-panel-{panel.pk}.csv", rows)


def _rounded(value: float | None, places: int = 4) -> Decimal | None:
    """A figure to so many decimals, trailing zeros kept so a column lines up."""
    return None if value is None else round(Decimal(value), places)
