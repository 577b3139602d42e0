"""What happened in a meeting, drawn up when it closed: the part of the minutes nobody
edits.

The record holds ids and times, not names or texts: the page and the PDF show each person
by their name as it is now (an erased person under their pseudonym), each message as it
is now (one hidden after the meeting drops out), and each vote's result as the vote
recorded it when it closed, with the check code of its entry in the audit log. A vote
still open when the meeting closed (a written round) enters the record when it closes.
"""

from collections import defaultdict
from datetime import datetime

from django.utils import timezone

from panels.meetings import attendees
from panels.models import AgendaItem, AuditAction, AuditEntry, Meeting, Message, Role
from voting.models import Amendment, Proposal, Vote


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def spans(meeting: Meeting) -> dict[int, tuple[datetime | None, datetime | None]]:
    """When each agenda item was under discussion: from it became current until done."""
    found: dict[int, list] = {}
    rows = (
        AgendaItem.history.filter(meeting_id=meeting.pk)
        .order_by("history_date", "history_id")
        .values_list("id", "state", "history_date")
    )
    for item_id, state, at in rows:
        start, end = found.setdefault(item_id, [None, None])
        if state == AgendaItem.State.CURRENT and start is None:
            found[item_id][0] = at
        elif state == AgendaItem.State.DONE and start is not None and end is None:
            found[item_id][1] = at
    return {
        item_id: (start, end or (meeting.closed_at if start else None))
        for item_id, (start, end) in found.items()
    }


def _item_at(moment: datetime | None, times: dict) -> int | None:
    if moment is None:
        return None
    for item_id, (start, end) in times.items():
        if start and start <= moment and (end is None or moment <= end):
            return item_id
    return None


def vote_entry(vote: Vote) -> dict:
    """A vote as the minutes report it: its question, method and result as closed, and
    its close in the audit log (the check code anyone can look up)."""
    closed = (
        AuditEntry.objects.filter(action=AuditAction.VOTE_CLOSED, subject=f"vote:{vote.pk}")
        .order_by("-sequence")
        .first()
    )
    return {
        "id": vote.pk,
        "question": vote.question,
        "method": vote.method,
        "secret": vote.secret,
        "state": vote.state,
        "proposal": vote.proposal_id,
        "amendment": vote.amendment_id,
        "opened_at": _when(vote.opened_at),
        "closed_at": _when(vote.closed_at),
        "written_round_until": _when(vote.written_round_until),
        # The counts, never who voted what (named ballots stay with the vote, where erasure
        # finds them).
        "result": (
            {k: v for k, v in vote.result.items() if k not in ("named", "receipts")}
            if vote.state == Vote.State.CLOSED and vote.result
            else None
        ),
        "check_code": closed.hash if closed else "",
        "entry": closed.sequence if closed else None,
    }


def attendance(meeting: Meeting) -> dict:
    """Who was there, by how: in the room and by phone as the desk registered them, online
    otherwise (connected at the close, or took part: a message, a raised hand, a ballot);
    observers apart; guests (not members) counted."""
    at_desk = {a.membership_id: a.how for a in meeting.attendances.exclude(membership=None)}
    voted = set(
        Vote.objects.filter(meeting=meeting)
        .exclude(mode=Vote.Mode.TIMED)
        .values_list("participations__voter", flat=True)
    ) - {None}
    people = set(attendees(meeting)) | voted
    roles = dict(meeting.panel.memberships.filter(pk__in=people).values_list("pk", "role"))
    present: dict[str, list[int]] = {"online": [], "room": [], "phone": [], "observers": []}
    for membership_id in sorted(people):
        if roles.get(membership_id) == Role.OBSERVER:
            present["observers"].append(membership_id)
        else:
            present[at_desk.get(membership_id, "online")].append(membership_id)
    present["guests"] = meeting.attendances.filter(membership=None).count()
    return present


def chairs(meeting: Meeting) -> list[int]:
    """Who chaired: the moderators who started or steered it (in the audit log)."""
    acted = AuditEntry.objects.filter(
        panel_id=meeting.panel_id,
        subject=f"meeting:{meeting.pk}",
        action__in=[AuditAction.MEETING_STARTED, AuditAction.MEETING_CLOSED],
    ).values_list("actor_membership_id", flat=True)
    return sorted({pk for pk in acted if pk is not None})


KINDS = ("speakers", "messages", "proposals", "amendments", "votes")


def draw_up(meeting: Meeting) -> dict:
    times = spans(meeting)
    items = list(meeting.items.order_by("position", "pk"))
    by_item: dict[int | None, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    said = Message.objects.filter(item__meeting=meeting).order_by("created_at", "pk")
    for message_id, item_id in said.values_list("pk", "item_id"):
        by_item[item_id]["messages"].append(message_id)
    for request in meeting.speaker_requests.exclude(speaking_since=None).order_by("speaking_since"):
        item_id = _item_at(request.speaking_since, times)
        if request.membership_id not in by_item[item_id]["speakers"]:
            by_item[item_id]["speakers"].append(request.membership_id)
    for proposal_id, item_id in (
        Proposal.objects.filter(item__meeting=meeting)
        .exclude(state=Proposal.State.DRAFT)
        .order_by("submitted_at", "pk")
        .values_list("pk", "item_id")
    ):
        by_item[item_id]["proposals"].append(proposal_id)
    for amendment_id, item_id in (
        Amendment.objects.filter(proposal__item__meeting=meeting)
        .order_by("pk")
        .values_list("pk", "proposal__item_id")
    ):
        by_item[item_id]["amendments"].append(amendment_id)
    votes = {}
    for vote in (
        Vote.objects.filter(meeting=meeting)
        .exclude(state=Vote.State.DRAFT)
        .select_related("proposal", "amendment__proposal")
        .order_by("opened_at", "pk")
    ):
        if vote.proposal_id:
            item_id = vote.proposal.item_id
        elif vote.amendment_id:
            item_id = vote.amendment.proposal.item_id
        else:
            item_id = _item_at(vote.opened_at, times)
        by_item[item_id]["votes"].append(vote.pk)
        votes[str(vote.pk)] = vote_entry(vote)
    return {
        "drawn_up_at": _when(timezone.now()),
        "title": meeting.title,
        "starts_at": _when(meeting.starts_at),
        "started_at": _when(meeting.started_at),
        "closed_at": _when(meeting.closed_at),
        "venue": meeting.venue,
        "location": meeting.location,
        "chairs": chairs(meeting),
        "present": attendance(meeting),
        "items": [
            {
                "id": item.pk,
                "title": item.title,
                "from": _when(times.get(item.pk, (None, None))[0]),
                "until": _when(times.get(item.pk, (None, None))[1]),
                **{key: by_item[item.pk][key] for key in KINDS},
            }
            for item in items
        ],
        "other_votes": by_item[None]["votes"],
        "votes": votes,
    }
