"""How broad the panel's participation is: reach, turnout, contributions, new and returning.

Someone *took part* in a meeting when they did something there that the record keeps:
posted a message, raised a hand, brought in a proposal or an amendment to one of its
agenda items, or voted (themselves, by proxy, or as the holder of a proxy). Being on a
live vote's roll (present when it closed) counts too. Timed votes outside meetings count
towards reach, not towards a meeting.

All figures are computed from the records in a handful of queries per panel; nothing is
stored, so they can never drift from what happened.
"""

from dataclasses import dataclass, field

from panels import pulse as pulses
from panels.models import Meeting, Message, Panel, SpeakerRequest
from voting.models import Amendment, Participation, Proposal, RollEntry, Vote


@dataclass
class VoteTurnout:
    vote: Vote
    cast: int
    eligible: int

    @property
    def share(self) -> float | None:
        return self.cast / self.eligible if self.eligible else None


@dataclass
class MeetingFigures:
    meeting: Meeting
    participants: set[int] = field(default_factory=set)
    new: int = 0
    votes: list[VoteTurnout] = field(default_factory=list)
    pulse: pulses.Pulse = field(default_factory=pulses.Pulse)

    @property
    def returning(self) -> int:
        return len(self.participants) - self.new

    @property
    def turnout(self) -> float | None:
        """The mean turnout of the meeting's closed votes."""
        shares = [v.share for v in self.votes if v.share is not None]
        return sum(shares) / len(shares) if shares else None


@dataclass
class Contributions:
    proposals: int = 0
    amendments: int = 0
    messages: int = 0

    @property
    def total(self) -> int:
        return self.proposals + self.amendments + self.messages


@dataclass
class PanelFigures:
    panel: Panel
    meetings: list[MeetingFigures]
    votes: list[VoteTurnout]
    participants: set[int]
    contributions: dict[int, Contributions]  # membership id → counts

    @property
    def reach(self) -> float | None:
        size = self.panel.constituency_size
        return len(self.participants) / size if size else None


def _pairs(queryset, meeting: str, *people: str):
    """(meeting id, membership id) for every person field of every row."""
    for row in queryset.values_list(meeting, *people):
        for person in row[1:]:
            if person is not None:
                yield row[0], person


def figures(panel: Panel) -> PanelFigures:
    in_panel = {"item__meeting__panel": panel}
    proposals = Proposal.objects.filter(**in_panel).exclude(state=Proposal.State.DRAFT)
    amendments = Amendment.objects.filter(proposal__item__meeting__panel=panel)
    messages = Message.objects.filter(**in_panel)
    activity = [
        *_pairs(messages, "item__meeting", "author"),
        *_pairs(SpeakerRequest.objects.filter(meeting__panel=panel), "meeting", "membership"),
        *_pairs(proposals, "item__meeting", "submitter"),
        *_pairs(amendments, "proposal__item__meeting", "author"),
        *_pairs(
            Participation.objects.filter(vote__panel=panel),
            "vote__meeting",
            "voter",
            "on_behalf_of",
        ),
        *_pairs(
            RollEntry.objects.filter(vote__panel=panel, took_part=True), "vote__meeting", "member"
        ),
    ]
    meetings = {
        m.pk: MeetingFigures(m)
        for m in panel.meetings.exclude(state=Meeting.State.SCHEDULED).order_by("starts_at", "pk")
    }
    for meeting_id, person in activity:
        if meeting_id in meetings:
            meetings[meeting_id].participants.add(person)
    for meeting_id, answers in pulses.results(meetings).items():
        meetings[meeting_id].pulse = answers
    seen: set[int] = set()
    for figures_ in meetings.values():  # in order: who is new at each meeting
        figures_.new = len(figures_.participants - seen)
        seen |= figures_.participants

    votes = []
    for vote in Vote.objects.filter(panel=panel, state=Vote.State.CLOSED).order_by(
        "closed_at", "pk"
    ):
        result = vote.result or {}
        turnout = VoteTurnout(vote, int(result.get("cast", 0)), int(result.get("eligible", 0)))
        votes.append(turnout)
        if vote.meeting_id in meetings:
            meetings[vote.meeting_id].votes.append(turnout)

    contributions: dict[int, Contributions] = {}
    for kind, queryset, person in [
        ("proposals", proposals, "submitter"),
        ("amendments", amendments, "author"),
        ("messages", messages.filter(hidden_at__isnull=True), "author"),
    ]:
        for membership_id in queryset.values_list(person, flat=True):
            counts = contributions.setdefault(membership_id, Contributions())
            setattr(counts, kind, getattr(counts, kind) + 1)

    return PanelFigures(
        panel=panel,
        meetings=list(meetings.values()),
        votes=votes,
        participants={person for _meeting, person in activity},
        contributions=contributions,
    )
