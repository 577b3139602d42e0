"""A vote at the meeting's desk (voting/desk.py): a ballot entered for a member in the
room or on the phone, and the room's count by show of hands or on paper. A page of its
own, for whoever keeps the desk; it works without JavaScript."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from panels import attendance
from panels.access import Perm, has_perm, meeting_for
from panels.bidi import isolate
from panels.downloads import attachment
from panels.models import Membership
from panels.pages import int_or_none
from voting import casting, desk, eligibility, sheets
from voting.access import vote_for
from voting.errors import VotingError
from voting.methods import BallotError
from voting.models import RoomCount


def _desk_vote(request: HttpRequest, panel_id: int, vote_id: int):
    vote, membership = vote_for(request.user, panel_id, vote_id)
    if vote.meeting_id is None or not attendance.may_keep_desk(membership, vote.meeting):
        raise PermissionDenied
    return vote, membership


@require_GET
@login_required
def vote_sheets(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    """Ballot sheets to print for the meeting's votes a room can count by hand."""
    meeting, membership = meeting_for(request.user, panel_id, meeting_id)
    if not attendance.may_keep_desk(membership, meeting):
        raise PermissionDenied
    slips = int_or_none(request.GET.get("slips")) or sheets.SLIPS_PER_PAGE * 10
    body = sheets.ballot_sheets(meeting, slips)
    return attachment(
        HttpResponse(body, content_type="application/pdf"), f"stembiljetten-{meeting.pk}.pdf"
    )


def _here(vote) -> HttpResponse:
    return redirect(reverse("voting:vote_desk", args=[vote.panel_id, vote.pk]))


@require_GET
@login_required
def vote_desk(request: HttpRequest, panel_id: int, vote_id: int) -> HttpResponse:
    vote, membership = _desk_vote(request, panel_id, vote_id)
    options = list(vote.options.all())
    room = (
        RoomCount.objects.filter(vote=vote)
        .select_related("entered_by__user", "confirmed_by__user")
        .first()
    )
    counted = room.counts if room is not None else {}
    context = vote.vote_method.ballot_context(vote, options) | {
        "panel": vote.panel,
        "meeting": vote.meeting,
        "vote": vote,
        "options": options,
        "membership": membership,
        "registered": desk.registered(vote) if vote.is_open else [],
        "principals": desk.principals(vote) if vote.is_open else [],
        "key": casting.new_key(),
        "hand_answers": [
            (key, words, counted.get(key, 0)) for key, words in desk.hand_answers(vote)
        ],
        "room": room,
        "room_places": eligibility.room_places(vote),
        "ways": RoomCount.How.choices,
        "is_moderator": has_perm(membership, Perm.MODERATE),
        "needs_second": vote.panel.room_counts_confirmed,
    }
    return render(request, "voting/vote_desk.html", context)


@require_POST
@login_required
def vote_desk_ballot(request: HttpRequest, panel_id: int, vote_id: int) -> HttpResponse:
    vote, membership = _desk_vote(request, panel_id, vote_id)
    try:
        ballot = vote.vote_method.parse(request.POST, vote)
        # "12": member 12's own ballot; "12:34": the ballot of 34, whose proxy 12 holds.
        member, _colon, principal = request.POST.get("member", "")[:40].partition(":")
        cast = desk.cast_at_desk(
            membership,
            vote,
            int_or_none(member),
            ballot,
            key=request.POST.get("key", "")[:200],
            for_id=int_or_none(principal) if principal else None,
        )
    except (BallotError, VotingError) as error:
        messages.error(request, str(error))
        return _here(vote)
    messages.success(request, _("The ballot has been entered."))
    if cast.receipt:
        # A receipt to print or write out for the member: this page, not a message that a
        # reload loses (posting again gives the same receipt: the key makes it a repeat).
        member = Membership.objects.select_related("user").get(pk=int_or_none(principal or member))
        return render(
            request,
            "voting/desk_receipt.html",
            {"panel": vote.panel, "vote": vote, "member": member, "code": cast.receipt},
        )
    return _here(vote)


def _counts(data, answers) -> dict:
    """The posted counts, each as a number (or as sent, for the service to refuse)."""
    counts = {}
    for key, _words in answers:
        raw = (data.get(f"count_{key}") or "0").strip()
        counts[key] = int(raw) if raw.isdigit() and len(raw) < 9 else raw
    return counts


@require_POST
@login_required
def vote_room_count(request: HttpRequest, panel_id: int, vote_id: int) -> HttpResponse:
    vote, membership = _desk_vote(request, panel_id, vote_id)
    raw = (request.POST.get("taking_part") or "").strip()
    try:
        desk.enter_room_count(
            membership,
            vote,
            counts=_counts(request.POST, desk.hand_answers(vote)),
            taking_part=int(raw) if raw.isdigit() and len(raw) < 9 else raw,
            how=request.POST.get("how", ""),
        )
    except VotingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The count of the room has been entered."))
    return _here(vote)


@require_POST
@login_required
def vote_room_confirm(request: HttpRequest, panel_id: int, vote_id: int) -> HttpResponse:
    vote, membership = _desk_vote(request, panel_id, vote_id)
    try:
        room = desk.confirm_room_count(membership, vote)
    except VotingError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Confirmed the count entered by %(name)s.")
            % {"name": isolate(room.entered_by.user.name if room.entered_by else "")},
        )
    return _here(vote)
