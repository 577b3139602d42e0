"""Casting ballots: one member, one vote (plus one per proxy held), submission keys, and
the receipts of a secret vote.

One member, one vote is enforced by the database (a unique constraint on participation)
and by checking the vote's state under a row lock in the same transaction. A retried
submission with the same key gets the same answer. In a secret vote the participation is
all that is stored about the person: the ballot goes into the vote's sealed box with every
other ballot (panels/sealing.py), and the voter's receipt code, derived from their
submission key (stored only as a hash), proves to them that it was counted.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from panels import audit, sealing
from panels.live import changes
from panels.models import Membership
from voting import eligibility, lifecycle
from voting.audit_actions import VotingAction
from voting.eligibility import capacities, past_deadline
from voting.errors import VotingError
from voting.methods import BallotError
from voting.models import Ballot, BallotBox, Participation, RollEntry, Vote

KEY_MAX = 100


def new_key() -> str:
    """A fresh submission key for a ballot form: one per form shown."""
    return secrets.token_hex(16)


def _lock_shared(vote: Vote, actor: Membership) -> Vote:
    """The vote, held in its state (open, or not) until the transaction ends.

    For casting: ballots take a shared lock, so a thousand of them go in side by side,
    while opening and closing (voting/lifecycle.py, FOR UPDATE) wait until the ballots in
    progress are in, and ballots that come after see the vote closed. One ballot per member is the
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
    at_desk: Membership | None = None,
) -> Cast:
    """Cast (or, in a named vote, change) one ballot; idempotent for the same key.

    The ballot is what the vote's method parsed (voting/methods/), or given field by field
    (`choice`, `option_id`, `ranking`); either way the method checks it here. `at_desk`:
    the member at the meeting's desk who asked the actor (who keeps the desk) to enter it,
    for themselves or for a principal whose proxy they hold (voting/desk.py checks the
    rest).
    """
    if ballot is None:
        ballot = {"choice": choice, "option_id": option_id, "ranking": ranking or []}
    key = (key or "").strip()
    if not 16 <= len(key) <= KEY_MAX:
        raise VotingError(_("This form is out of date. Reload the page and vote again."))
    on_behalf_of = on_behalf_of or actor
    with transaction.atomic():
        vote = _lock_shared(vote, actor)
        fields, participation = _first_ballot(vote, actor, on_behalf_of, key, ballot, at_desk)
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
                changes.changed(vote.meeting_id, "vote", personal_for=[actor.user_id])
                return Cast(None, repeated=False)
            if not _may_cast(vote, actor if at_desk is None else at_desk, on_behalf_of):
                raise VotingError(_("You cannot vote in this vote (for this person)."))
            if (
                vote.counted_in_room
                and on_behalf_of.pk in eligibility.in_room(vote)
                and eligibility.room_places_left(vote) <= 0
            ):
                raise VotingError(
                    _(
                        "The count of the room already includes everyone in the room who "
                        "had not voted: a ballot from the room now would count twice."
                    )
                )
            try:
                with transaction.atomic():
                    participation = Participation.objects.create(
                        vote=vote,
                        voter=actor,
                        on_behalf_of=on_behalf_of,
                        key_hash=_key_hash(key),
                        at_desk=at_desk is not None,
                    )
                break
            except IntegrityError:
                # Another request for this member got in first (ballots go in side by side):
                # look again, and answer as if this one had come second.
                continue
        if participation is None:
            raise VotingError(_("This vote has already been cast."))
        if at_desk is not None:
            # That a ballot was entered for the member, and by whom: never what it says.
            audit.record(
                actor,
                VotingAction.BALLOT_AT_DESK,
                f"vote:{vote.pk}",
                panel=vote.panel_id,
                details={"member": on_behalf_of.pk}
                | ({"holder": at_desk.pk} if at_desk.pk != on_behalf_of.pk else {}),
            )
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
            personal_for=[actor.user_id, *([on_behalf_of.user_id] if at_desk else [])],
            personal_names=["my_vote"],
            burst=True,
        )
    return Cast(code, repeated=False)


def cast_ballots(
    actor: Membership, vote: Vote, ballot: dict, *, for_ids: list[int | None], key: str
) -> tuple[list[tuple[Membership, str]], list[str]]:
    """One submitted ballot, cast for each person asked (the actor, and principals whose
    proxy they hold), each on its own: one refusal does not stop the others.

    Returns the receipt codes (secret votes) by person, and the refusals in words. A vote
    whose time is up is closed first (the first write after its deadline closes it, if the
    scheduled command has not yet), and takes no ballot.
    """
    receipts: list[tuple[Membership, str]] = []
    errors: list[str] = []
    lifecycle.close_if_due(vote)
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
    at_desk: Membership | None = None,
) -> tuple[dict, Participation | None]:
    """The common case without looking first: this member's first ballot, inserted at once.

    Returns the ballot's fields and the participation; no participation when this is not a
    first ballot that may go in (a repeat, a change, a refusal): `cast_ballot` then looks
    at what is there and decides, as it does for every other case.
    """
    if not vote.is_open or past_deadline(vote) or vote.counted_in_room or at_desk is not None:
        return {}, None
    if on_behalf_of.pk not in {m.pk for m in capacities(vote, actor)}:
        return {}, None
    fields = _ballot_fields(vote, ballot)
    # None when there is one already: a repeat or a change.
    return fields, _insert_unless_there(vote, actor, on_behalf_of, key)


def _insert_unless_there(
    vote: Vote, actor: Membership, on_behalf_of: Membership, key: str
) -> Participation | None:
    """The member's participation, inserted unless they have one (then None).

    One statement, INSERT … ON CONFLICT DO NOTHING (both databases have it), where an
    insert that may fail needs a savepoint around it: three round trips, and the ORM's
    compiling of the insert, on each of a thousand ballots (docs/performance.md).
    """
    fields = {
        "vote_id": vote.pk,
        "voter_id": actor.pk,
        "on_behalf_of_id": on_behalf_of.pk,
        "key_hash": _key_hash(key),
        "at_desk": False,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO "voting_participation" '
            '("vote_id", "voter_id", "on_behalf_of_id", "key_hash", "at_desk") '
            'VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING "id"',
            list(fields.values()),
        )
        row = cursor.fetchone()
    if row is None:
        return None
    participation = Participation(pk=row[0], **fields)
    participation._state.adding, participation._state.db = False, connection.alias
    return participation


def _may_cast(vote: Vote, voter: Membership, on_behalf_of: Membership) -> bool:
    """Whether this person may cast this ballot: as themselves, or as a proxy holder."""
    return on_behalf_of.pk in {m.pk for m in capacities(vote, voter)}


def _repeated(vote: Vote, key: str) -> Cast:
    """The same submission again (a double click, a retry after a lost answer)."""
    return Cast(receipt_code(vote.pk, key) if vote.secret else None, repeated=True)


def voted_for(vote: Vote, voter: Membership) -> set[int]:
    """The members this person has already voted for in this vote."""
    return set(vote.participations.filter(voter=voter).values_list("on_behalf_of_id", flat=True))
