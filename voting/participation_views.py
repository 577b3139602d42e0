"""The participation dashboard and its CSV (figures: voting/participation.py)."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.views.decorators.http import require_GET

from agreements.services import known_outcomes
from panels import representation
from panels.access import Perm, has_perm, panel_for
from voting import participation
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
    meetings = participation.bars(
        [(m.meeting.title, len(m.participants), str(len(m.participants))) for m in figures.meetings]
    )
    votes = participation.bars(
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
                for m, bar in zip(figures.meetings, meetings, strict=True)
            ],
            "vote_rows": list(zip(figures.votes, votes, strict=True)),
            "meetings_height": participation.chart_height(meetings),
            "votes_height": participation.chart_height(votes),
            "chart_width": participation.CHART_WIDTH,
            "bar_height": participation.BAR_HEIGHT,
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
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="deelname-panel-{panel.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(["panel", panel.name])
    writer.writerow(["constituency_size", panel.constituency_size])
    writer.writerow(["participants", len(figures.participants)])
    writer.writerow(["reach", "" if figures.reach is None else f"{figures.reach:.4f}"])
    writer.writerow(["meeting", "date", "participants", "new", "returning", "mean_turnout"])
    for m in figures.meetings:
        writer.writerow(
            ["meeting", m.meeting.starts_at.date().isoformat(), len(m.participants), m.new,
             m.returning, "" if m.turnout is None else f"{m.turnout:.4f}"]
        )  # fmt: skip
    writer.writerow(
        ["pulse", "date", "answers", "mean_heard", *[f"heard_{n}" for n in range(1, 6)]]
    )
    for m in figures.meetings:
        p = m.pulse
        writer.writerow(
            ["pulse", m.meeting.starts_at.date().isoformat(), p.answers,
             "" if p.mean is None else f"{p.mean:.2f}", *p.counts.values()]
        )  # fmt: skip
    writer.writerow(["vote", "question", "cast", "eligible", "turnout"])
    for t in figures.votes:
        share = "" if t.share is None else f"{t.share:.4f}"
        writer.writerow(["vote", t.vote.question, t.cast, t.eligible, share])
    names = dict(panel.memberships.values_list("pk", "user__name"))
    writer.writerow(["member", "name", "proposals", "amendments", "messages"])
    for pk, counts in sorted(figures.contributions.items()):
        writer.writerow(
            ["member", names.get(pk, "?"), counts.proposals, counts.amendments, counts.messages]
        )
    return response
