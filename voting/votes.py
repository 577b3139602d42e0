"""Rules for votes: preparing, opening, casting, closing, proxies.

One member, one vote (plus one per proxy held) is enforced by the database
(a unique constraint on participation) and by checking the vote's state under
a row lock in the same transaction. A retried submission with the same key
gets the same answer. In a secret vote the participation is all that is stored
about the person: the ballot goes into the vote's sealed box with every other
ballot (panels/sealing.py), and the voter's receipt code, derived from their
submission key (stored only as a hash), proves to them that it was counted.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from panels import audit, sealing
from panels.access import Perm, require
from panels.live import changes, presence
from panels.models import AuditAction, Meeting, Membership, Presence, Role
from panels.services import save_with_history
from voting import counting, emails, methods
from voting import services as proposals
from voting.methods import OPTIONS_MAX, BallotError
from voting.models import (
    TITLE_MAX,
    Amendment,
    Ballot,
    BallotBox,
    Option,
    Participation,
    Proposal,
    Proxy,
    RollEntry,
    Vote,
)
from voting.services import VotingError

State = Vote.State
KEY_MAX = 100


def outcome_label(code: str | None) -> str:
    """A result's outcome in words (results store the code)."""
    return {
        counting.ADOPTED: _("Adopted"),
        counting.REJECTED: _("Rejected"),
        counting.NO_QUORUM: _("Quorum not reached"),
        counting.TIE: _("Tie: no decision"),
    }.get(code or "", "")


def _lock(vote: Vote, actor: Membership) -> Vote:
    """The vote, locked against every other change until the transaction ends."""
    locked = Vote.objects.select_for_update(of=("self",)).select_related("panel").get(pk=vote.pk)
    if locked.panel_id != actor.panel_id:
        raise VotingError(_("You are not allowed to do this."))
    return locked


def _lock_shared(vote: Vote, actor: Membership) -> Vote:
    """The vote, held in its state (open, or not) until the transaction ends.

    For casting: ballots take a shared lock, so a thousand of them go in side by side,
    while opening and closing (`_lock`, FOR UPDATE) wait until the ballots in progress are
    in, and ballots that come after see the vote closed. One ballot per member is the
    database's unique constraint, not this lock. (SQLite has no row locks: it writes one
    transaction at a time anyway.)
    """
    if connection.vendor == "postgresql":
        # Django has no FOR SHARE: the row, read and locked in one statement.
        found = list(
            Vote.objects.raw('SELECT * FROM "voting_vote" WHERE "id" = %s FOR SHARE', [vote.pk])
        )
        if not found:
            raise Vote.DoesNotExist
        locked = found[0]
    else:
        locked = Vote.objects.get(pk=vote.pk)
    if locked.panel_id != actor.panel_id:
        raise VotingError(_("You are not allowed to do this."))
    # The panel's settings and the meeting are not what the lock holds: reuse them if loaded.
    for relation in (Vote.panel, Vote.meeting):
        if relation.is_cached(vote):
            relation.field.set_cached_value(locked, relation.field.get_cached_value(vote))
    return locked


def _push(vote: Vote, *names: str, personal_for=()) -> None:
    if vote.meeting_id:
        changes.changed(vote.meeting, *(names or ("vote",)), personal_for=personal_for)


# --- who may vote -----------------------------------------------------------------


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


def _present_ids(meeting_id: int) -> set[int]:
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
    """The vote is still marked open, but its time is up (it closes on the next access)."""
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
        raise VotingError(_("A proposal or an amendment is voted for, against or abstaining."))
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
            quorum_count=spec.quorum_count,
            quorum_percent=spec.quorum_percent,
            secret=spec.secret,
            mode=spec.mode,
            closes_at=spec.closes_at,
            created_by=actor,
        )
        save_with_history(vote, actor.user, "prepared")
        Option.objects.bulk_create(
            Option(vote=vote, label=label, position=index) for index, label in enumerate(options)
        )
        _push(vote, "vote")
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
            # The roll so far: eligible members present, and those a present holder represents.
            present = _present_ids(vote.meeting_id)
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
        _push(vote, "vote", "ballot")
        audit.record(
            actor,
            AuditAction.VOTE_OPENED,
            f"vote:{vote.pk}",
            panel=vote.panel_id,
            details=_audit_config(vote),
        )
    return vote


def _open_subject(actor: Membership, vote: Vote) -> None:
    """The order rule: amendments are decided before the proposal they amend."""
    if vote.amendment_id:
        proposal, amendment = proposals._lock_amendment(vote.amendment)
        if amendment.state not in Amendment.OPEN_STATES or not proposal.is_open:
            raise VotingError(_("This amendment can no longer be voted on."))
        if amendment.state == Amendment.State.PENDING:
            amendment.state = Amendment.State.TO_VOTE
            save_with_history(amendment, actor.user, "put to the vote", update_fields=["state"])
    elif vote.proposal_id:
        proposal = proposals._lock(vote.proposal)
        if proposal.state not in (Proposal.State.SUBMITTED, Proposal.State.ON_FLOOR):
            raise VotingError(_("This proposal cannot be voted on now."))
        if proposal.amendments.filter(
            state__in=Amendment.OPEN_STATES, hidden_at__isnull=True
        ).exists():
            raise VotingError(
                _("First decide on the open amendments to this proposal: they are voted first.")
            )
        proposal.state = Proposal.State.IN_VOTE
        save_with_history(proposal, actor.user, "vote opened", update_fields=["state"])


# --- casting ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cast:
    receipt: str | None  # secret votes: the code the voter can check after close
    repeated: bool  # the same submission arrived again


def receipt_code(vote_id: int, key: str) -> str:
    digest = (
        hmac.new(settings.SECRET_KEY.encode(), f"receipt:{vote_id}:{key}".encode(), hashlib.sha256)
        .hexdigest()[:12]
        .upper()
    )
    return "-".join(digest[i : i + 4] for i in range(0, 12, 4))


def receipt_hash(vote_id: int, code: str) -> str:
    return hashlib.sha256(f"{vote_id}:{code.strip().upper()}".encode()).hexdigest()


RECEIPT_MAX = 40  # a code is 14 characters; room for spaces around it, not for a book


def published_receipts(vote: Vote) -> list[str]:
    """The receipt hashes a closed secret vote's result lists: one per counted ballot.

    (Results published before receipts stopped naming the choice hold [hash, choice]
    pairs; only the hash is read, and shown, from those.)
    """
    listed = (vote.result or {}).get("receipts", []) if vote.secret else []
    return [entry[0] if isinstance(entry, list) else entry for entry in listed]


def receipt_counted(vote: Vote, code: str) -> bool:
    """Whether the ballot this receipt code was given for is in the count.

    All a receipt can prove, to whoever holds it: that a ballot was counted. The count
    keeps no link from a receipt to a choice, so it never shows what was voted.
    """
    code = (code or "").strip()
    if not code or len(code) > RECEIPT_MAX:
        return False
    return receipt_hash(vote.pk, code) in set(published_receipts(vote))


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _ballot_fields(vote: Vote, value: dict) -> dict:
    """A valid ballot as plain data: a named vote's `Ballot` fields, a secret vote's box entry."""
    try:
        return vote.vote_method.clean(value, vote)
    except BallotError as error:
        raise VotingError(str(error)) from None


def cast_ballot(
    actor: Membership,
    vote: Vote,
    ballot: dict | None = None,
    *,
    on_behalf_of: Membership | None = None,
    choice: str | None = None,
    option_id: int | None = None,
    ranking: list[int] | None = None,
    key: str,
) -> Cast:
    """Cast (or, in a named vote, change) one ballot; idempotent for the same key.

    The ballot is what the vote's method parsed (voting/methods/), or given field by field
    (`choice`, `option_id`, `ranking`); either way the method checks it here.
    """
    if ballot is None:
        ballot = {"choice": choice, "option_id": option_id, "ranking": ranking or []}
    key = (key or "").strip()
    if not 16 <= len(key) <= KEY_MAX:
        raise VotingError(_("This form is out of date. Reload the page and vote again."))
    on_behalf_of = on_behalf_of or actor
    with transaction.atomic():
        vote = _lock_shared(vote, actor)
        fields, participation = _first_ballot(vote, actor, on_behalf_of, key, ballot)
        for _attempt in range(0 if participation else 2):
            existing = (
                Participation.objects.select_for_update()
                .filter(vote=vote, on_behalf_of=on_behalf_of)
                .first()
            )
            if existing is not None and existing.key_hash == _key_hash(key):
                return _repeated(vote, key)
            if not vote.is_open or past_deadline(vote):
                raise VotingError(_("This vote is not open."))
            fields = _ballot_fields(vote, ballot)
            if existing is not None:
                if vote.secret or existing.voter_id != actor.pk:
                    raise VotingError(_("This vote has already been cast."))
                # A named vote may be changed until it closes.
                Ballot.objects.filter(participation=existing).update(**fields)
                existing.key_hash = _key_hash(key)
                existing.save(update_fields=["key_hash"])
                _push(vote, "vote", personal_for=[actor.user_id])
                return Cast(None, repeated=False)
            if on_behalf_of.pk not in {m.pk for m in capacities(vote, actor)}:
                raise VotingError(_("You cannot vote in this vote (for this person)."))
            try:
                with transaction.atomic():
                    participation = Participation.objects.create(
                        vote=vote, voter=actor, on_behalf_of=on_behalf_of, key_hash=_key_hash(key)
                    )
                break
            except IntegrityError:
                # Another request for this member got in first (ballots go in side by side):
                # look again, and answer as if this one had come second.
                continue
        if participation is None:
            raise VotingError(_("This vote has already been cast."))
        code = None
        if not vote.secret:
            Ballot.objects.create(vote=vote, participation=participation, **fields)
        if vote.mode == Vote.Mode.LIVE:
            # On the roll if not yet (arrived after the vote opened): one statement, no lookup.
            RollEntry.objects.bulk_create(
                [RollEntry(vote=vote, member=on_behalf_of)], ignore_conflicts=True
            )
        if vote.secret:
            code = receipt_code(vote.pk, key)
            # Last: it holds the box's lock until the commit (ballots queue for it).
            sealing.put(BallotBox, vote.pk, ballots=fields, receipts=receipt_hash(vote.pk, code))
        # Turnout (a burst); of the voter's own bits only "you have voted" changed.
        changes.changed(
            vote.meeting_id,
            "vote",
            personal_for=[actor.user_id],
            personal_names=["my_vote"],
            burst=True,
        )
    return Cast(code, repeated=False)


def cast_ballots(
    actor: Membership, vote: Vote, ballot: dict, *, for_ids: list[int | None], key: str
) -> tuple[list[tuple[Membership, str]], list[str]]:
    """One submitted ballot, cast for each person asked (the actor, and principals whose
    proxy they hold), each on its own: one refusal does not stop the others.

    Returns the receipt codes (secret votes) by person, and the refusals in words.
    """
    receipts: list[tuple[Membership, str]] = []
    errors: list[str] = []
    people = {actor.pk: actor}
    if any(target != actor.pk for target in for_ids):  # for someone else: a proxy
        people |= {m.pk: m for m in capacities(vote, actor)}
    for index, target in enumerate(for_ids):
        person = people.get(target)
        if person is None:
            errors.append(_("You cannot vote in this vote (for this person)."))
            continue
        try:
            # One submission may cast for several people: each gets its own key.
            cast = cast_ballot(
                actor, vote, ballot, on_behalf_of=person, key=f"{key}:{index}" if index else key
            )
        except VotingError as error:
            errors.append(str(error))
        else:
            if cast.receipt:
                receipts.append((person, cast.receipt))
    return receipts, errors


def _first_ballot(
    vote: Vote,
    actor: Membership,
    on_behalf_of: Membership,
    key: str,
    ballot: dict,
) -> tuple[dict, Participation | None]:
    """The common case without looking first: this member's first ballot, inserted at once.

    Returns the ballot's fields and the participation; no participation when this is not a
    first ballot that may go in (a repeat, a change, a refusal): `cast_ballot` then looks
    at what is there and decides, as it does for every other case.
    """
    if not vote.is_open or past_deadline(vote):
        return {}, None
    if on_behalf_of.pk not in {m.pk for m in capacities(vote, actor)}:
        return {}, None
    fields = _ballot_fields(vote, ballot)
    try:
        with transaction.atomic():
            participation = Participation.objects.create(
                vote=vote, voter=actor, on_behalf_of=on_behalf_of, key_hash=_key_hash(key)
            )
    except IntegrityError:  # there is one already: a repeat or a change
        return fields, None
    return fields, participation


def _repeated(vote: Vote, key: str) -> Cast:
    """The same submission again (a double click, a retry after a lost answer)."""
    return Cast(receipt_code(vote.pk, key) if vote.secret else None, repeated=True)


def voted_for(vote: Vote, voter: Membership) -> set[int]:
    """The members this person has already voted for in this vote."""
    return set(vote.participations.filter(voter=voter).values_list("on_behalf_of_id", flat=True))


# --- closing and counting -----------------------------------------------------------------


def rule_of(vote: Vote) -> counting.Rule:
    return counting.Rule(
        majority=vote.majority,
        fraction=Fraction(vote.qualified_numerator, vote.qualified_denominator),
        abstentions_count=vote.abstentions_count,
        quorum_count=vote.quorum_count,
        quorum_share=Fraction(vote.quorum_percent, 100) if vote.quorum_percent else None,
    )


def ballots(vote: Vote) -> list[dict]:
    """What was voted, ballot by ballot, as `_ballot_fields` made it: a named vote's in the
    order of its ballots' random ids, a secret vote's in sorted order (as its box keeps it)."""
    if vote.secret:
        return sealing.read(BallotBox, vote.pk).get("ballots", [])
    return list(vote.ballots.values("choice", "option_id", "ranking"))


def tally(vote: Vote, eligible: int) -> dict:
    """Count the ballots: a plain dict, stored as the result and shown as it is."""
    method = vote.vote_method
    options = list(vote.options.all())
    counted = method.count(ballots(vote), options, eligible, rule_of(vote))
    result = (
        {"method": vote.method, "secret": vote.secret}
        | counted.fields
        | {
            "cast": counted.cast,
            "eligible": eligible,
            "quorum_needed": counted.quorum_needed,
            "outcome": counted.outcome,
        }
    )
    labels = {o.pk: o.label for o in options}

    def shown(ballot: Ballot) -> str:
        value = {"choice": ballot.choice, "option_id": ballot.option_id, "ranking": ballot.ranking}
        return method.shown(value, labels)

    if vote.secret:
        # That each receipt's ballot is in the count; never what it was.
        result["receipts"] = sorted(sealing.read(BallotBox, vote.pk).get("receipts", []))
    else:
        # [name, choice, membership id]: the id lets erasure find the row to pseudonymise,
        # and the audit log binds ids and choices (not names, which erasure changes).
        named = vote.ballots.select_related("participation__on_behalf_of__user")
        result["named"] = sorted(
            [b.participation.on_behalf_of.user.name, shown(b), b.participation.on_behalf_of_id]
            for b in named
        )
    return result


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
            _push(vote, "vote", "ballot")
            audit.record(
                actor,
                AuditAction.VOTE_WRITTEN_ROUND,
                f"vote:{vote.pk}",
                panel=vote.panel_id,
                details={"until": written_round_until.isoformat()},
            )
            return vote
        _record_roll(vote)
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
        _push(vote, "vote", "ballot")
        audit.record(
            actor,
            AuditAction.VOTE_CLOSED,
            f"vote:{vote.pk}",
            panel=vote.panel_id,
            details=_audit_result(vote.result),
        )
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


# Never copied into the audit log: who voted what (named) and the receipts (secret).
_PER_BALLOT = ("named", "receipts")


def result_sha256(result: dict) -> str:
    """The hash of the published result that the audit log keeps. A named vote's rows
    count as (membership id, choice): who voted what is bound, and stays checkable after
    an erased member's name in the result has become a pseudonym."""
    bound = result | (
        {"named": sorted([row[2], row[1]] for row in result["named"])} if "named" in result else {}
    )
    published = json.dumps(bound, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(published.encode()).hexdigest()


def _audit_result(result: dict) -> dict:
    """What the audit log records when a vote closes: the counts and the outcome, and a
    hash of the whole published result (so the per-ballot lists are bound, not copied)."""
    summary = {key: value for key, value in result.items() if key not in _PER_BALLOT}
    return summary | {"result_sha256": result_sha256(result)}


def _record_roll(vote: Vote) -> None:
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


def _close_subject(vote: Vote, user) -> None:
    outcome = vote.result["outcome"]
    if vote.amendment_id:
        proposal, amendment = proposals._lock_amendment(vote.amendment)
        if not amendment.is_open:
            return
        if outcome == counting.ADOPTED:
            try:
                proposals.apply_amendment(proposal, amendment, Amendment.State.ADOPTED, user)
            except VotingError:
                # Adopted, but it no longer fits the text: record the decision, keep the text.
                amendment.state = Amendment.State.ADOPTED
                amendment.decided_at = timezone.now()
                save_with_history(
                    amendment,
                    user,
                    "adopted (not applicable)",
                    update_fields=["state", "decided_at"],
                )
        else:
            proposals.reject_amendment(proposal, amendment, user)
    elif vote.proposal_id:
        proposal = proposals._lock(vote.proposal)
        if proposal.state != Proposal.State.IN_VOTE:
            return
        proposal.state = (
            Proposal.State.ADOPTED if outcome == counting.ADOPTED else Proposal.State.REJECTED
        )
        save_with_history(proposal, user, f"vote: {outcome}", update_fields=["state"])
        proposals._changed(proposal)
        decided = proposal.pk
        changes.after_commit(lambda: emails.send_proposal_decided(decided))


def close_if_due(vote: Vote) -> Vote:
    """This vote, closed first if its time is up (a timed vote or a written round).

    On every ballot and vote page: it looks at this vote alone, and needs no query
    unless the vote is due.
    """
    if past_deadline(vote):
        close_vote(None, vote)
        vote.refresh_from_db()
    return vote


def close_due_votes(now: datetime | None = None) -> list[Vote]:
    """Close timed votes and written rounds whose time is up (the cron command, and on access)."""
    now = now or timezone.now()
    due = Vote.objects.filter(
        Q(state=State.OPEN, mode=Vote.Mode.TIMED, closes_at__lte=now)
        | Q(state=State.WRITTEN_ROUND, written_round_until__lte=now)
    )
    return [close_vote(None, vote) for vote in due]


# --- proxies -------------------------------------------------------------------------------


def give_proxy(principal: Membership, meeting: Meeting, holder: Membership) -> Proxy:
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
        proxy = Proxy(meeting=meeting, principal=principal, holder=holder)
        save_with_history(proxy, principal.user, "given")
        changes.changed(meeting, "vote", personal_for=[principal.user_id, holder.user_id])
    return proxy


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


def send_reminders(within, now: datetime | None = None) -> int:
    """Email eligible members who have not voted in a timed vote (or written round) that
    closes within `within` (a timedelta). Each vote is reminded once. Returns emails sent."""
    from voting import emails

    now = now or timezone.now()
    sent = 0
    due = Vote.objects.filter(reminded_at__isnull=True).filter(
        Q(state=State.OPEN, mode=Vote.Mode.TIMED, closes_at__lte=now + within)
        | Q(state=State.WRITTEN_ROUND, written_round_until__lte=now + within)
    )
    for vote in due:
        with transaction.atomic():
            vote = Vote.objects.select_for_update().get(pk=vote.pk)
            if vote.reminded_at is not None:
                continue
            done = set(vote.participations.values_list("on_behalf_of_id", flat=True))
            people = [m for m in eligible_members(vote.panel) if m.pk not in done]
            vote.reminded_at = now
            vote.save(update_fields=["reminded_at"])
            transaction.on_commit(lambda v=vote, p=people: emails.send_vote_reminders(v, p))
            sent += len(people)
    return sent
