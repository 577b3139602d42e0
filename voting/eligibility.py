"""Who may vote: the eligible members, who is in the room, the roll of a vote, the
capacities a person votes in (themselves and the principals whose proxy they hold), and
giving and revoking proxies.

Capacities are asked on every ballot and every personal fragment, so they look only at
the one person, their proxies and their principals. The roll records who could vote: a
live vote's is taken when it opens (those present, and those a present holder represents)
and completed when it closes (everyone who voted, and for a timed vote or a written round
every eligible member).
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from panels import audit
from panels.access import Perm, require
from panels.live import changes, presence
from panels.models import Attendance, Meeting, Membership, Presence, Role
from panels.services import save_with_history
from voting.audit_actions import VotingAction
from voting.errors import VotingError
from voting.models import Proxy, RollEntry, RoomCount, Vote

State = Vote.State


def eligible_members(panel) -> QuerySet[Membership]:
    """Active members with voting rights (corporation representatives only if the panel says)."""
    members = (
        Membership.objects.active()
        .filter(panel=panel, has_voting_rights=True)
        .exclude(role=Role.OBSERVER)
        .select_related("user", "panel")
    )
    if not panel.corporation_reps_vote:
        members = members.exclude(role=Role.CORPORATION_REP)
    return members


def present_ids(meeting_id: int) -> set[int]:
    return set(
        presence.connected().filter(meeting_id=meeting_id).values_list("membership_id", flat=True)
    )


def _is_present(meeting_id: int, membership_id: int) -> bool:
    """In the room, for casting a live ballot: refused only on evidence of absence.

    The presence list shows who is connected now; a ballot is refused only when the
    person closed the page (or their page-only presence ran out), not because the server
    holding their socket went silent (presence.not_known_gone).
    """
    return (
        Presence.objects.filter(meeting_id=meeting_id, membership_id=membership_id)
        .filter(presence.not_known_gone())
        .exists()
    )


def standing_proxies(meeting_id: int) -> QuerySet[Proxy]:
    return Proxy.objects.filter(meeting_id=meeting_id, revoked_at__isnull=True)


def past_deadline(vote: Vote, now: datetime | None = None) -> bool:
    """The vote is still marked open, but its time is up: nobody may vote any more.

    It is closed by the scheduled command (close_due_votes) or by the next ballot cast
    in it (voting/casting.py), never by a page that shows it.
    """
    now = now or timezone.now()
    if vote.state == State.OPEN and vote.mode == Vote.Mode.TIMED:
        return vote.closes_at is not None and vote.closes_at <= now
    if vote.state == State.WRITTEN_ROUND:
        return vote.written_round_until is not None and vote.written_round_until <= now
    return False


def capacities(vote: Vote, voter: Membership) -> list[Membership]:
    """Whom this person may cast a ballot for right now: themselves and their principals.

    On every ballot and every personal fragment, so its cost must not grow with the panel:
    it looks only at this person, their proxies and their principals.
    """
    if not vote.is_open or past_deadline(vote) or not voter.can_vote:
        return []
    proxies = (
        list(standing_proxies(vote.meeting_id).filter(Q(principal=voter) | Q(holder=voter)))
        if vote.meeting_id and vote.vote_method.can_be_weighted
        else []
    )
    live = vote.mode == Vote.Mode.LIVE and vote.state == State.OPEN
    if live and not _is_present(vote.meeting_id, voter.pk):
        return []
    # The voter may vote (`can_vote`, the rule `eligible_members` asks the database);
    # their principals are looked up only if they hold a proxy.
    principal_ids = [p.principal_id for p in proxies if p.holder_id == voter.pk]
    principals = (
        list(eligible_members(vote.panel).filter(pk__in=principal_ids)) if principal_ids else []
    )
    gave_proxy = any(p.principal_id == voter.pk for p in proxies)
    result = ([] if gave_proxy else [voter]) + sorted(
        principals, key=lambda m: principal_ids.index(m.pk)
    )
    if vote.state == State.WRITTEN_ROUND:
        # The written round is for those who did not vote live.
        done = set(
            vote.participations.filter(on_behalf_of__in=[m.pk for m in result]).values_list(
                "on_behalf_of_id", flat=True
            )
        )
        result = [m for m in result if m.pk not in done]
    return result


# --- the room ----------------------------------------------------------------------------


def in_room(vote: Vote) -> set[int]:
    """The eligible members the desk registered in the meeting's room now, less those who
    gave their vote to a proxy holder (their hand is not theirs to raise)."""
    here = Attendance.objects.filter(
        meeting_id=vote.meeting_id,
        left_at__isnull=True,
        how=Attendance.How.ROOM,
        membership__isnull=False,
    ).values_list("membership_id", flat=True)
    members = eligible_members(vote.panel).filter(pk__in=here)
    if vote.vote_method.can_be_weighted:
        gave = standing_proxies(vote.meeting_id).values_list("principal_id", flat=True)
        members = members.exclude(pk__in=gave)
    return set(members.values_list("pk", flat=True))


def room_places(vote: Vote) -> int:
    """How many in the room may still be counted in a count of the room: those registered
    there who may vote, less those who voted in the app or at the desk. (The count itself,
    once entered, takes its places: `room_places_left`.)"""
    room = in_room(vote)
    voted = vote.participations.filter(on_behalf_of__in=room).count()
    return len(room) - voted


def room_places_left(vote: Vote) -> int:
    """Places in the room not taken by its count or by a ballot: none left, and someone
    in the room cannot also vote in the app (they may have raised their hand)."""
    counted = RoomCount.objects.filter(vote=vote).values_list("taking_part", flat=True).first()
    return room_places(vote) - (counted or 0)


# --- the roll ----------------------------------------------------------------------------


def open_roll(vote: Vote) -> None:
    """A live vote opens: the roll so far is the eligible members present, and those a
    present holder represents."""
    present = present_ids(vote.meeting_id)
    eligible = set(eligible_members(vote.panel).values_list("pk", flat=True))
    on_roll = eligible & present
    if vote.vote_method.can_be_weighted:
        on_roll |= {
            p.principal_id
            for p in standing_proxies(vote.meeting_id)
            if p.holder_id in on_roll and p.principal_id in eligible
        }
    RollEntry.objects.bulk_create(
        [RollEntry(vote=vote, member_id=pk) for pk in on_roll], ignore_conflicts=True
    )


def record_roll(vote: Vote) -> None:
    """Who could vote: the eligible members (live: those present or represented) and voters."""
    if vote.mode == Vote.Mode.TIMED or vote.state == State.WRITTEN_ROUND:
        members = list(eligible_members(vote.panel))
        RollEntry.objects.bulk_create(
            [RollEntry(vote=vote, member=m) for m in members], ignore_conflicts=True
        )
    if vote.meeting_id and vote.vote_method.can_be_weighted:
        # Principals represented by a holder on the roll count as able to vote.
        holders = set(vote.roll.values_list("member_id", flat=True))
        eligible = set(eligible_members(vote.panel).values_list("pk", flat=True))
        principals = [
            p.principal_id
            for p in standing_proxies(vote.meeting_id)
            if p.holder_id in holders and p.principal_id in eligible
        ]
        RollEntry.objects.bulk_create(
            [RollEntry(vote=vote, member_id=pk) for pk in principals], ignore_conflicts=True
        )
    voted = vote.participations.values_list("on_behalf_of_id", flat=True)
    RollEntry.objects.bulk_create(
        [RollEntry(vote=vote, member_id=pk) for pk in voted], ignore_conflicts=True
    )
    vote.roll.filter(member_id__in=voted).update(took_part=True)


# --- proxies -------------------------------------------------------------------------------


def give_proxy(
    principal: Membership,
    meeting: Meeting,
    holder: Membership,
    *,
    registered_by: Membership | None = None,
    paper_reference: str = "",
) -> Proxy:
    """The principal lets the holder vote for them in this meeting: in the app, or on
    paper, registered by a moderator (`register_paper_proxy`). The same rules either way."""
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.panel_id != principal.panel_id or holder.panel_id != principal.panel_id:
            raise VotingError(_("You are not allowed to do this."))
        if meeting.state == Meeting.State.CLOSED:
            raise VotingError(_("This meeting has been closed."))
        if holder.pk == principal.pk:
            raise VotingError(_("You cannot give a proxy to yourself."))
        if not principal.can_vote:
            raise VotingError(_("Only a member who may vote can give a proxy."))
        if not holder.can_vote:
            raise VotingError(_("The proxy holder must be a member who may vote."))
        proxies = standing_proxies(meeting.pk)
        if proxies.filter(principal=principal).exists():
            raise VotingError(
                _("You have already given a proxy for this meeting. Revoke it first.")
            )
        if proxies.filter(principal=holder).exists():
            raise VotingError(_("This member has given their own vote to someone else."))
        if proxies.filter(holder=principal).exists():
            raise VotingError(_("You hold a proxy yourself; you cannot pass on your vote."))
        if proxies.filter(holder=holder).count() >= meeting.panel.max_proxies_per_holder:
            raise VotingError(_("This member already holds as many proxies as allowed."))
        if meeting.votes.filter(state__in=[State.OPEN, State.WRITTEN_ROUND]).exists():
            raise VotingError(_("Proxies can only change while no vote is open."))
        proxy = Proxy(
            meeting=meeting,
            principal=principal,
            holder=holder,
            paper_reference=paper_reference,
            registered_by=registered_by,
        )
        if registered_by is None:
            save_with_history(proxy, principal.user, "given")
        else:
            save_with_history(proxy, registered_by.user, "given on paper")
            audit.record(
                registered_by,
                VotingAction.PAPER_PROXY,
                f"meeting:{meeting.pk}",
                panel=meeting.panel_id,
                details={
                    "member": principal.pk,
                    "holder": holder.pk,
                    "reference": paper_reference,
                },
            )
        changes.changed(meeting, "vote", personal_for=[principal.user_id, holder.user_id])
    return proxy


PAPER_REFERENCE_MAX = 100


def register_paper_proxy(
    actor: Membership,
    meeting: Meeting,
    principal_id: int | None,
    holder_id: int | None,
    reference: str,
) -> Proxy:
    """A moderator registers a written proxy a member handed in on paper."""
    require(actor, Perm.MODERATE, error=VotingError)
    if meeting.panel_id != actor.panel_id:
        raise VotingError(_("You are not allowed to do this."))
    reference = " ".join(reference.split())
    if not reference:
        raise VotingError(_("Write where the paper is kept (e.g. a number on it)."))
    if len(reference) > PAPER_REFERENCE_MAX:
        raise VotingError(
            _("The reference can be at most %(max)s characters.") % {"max": PAPER_REFERENCE_MAX}
        )
    people = {
        m.pk: m
        for m in Membership.objects.active()
        .select_related("user", "panel")
        .filter(panel_id=meeting.panel_id, pk__in=[principal_id, holder_id])
    }
    principal, holder = people.get(principal_id), people.get(holder_id)
    if principal is None or holder is None:
        raise VotingError(_("Choose two members of this panel."))
    return give_proxy(principal, meeting, holder, registered_by=actor, paper_reference=reference)


def revoke_proxy(actor: Membership, proxy: Proxy) -> Proxy:
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=proxy.meeting_id)
        proxy = Proxy.objects.select_for_update().get(pk=proxy.pk)
        moderator_here = actor.can_moderate and actor.panel_id == meeting.panel_id
        if actor.pk != proxy.principal_id and not moderator_here:
            raise VotingError(_("Only the member who gave the proxy can revoke it."))
        if proxy.revoked_at is not None:
            return proxy
        if meeting.votes.filter(state__in=[State.OPEN, State.WRITTEN_ROUND]).exists():
            raise VotingError(_("Proxies can only change while no vote is open."))
        proxy.revoked_at = timezone.now()
        save_with_history(proxy, actor.user, "revoked", update_fields=["revoked_at"])
        changes.changed(
            meeting, "vote", personal_for=[proxy.principal.user_id, proxy.holder.user_id]
        )
    return proxy
