"""A vote's life: prepared, opened, closed (or first a written round for absent members),
closed when its time is up, and the reminders before a deadline.

Opening and closing lock the vote's row (FOR UPDATE), so they wait for the ballots in
progress (voting/casting.py takes a shared lock) and the ballots after them see the new
state. A vote about a proposal or an amendment moves it along (voting/proposals.py,
voting/amendments.py): in the vote when it opens, adopted or rejected when it closes.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from panels import audit, meetings, sealing
from panels.access import Perm, require
from panels.live import changes
from panels.models import AuditAction, Meeting, Membership
from panels.services import save_with_history
from voting import amendments, emails, methods, proposals
from voting.eligibility import open_roll, past_deadline, record_roll
from voting.errors import VotingError
from voting.methods import OPTIONS_MAX, BallotError
from voting.models import TITLE_MAX, Amendment, BallotBox, Option, Proposal, RoomCount, Vote
from voting.results import audit_result, tally

State = Vote.State


def _lock(vote: Vote, actor: Membership) -> Vote:
    """The vote, locked against every other change until the transaction ends."""
    locked = Vote.objects.select_for_update(of=("self",)).select_related("panel").get(pk=vote.pk)
    if locked.panel_id != actor.panel_id:
        raise VotingError(_("You are not allowed to do this."))
    return locked


# --- preparing and opening ------------------------------------------------------------


def vote_options(lines: list[str]) -> list[str]:
    """The options as stored (spaces tidied, empty lines dropped), or why they cannot be."""
    options = [" ".join(line.split()) for line in lines if line.strip()]
    if len(options) > OPTIONS_MAX:
        raise VotingError(
            _("A vote can have at most %(max)s options; this one has %(count)s.")
            % {"max": OPTIONS_MAX, "count": number_format(len(options), force_grouping=True)}
        )
    for number, option in enumerate(options, start=1):
        if len(option) > TITLE_MAX:
            raise VotingError(
                _("An option can be at most %(max)s characters; option %(number)s has %(count)s.")
                % {
                    "max": TITLE_MAX,
                    "number": number,
                    "count": number_format(len(option), force_grouping=True),
                }
            )
    if len(set(options)) != len(options):
        raise VotingError(_("Every option must be different."))
    return options


@dataclass
class VoteSpec:
    question: str
    method: str
    options: list[str]
    majority: str = Vote.Majority.SIMPLE
    qualified: Fraction = Fraction(2, 3)
    abstentions_count: bool = False
    quorum_count: int | None = None
    quorum_percent: int | None = None
    secret: bool = False
    mode: str = Vote.Mode.LIVE
    closes_at: datetime | None = None
    # The method's own settings as the form gave them (voting/methods/base.py).
    settings: dict = field(default_factory=dict)


def prepare_vote(
    actor: Membership,
    spec: VoteSpec,
    *,
    meeting: Meeting | None = None,
    proposal: Proposal | None = None,
    amendment: Amendment | None = None,
) -> Vote:
    require(actor, Perm.MODERATE, error=VotingError)
    question = " ".join(spec.question.split())
    if proposal is not None and amendment is not None:
        raise VotingError(_("A vote is about one thing."))
    subject = amendment.proposal if amendment is not None else proposal
    if subject is not None:
        subject_meeting = subject.item.meeting
        if subject_meeting.panel_id != actor.panel_id or (
            meeting is not None and meeting.pk != subject_meeting.pk
        ):
            raise VotingError(_("You are not allowed to do this."))
        meeting = subject_meeting
        if not question:
            # Named after its subject: shortened to fit, as nobody wrote it.
            question = Truncator(
                _("Amendment #%(number)s to “%(title)s”")
                % {"number": amendment.pk, "title": subject.title}
                if amendment is not None
                else subject.title
            ).chars(TITLE_MAX)
    method = methods.find(spec.method)
    if subject is not None and method is not None and not method.decides_subjects:
        raise VotingError(_("Choose a method that can adopt or reject a proposal or amendment."))
    if not question:
        raise VotingError(_("Write the question that is voted on."))
    if len(question) > TITLE_MAX:
        raise VotingError(
            _("A question can be at most %(max)s characters; this one has %(count)s.")
            % {"max": TITLE_MAX, "count": number_format(len(question), force_grouping=True)}
        )
    if method is None or spec.majority not in Vote.Majority.values:
        raise VotingError(_("Choose a voting method and a majority."))
    # Options given to a method that takes none are not part of the vote.
    options = vote_options(spec.options) if method.takes_options else []
    try:
        options = method.clean_options(options) if options else options
        settings = method.clean_settings(spec.settings or {}, options)
    except BallotError as error:
        raise VotingError(str(error)) from None
    if len(options) < method.min_options:
        raise VotingError(
            _("Give at least two options.")
            if method.min_options == 2
            else _("Give at least %(min)s options.") % {"min": method.min_options}
        )
    if len(options) > method.max_options:
        raise VotingError(
            _("This voting method takes at most %(max)s options.") % {"max": method.max_options}
        )
    if spec.secret and not method.can_be_secret:
        raise VotingError(_("This voting method cannot be used for a secret ballot."))
    if not Fraction(1, 2) <= spec.qualified <= 1:
        raise VotingError(_("A qualified majority is between one half and all votes."))
    if spec.quorum_percent is not None and not 0 <= spec.quorum_percent <= 100:
        raise VotingError(_("A quorum percentage is between 0 and 100."))
    if spec.mode == Vote.Mode.LIVE and meeting is None:
        raise VotingError(_("A live vote belongs to a meeting."))
    if spec.mode == Vote.Mode.TIMED and (
        spec.closes_at is None or spec.closes_at <= timezone.now()
    ):
        raise VotingError(_("A timed vote needs a deadline in the future."))
    if meeting is not None and meeting.panel_id != actor.panel_id:
        raise VotingError(_("You are not allowed to do this."))
    with transaction.atomic():
        vote = Vote(
            panel=actor.panel,
            meeting=meeting,
            proposal=proposal if amendment is None else None,
            amendment=amendment,
            question=question,
            method=spec.method,
            majority=spec.majority,
            qualified_numerator=spec.qualified.numerator,
            qualified_denominator=spec.qualified.denominator,
            abstentions_count=spec.abstentions_count,
            # A method that decides nothing needs no quorum (and shows none).
            quorum_count=spec.quorum_count if method.takes_quorum else None,
            quorum_percent=spec.quorum_percent if method.takes_quorum else None,
            secret=spec.secret,
            settings=settings,
            mode=spec.mode,
            closes_at=spec.closes_at,
            created_by=actor,
        )
        save_with_history(vote, actor.user, "prepared")
        Option.objects.bulk_create(
            Option(vote=vote, label=label, position=index) for index, label in enumerate(options)
        )
        changes.changed(vote.meeting_id, "vote")
    return vote


def open_vote(actor: Membership, vote: Vote) -> Vote:
    require(actor, Perm.MODERATE, error=VotingError)
    with transaction.atomic():
        vote = _lock(vote, actor)
        if vote.state != State.DRAFT:
            if vote.is_open:
                return vote
            raise VotingError(_("This vote has already been held."))
        if vote.mode == Vote.Mode.LIVE:
            meeting = Meeting.objects.select_for_update().get(pk=vote.meeting_id)
            if meeting.state != Meeting.State.LIVE:
                raise VotingError(_("A live vote can only open while the meeting is live."))
            if meeting.votes.filter(state=State.OPEN, mode=Vote.Mode.LIVE).exists():
                raise VotingError(_("Close the open vote first."))
        elif vote.closes_at is None or vote.closes_at <= timezone.now():
            raise VotingError(_("A timed vote needs a deadline in the future."))
        _open_subject(actor, vote)
        vote.state = State.OPEN
        vote.opened_at = timezone.now()
        save_with_history(vote, actor.user, "opened", update_fields=["state", "opened_at"])
        if vote.mode == Vote.Mode.LIVE:
            open_roll(vote)
        elif vote.consultation_id is None:  # (a consultation tells of all its questions)
            vote_id = vote.pk
            transaction.on_commit(lambda: emails.send_vote_opened(vote_id))
        changes.changed(vote.meeting_id, "vote", "ballot")
        audit.record(
            actor,
            AuditAction.VOTE_OPENED,
            f"vote:{vote.pk}",
            panel=vote.panel_id,
            details=_audit_config(vote),
        )
    return vote


def _open_subject(actor: Membership, vote: Vote) -> None:
    if vote.amendment_id:
        amendments.open_vote_on_amendment(actor, vote.amendment)
    elif vote.proposal_id:
        proposals.open_vote_on_proposal(actor, vote.proposal)


# --- closing ------------------------------------------------------------------------------


# What apps above do when a vote has closed and been counted (the minutes: approve them,
# record the result), called in the close's transaction with the vote and who closed it
# (None: the scheduler); registered in their AppConfig.ready().
_AFTER_CLOSE: list[Callable[[Vote, Membership | None], None]] = []


def after_close(then: Callable[[Vote, Membership | None], None]) -> None:
    if then not in _AFTER_CLOSE:
        _AFTER_CLOSE.append(then)


def close_vote(
    actor: Membership | None, vote: Vote, *, written_round_until: datetime | None = None
) -> Vote:
    """Close the vote and announce the result — or first hold a written round for absentees."""
    if actor is not None:
        require(actor, Perm.MODERATE, error=VotingError)
    with transaction.atomic():
        vote = (
            _lock(vote, actor)
            if actor is not None
            else Vote.objects.select_for_update().get(pk=vote.pk)
        )
        user = actor.user if actor is not None else None
        if vote.state == State.CLOSED:
            return vote
        if vote.state not in (State.OPEN, State.WRITTEN_ROUND):
            raise VotingError(_("This vote is not open."))
        if written_round_until is not None:
            if vote.state != State.OPEN or vote.mode != Vote.Mode.LIVE:
                raise VotingError(_("Only a live vote can be followed by a written round."))
            if written_round_until <= timezone.now():
                raise VotingError(_("The written round must end in the future."))
            vote.state = State.WRITTEN_ROUND
            vote.written_round_until = written_round_until
            save_with_history(
                vote, user, "written round", update_fields=["state", "written_round_until"]
            )
            changes.changed(vote.meeting_id, "vote", "ballot")
            audit.record(
                actor,
                AuditAction.VOTE_WRITTEN_ROUND,
                f"vote:{vote.pk}",
                panel=vote.panel_id,
                details={"until": written_round_until.isoformat()},
            )
            vote_id = vote.pk
            transaction.on_commit(lambda: emails.send_vote_opened(vote_id))
            return vote
        room = RoomCount.objects.filter(vote=vote).first() if vote.counted_in_room else None
        if actor is not None and room is not None:
            room.vote = vote
            if not room.counts_now:
                # (The scheduled close counts without it; the result says it was not counted.)
                raise VotingError(_("Another moderator must first confirm the count of the room."))
        record_roll(vote)
        eligible = vote.roll.count()
        vote.result = tally(vote, eligible)
        vote.state = State.CLOSED
        vote.closed_at = timezone.now()
        save_with_history(vote, user, "closed", update_fields=["state", "closed_at", "result"])
        if vote.secret:
            # The box's last writer is now the close, not the last voter; the versions the
            # ballots left behind are vacuumed once this commits (panels/sealing.py).
            sealing.reseal(BallotBox, vote.pk)
            transaction.on_commit(lambda: sealing.vacuum(BallotBox), robust=True)
        _close_subject(vote, user)
        changes.changed(vote.meeting_id, "vote", "ballot")
        audit.record(
            actor,
            AuditAction.VOTE_CLOSED,
            f"vote:{vote.pk}",
            panel=vote.panel_id,
            details=audit_result(vote.result),
        )
        for then in _AFTER_CLOSE:
            then(vote, actor)
        if vote.consultation_id is None:  # (a consultation tells of all its questions)
            vote_id = vote.pk
            transaction.on_commit(lambda: emails.send_vote_result(vote_id))
    return vote


def _audit_config(vote: Vote) -> dict:
    """What the audit log records when a vote opens: how it will be decided."""
    return {
        "method": vote.method,
        "mode": vote.mode,
        "secret": vote.secret,
        "majority": vote.majority,
        "proposal": vote.proposal_id,
        "amendment": vote.amendment_id,
        "options": list(vote.options.order_by("position").values_list("label", flat=True)),
    }


def _close_subject(vote: Vote, user) -> None:
    outcome = vote.result["outcome"]
    if vote.amendment_id:
        amendments.decide_amendment_by_vote(vote.amendment, outcome, user)
    elif vote.proposal_id:
        proposals.decide_proposal_by_vote(vote.proposal, outcome, user)


def schedule_from_poll(actor: Membership, vote: Vote, *, title: str = "") -> Meeting:
    """Plan a meeting at the best date of a closed date poll; the members are invited as
    for any meeting. Once: asked again (a double click), it returns the meeting planned."""
    require(actor, Perm.MODERATE, error=VotingError)
    with transaction.atomic():
        vote = _lock(vote, actor)
        if vote.follow_up_meeting_id is not None:
            return vote.follow_up_meeting
        starts_at = (
            vote.vote_method.meeting_time(vote.result or {}) if vote.state == State.CLOSED else None
        )
        if starts_at is None:
            raise VotingError(_("Only a closed date poll with a best date can become a meeting."))
        title = " ".join(title.split()) or vote.question
        meeting = meetings.create_meeting(actor, title=title[:TITLE_MAX], starts_at=starts_at)
        vote.follow_up_meeting = meeting
        save_with_history(vote, actor.user, "meeting planned")
    return meeting


def close_if_due(vote: Vote) -> Vote:
    """This vote, closed first if its time is up (a timed vote or a written round).

    Before every ballot, never on a page that shows the vote: it looks at this vote alone,
    and needs no query unless the vote is due.
    """
    if past_deadline(vote):
        close_vote(None, vote)
        vote.refresh_from_db()
    return vote


def close_due_votes(now: datetime | None = None) -> list[Vote]:
    """Close timed votes and written rounds whose time is up (the scheduled command)."""
    now = now or timezone.now()
    due = Vote.objects.filter(
        Q(state=State.OPEN, mode=Vote.Mode.TIMED, closes_at__lte=now)
        | Q(state=State.WRITTEN_ROUND, written_round_until__lte=now)
    )
    return [close_vote(None, vote) for vote in due]


def send_reminders(within, now: datetime | None = None) -> int:
    """Email eligible members who have not voted in a timed vote (or written round) that
    closes within `within` (a timedelta). Each vote is reminded once. Returns emails sent."""
    now = now or timezone.now()
    sent = 0
    due = Vote.objects.filter(reminded_at__isnull=True, consultation__isnull=True).filter(
        Q(state=State.OPEN, mode=Vote.Mode.TIMED, closes_at__lte=now + within)
        | Q(state=State.WRITTEN_ROUND, written_round_until__lte=now + within)
    )
    for vote in due:
        with transaction.atomic():
            vote = Vote.objects.select_for_update().get(pk=vote.pk)
            if vote.reminded_at is not None:
                continue
            people = emails.not_voted(vote)
            vote.reminded_at = now
            vote.save(update_fields=["reminded_at"])
            transaction.on_commit(lambda v=vote, p=people: emails.send_vote_reminders(v, p))
            sent += len(people)
    return sent
