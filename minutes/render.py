"""Minutes as people read them, on the page and in the PDF: the record (what happened)
with names, messages and links filled in as they are now, and the minute-taker's text of
one version beside each part."""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.dateparse import parse_datetime
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from minutes.models import Minutes
from panels.models import Membership, Message
from voting import methods
from voting.models import Amendment, Proposal


@dataclass
class VoteLine:
    id: int
    question: str
    method: str
    outcome: str  # in words, plain text
    decided: bool  # closed, with a result
    cast: int | None
    eligible: int | None
    quorum_needed: int | None
    check_code: str
    entry: int | None
    secret: bool
    written_round_until: datetime | None
    proposal: Proposal | None = None
    agreements: list = field(default_factory=list)  # made from the proposal


@dataclass
class Part:
    key: str  # "opening", an item's id, "closing"
    title: str
    text: str  # the minute-taker's
    starts: datetime | None = None
    ends: datetime | None = None
    speakers: list[str] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)
    amendments: list[Amendment] = field(default_factory=list)
    votes: list[VoteLine] = field(default_factory=list)


@dataclass
class Readable:
    minutes: Minutes
    version: int
    approved: bool  # these are the approved texts
    chairs: list[str]
    # (how, how many, their names: none when the panel's minutes give only numbers)
    attendance: list[tuple[str, int, list[str]]]
    guests: int
    parts: list[Part]
    decisions: list[VoteLine]


def _at(value: str | None) -> datetime | None:
    return parse_datetime(value) if value else None


def vote_line(entry: dict, proposals: dict[int, Proposal]) -> VoteLine:
    result = entry.get("result") or {}
    method = methods.find(entry["method"])
    outcome = (
        strip_tags(str(method.outcome_text(result))) if method and result else _("not yet decided")
    )
    return VoteLine(
        id=entry["id"],
        question=entry["question"],
        method=str(method.label) if method else entry["method"],
        outcome=outcome,
        decided=bool(result),
        cast=result.get("cast"),
        eligible=result.get("eligible"),
        quorum_needed=result.get("quorum_needed"),
        check_code=entry.get("check_code", ""),
        entry=entry.get("entry"),
        secret=entry.get("secret", False),
        written_round_until=_at(entry.get("written_round_until")),
        proposal=(proposal := proposals.get(entry.get("proposal"))),
        agreements=list(proposal.agreements.all()) if proposal is not None else [],
    )


def readable(minutes: Minutes, *, approved: bool) -> Readable:
    """The minutes as read: the approved version's text (approved=True) or the latest."""
    record = minutes.record
    texts = (minutes.approved_texts if approved else minutes.texts) or {}
    ids = set(record["chairs"]) | {
        pk for how in ("online", "room", "phone", "observers") for pk in record["present"][how]
    }
    for item in record["items"]:
        ids |= set(item["speakers"])
    names = dict(Membership.objects.filter(pk__in=ids).values_list("pk", "user__name"))
    proposals = Proposal.objects.prefetch_related("agreements").in_bulk(
        [pk for item in record["items"] for pk in item["proposals"]]
        + [v["proposal"] for v in record["votes"].values() if v.get("proposal")]
    )
    amendments = Amendment.objects.in_bulk([pk for i in record["items"] for pk in i["amendments"]])
    messages = Message.objects.select_related("author__user").in_bulk(
        [pk for item in record["items"] for pk in item["messages"]]
    )
    votes = {int(pk): vote_line(entry, proposals) for pk, entry in record["votes"].items()}

    def named(pks: list[int]) -> list[str]:
        return [names[pk] for pk in pks if pk in names]

    parts = [Part("opening", _("Opening"), texts.get("opening", ""))]
    for item in record["items"]:
        parts.append(
            Part(
                key=str(item["id"]),
                title=item["title"],
                text=texts.get(str(item["id"]), ""),
                starts=_at(item["from"]),
                ends=_at(item["until"]),
                speakers=named(item["speakers"]),
                # Hidden since, or erased: left out, as on the meeting's page.
                messages=[
                    messages[pk]
                    for pk in item["messages"]
                    if pk in messages and messages[pk].hidden_at is None
                ],
                proposals=[proposals[pk] for pk in item["proposals"] if pk in proposals],
                amendments=[amendments[pk] for pk in item["amendments"] if pk in amendments],
                votes=[votes[pk] for pk in item["votes"] if pk in votes],
            )
        )
    other = [votes[pk] for pk in record.get("other_votes", []) if pk in votes]
    if other:
        parts.append(Part("other", _("Other votes"), "", votes=other))
    parts.append(Part("closing", _("Closing"), texts.get("closing", "")))
    present = record["present"]
    list_names = minutes.meeting.panel.minutes_name_attendees
    return Readable(
        minutes=minutes,
        version=minutes.approved_version if approved else minutes.version,
        approved=approved,
        chairs=named(record["chairs"]),
        attendance=[
            (label, len(present[how]), named(present[how]) if list_names else [])
            for how, label in [
                ("online", _("Online")),
                ("room", _("In the room")),
                ("phone", _("By phone")),
                ("observers", _("Observers")),
            ]
            if present[how]
        ],
        guests=present.get("guests", 0),
        parts=parts,
        decisions=[v for v in votes.values() if v.decided],
    )
