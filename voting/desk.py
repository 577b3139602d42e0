"""Ballots without a device, at the meeting's desk (panels/attendance.py registers who is
in the room or on the phone):

- an assisted ballot: the desk enters the ballot of a member registered there who asks
  for it. It is the member's own ballot (one per person, the database's unique
  constraint on participation, whoever casts it), audited as entered for them by the
  desk, never with what it says; the member sees in the app that it was entered, and a
  secret vote's receipt code is theirs to check it was counted;
- the room's count: a moderator enters what the room voted by show of hands or on paper
  ballots counted there, with how many took part. Numbers only, never who. It cannot
  exceed the people in the room who may vote and have not voted otherwise, and once it
  is entered nobody in the room can also vote in the app (they may have raised a hand):
  one person, one vote, across every channel. Where the panel asks for it, a second
  moderator confirms the count before it counts.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from panels import attendance, audit
from panels.access import Perm, require
from panels.live import changes
from panels.models import Attendance, Membership
from panels.services import save_with_history
from voting import casting, eligibility
from voting.audit_actions import VotingAction
from voting.errors import VotingError
from voting.models import Participation, RollEntry, RoomCount, Vote

COUNT_MAX = 100_000


def _meeting_vote(vote: Vote) -> None:
    if vote.meeting_id is None:
        raise VotingError(_("Only a vote in a meeting takes ballots at the desk."))


def registered(vote: Vote) -> list[Membership]:
    """The members registered at the desk now who may still vote in this vote, by name:
    whom the desk can enter a ballot for (a principal's, too: `principals`)."""
    if vote.meeting_id is None:
        return []
    voted = vote.participations.values_list("on_behalf_of_id", flat=True)
    return list(
        eligibility.eligible_members(vote.panel)
        .filter(pk__in=_at_desk(vote))
        .exclude(pk__in=voted)
        .order_by("user__name", "pk")
    )


def _at_desk(vote: Vote):
    return Attendance.objects.filter(
        meeting_id=vote.meeting_id, left_at__isnull=True, membership__isnull=False
    ).values_list("membership_id", flat=True)


def cast_at_desk(
    actor: Membership,
    vote: Vote,
    member_id: int | None,
    ballot: dict,
    *,
    key: str,
    for_id: int | None = None,
) -> casting.Cast:
    """Enter the ballot of a member registered at the desk, who asked for it: their own,
    or (`for_id`) that of a principal whose proxy they hold."""
    _meeting_vote(vote)
    with transaction.atomic():
        if not attendance.may_keep_desk(actor, vote.meeting):
            raise VotingError(_("You are not allowed to do this."))
        member = (
            Membership.objects.active()
            .select_related("user", "panel")
            .filter(panel_id=vote.panel_id, pk=member_id)
            .first()
        )
        if member is None:
            raise VotingError(_("Choose a member who is registered at the desk."))
        here = Attendance.objects.filter(
            meeting_id=vote.meeting_id, membership=member, left_at__isnull=True
        ).exists()
        if not here:
            raise VotingError(
                _(
                    "%(name)s is not registered at the desk: register them as in the room "
                    "or on the phone first."
                )
                % {"name": member.user.name}
            )
        target = member
        if for_id is not None and for_id != member.pk:
            target = next((m for m in eligibility.capacities(vote, member) if m.pk == for_id), None)
            if target is None:
                raise VotingError(
                    _("%(name)s holds no proxy for that person in this vote.")
                    % {"name": member.user.name}
                )
        return casting.cast_ballot(
            actor, vote, ballot, on_behalf_of=target, key=key, at_desk=member
        )


def principals(vote: Vote) -> list[tuple[Membership, Membership]]:
    """(holder, principal) for each proxy that a member registered at the desk holds in
    this vote, whose principal has not voted yet."""
    if vote.meeting_id is None or not vote.vote_method.can_be_weighted:
        return []
    proxies = eligibility.standing_proxies(vote.meeting_id).filter(holder__in=_at_desk(vote))
    voted = set(vote.participations.values_list("on_behalf_of_id", flat=True))
    return [
        (p.holder, p.principal)
        for p in proxies.select_related("holder__user", "principal__user").order_by("pk")
        if p.principal_id not in voted
    ]


def entered_for(vote: Vote, member: Membership) -> Participation | None:
    """The member's ballot, if the desk entered it (they see so in the app)."""
    return (
        vote.participations.filter(on_behalf_of=member, at_desk=True)
        .select_related("voter__user")
        .first()
    )


# --- the room's count --------------------------------------------------------------------


def hand_answers(vote: Vote) -> list[tuple[str, str]]:
    """The answers the room can be counted for, (key, words); none for a method that is
    not counted by hand, or a vote outside a meeting with a room."""
    if vote.meeting_id is None or not vote.meeting.has_room:
        return []
    return vote.vote_method.hand_answers(vote, list(vote.options.all()))


def _locked(actor: Membership, vote: Vote) -> Vote:
    locked = (
        Vote.objects.select_for_update(of=("self",))
        .select_related("panel", "meeting")
        .get(pk=vote.pk)
    )
    if locked.panel_id != actor.panel_id:
        raise VotingError(_("You are not allowed to do this."))
    return locked


def _checked_counts(answers: list[tuple[str, str]], counts: dict, taking_part) -> dict:
    keys = {key for key, _words in answers}
    if not isinstance(counts, dict) or not set(counts) <= keys:
        raise VotingError(_("Count only the answers of this vote."))
    numbers = {}
    for key in keys:
        number = counts.get(key, 0)
        if type(number) is not int or not 0 <= number <= COUNT_MAX:
            raise VotingError(_("Each count is a whole number, 0 or more."))
        numbers[key] = number
    if type(taking_part) is not int or not 1 <= taking_part <= COUNT_MAX:
        raise VotingError(_("Say how many people in the room took part (1 or more)."))
    total = sum(numbers.values())
    if total != taking_part:
        raise VotingError(
            ngettext(
                "The counts add up to %(total)s, not to the %(n)s person who took part.",
                "The counts add up to %(total)s, not to the %(n)s people who took part.",
                taking_part,
            )
            % {"total": total, "n": taking_part}
        )
    return numbers


def enter_room_count(
    actor: Membership, vote: Vote, *, counts: dict, taking_part: int, how: str
) -> RoomCount:
    """Enter (or, until it is confirmed, correct) what the room voted."""
    require(actor, Perm.MODERATE, error=VotingError)
    _meeting_vote(vote)
    with transaction.atomic():
        vote = _locked(actor, vote)
        if vote.state != Vote.State.OPEN or vote.mode != Vote.Mode.LIVE:
            raise VotingError(_("Only an open vote in the meeting can be counted in the room."))
        answers = hand_answers(vote)
        if not answers:
            raise VotingError(_("This vote cannot be counted by hand in the room."))
        if how not in RoomCount.How.values:
            raise VotingError(_("Say whether it was a show of hands or paper ballots."))
        numbers = _checked_counts(answers, counts, taking_part)
        room = RoomCount.objects.select_for_update().filter(vote=vote).first()
        if room is not None and room.confirmed_at is not None:
            raise VotingError(_("The count of the room has been confirmed: it stays as it is."))
        places = eligibility.room_places(vote)
        if taking_part > places:
            raise VotingError(
                ngettext(
                    "The room has %(places)s person who may vote and has not voted in the app "
                    "or at the desk: a count of %(n)s is too many.",
                    "The room has %(places)s people who may vote and have not voted in the "
                    "app or at the desk: a count of %(n)s is too many.",
                    places,
                )
                % {"places": places, "n": taking_part}
            )
        if room is None:
            room = RoomCount(vote=vote)
        room.counts, room.taking_part, room.how = numbers, taking_part, how
        room.entered_by, room.entered_at = actor, timezone.now()
        save_with_history(room, actor.user, "entered")
        if not vote.counted_in_room:
            vote.counted_in_room = True
            save_with_history(
                vote, actor.user, "counted in the room", update_fields=["counted_in_room"]
            )
        # Everyone in the room could vote: on the roll, if not yet.
        RollEntry.objects.bulk_create(
            [RollEntry(vote=vote, member_id=pk) for pk in eligibility.in_room(vote)],
            ignore_conflicts=True,
        )
        audit.record(
            actor,
            VotingAction.ROOM_COUNT_ENTERED,
            f"vote:{vote.pk}",
            panel=vote.panel_id,
            details={"counts": numbers, "taking_part": taking_part, "how": how},
        )
        changes.changed(vote.meeting_id, "vote")
    return room


def confirm_room_count(actor: Membership, vote: Vote) -> RoomCount:
    """A second moderator confirms the count another entered."""
    require(actor, Perm.MODERATE, error=VotingError)
    with transaction.atomic():
        vote = _locked(actor, vote)
        room = RoomCount.objects.select_for_update().filter(vote=vote).first()
        if room is None:
            raise VotingError(_("There is no count of the room to confirm."))
        if room.confirmed_at is not None:
            return room
        if room.entered_by_id == actor.pk:
            raise VotingError(_("Another moderator must confirm the count you entered."))
        room.confirmed_by, room.confirmed_at = actor, timezone.now()
        save_with_history(
            room, actor.user, "confirmed", update_fields=["confirmed_by", "confirmed_at"]
        )
        audit.record(
            actor,
            VotingAction.ROOM_COUNT_CONFIRMED,
            f"vote:{vote.pk}",
            panel=vote.panel_id,
            details={"counts": room.counts, "taking_part": room.taking_part},
        )
        changes.changed(vote.meeting_id, "vote")
    return room
