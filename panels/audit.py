"""The audit trail: one append-only chain of what was decided and who did it.

Each entry stores the hash of the entry before it and a hash over its own fields and
that previous hash, so changing or removing any entry breaks every link after it,
and `verify()` finds the first broken one. Services call `record()` inside their own
transaction, after their other locks (so the audit lock is always taken last and
cannot be part of a deadlock): the entry exists exactly when the change commits.

What the chain does not prove: the hashes are not keyed, so someone who can write the
table can cut entries off its end, or rewrite everything after some entry and compute
the hashes anew. The check codes printed on results and agreements (and a head noted
elsewhere) are what shows such a rewrite later: the printed code must still be in the
chain.

Ballot secrecy: entries about secret votes hold counts and the outcome only, never
a voter; no entry is written per ballot.

Erasure: the chain covers a salted digest of the actor's name, not the name. When a
person's data is erased the name and salt are removed (the only change the table
allows) and every hash still holds; `verify()` checks that a name still present matches
its digest and that a removed one belonged to someone who was erased.

Actors: a panel member acts through their membership; staff acting in the admin are no
member of the panel, and are recorded by name with their user id in the details
(`details["staff"]`), which is how their entries are found again when they are erased.
"""

import hashlib
import json
import secrets
from datetime import UTC
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from panels.models import AuditAction, AuditEntry, Membership, Panel, User

GENESIS = "0" * 64
# Any constant: the key of the PostgreSQL advisory lock that serialises appends.
_LOCK_KEY = 0x6B6E6F70


class Verification(NamedTuple):
    count: int
    broken: AuditEntry | None  # the first entry whose link is wrong; `.problem` says how
    head: str  # the hash of the last entry as stored (GENESIS when the log is empty)


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def name_digest(salt: str, name: str) -> str:
    """What the chain covers of the actor's name ("" when there is no actor)."""
    if not (salt or name):
        return ""
    return hashlib.sha256(f"{salt}:{name}".encode()).hexdigest()


def compute_hash(entry: AuditEntry) -> str:
    """The hash the entry must have, from its previous hash and its own fields."""
    fields = {
        "sequence": entry.sequence,
        "created_at": entry.created_at.astimezone(UTC).isoformat(),
        "panel": entry.panel_id,
        "actor_membership": entry.actor_membership_id,
        "actor": entry.actor_digest,
        "action": entry.action,
        "subject": entry.subject,
        "details": entry.details,
    }
    return hashlib.sha256((entry.prev_hash + _canonical(fields)).encode()).hexdigest()


def _lock_head() -> AuditEntry | None:
    """The last entry, read while holding the one lock that appends take in turn.

    PostgreSQL: a transaction-scoped advisory lock, then a fresh read (READ COMMITTED
    takes a new snapshot per statement, so it sees the entry a previous holder just
    committed). Locking the last row instead would not do: a waiter would get that row
    back after the other commit and miss the new one. SQLite writes one transaction at
    a time (IMMEDIATE), which already serialises appends.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    return AuditEntry.objects.order_by("-sequence").first()


def record(
    actor: Membership | User | None,
    action: str,
    subject: str,
    *,
    panel: Panel | int | None,
    details: dict | None = None,
) -> AuditEntry:
    """Append one entry. `actor` is the member who acted, a staff user (in the admin), or
    None for the scheduler and commands. `action` must be one an app registered
    (panels/audit_actions.py): ValueError otherwise, before anything is written."""
    action = AuditAction(action)
    staff = actor if isinstance(actor, User) else None
    if staff is not None:
        details = {**(details or {}), "staff": staff.pk}
        actor = None
    # Through JSON and back, so the hash is computed over what the database returns.
    details = json.loads(_canonical(details or {}))
    person = actor.user if actor is not None else staff
    name = person.name if person is not None else ""
    salt = secrets.token_hex(16) if person is not None else ""
    with transaction.atomic(savepoint=False):
        last = _lock_head()
        entry = AuditEntry(
            sequence=(last.sequence + 1) if last else 1,
            created_at=timezone.now(),
            panel_id=panel.pk if isinstance(panel, Panel) else panel,
            actor_membership_id=actor.pk if actor is not None else None,
            actor_name=name,
            actor_salt=salt,
            actor_digest=name_digest(salt, name),
            action=action,
            subject=subject,
            details=details,
            prev_hash=last.hash if last else GENESIS,
        )
        entry.hash = compute_hash(entry)
        entry.save(force_insert=True)
    return entry


def verify() -> Verification:
    """Walk the chain from the start; stop at the first entry that does not fit."""
    count = 0
    expected_prev, expected_sequence = GENESIS, 1
    broken = None
    erased = set(
        Membership.objects.filter(user__erased_at__isnull=False).values_list("pk", flat=True)
    )
    erased_staff = set(User.objects.filter(erased_at__isnull=False).values_list("pk", flat=True))
    for entry in AuditEntry.objects.order_by("sequence").iterator(chunk_size=2000):
        count += 1
        problem = None
        if entry.sequence != expected_sequence:
            problem = (
                f"sequence {entry.sequence} where {expected_sequence} was expected "
                "(an entry is missing)"
            )
        elif entry.prev_hash != expected_prev:
            problem = "its previous hash does not match the entry before it"
        elif compute_hash(entry) != entry.hash:
            problem = "its contents do not match its hash (the entry was changed)"
        elif entry.actor_name or entry.actor_salt:
            if name_digest(entry.actor_salt, entry.actor_name) != entry.actor_digest:
                problem = "its actor's name does not match the name's digest (it was changed)"
        elif entry.actor_digest and not (
            entry.actor_membership_id in erased
            if entry.actor_membership_id is not None
            else entry.details.get("staff") in erased_staff
        ):
            problem = "its actor's name was removed, but that person's data was not erased"
        if problem and broken is None:
            entry.problem = problem
            broken = entry
        expected_prev, expected_sequence = entry.hash, entry.sequence + 1
    return Verification(count, broken, expected_prev)


def forget_actor(memberships: list[int], staff: int | None = None) -> int:
    """Remove these memberships' names from the log, and the person's as staff (user id);
    their digests stay in the chain."""
    entries = Q(actor_membership_id__in=memberships)
    if staff is not None:
        entries |= Q(actor_membership_id=None, details__staff=staff)
    return AuditEntry.objects.filter(entries).forget_actor_names()


def head() -> AuditEntry | None:
    return AuditEntry.objects.order_by("-sequence").first()


def entry_for(subject: str, action: str, **details) -> AuditEntry | None:
    """The latest entry that recorded this action on this subject (to print its hash),
    optionally only among entries with these values in their details."""
    found = AuditEntry.objects.filter(subject=subject, action=action)
    found = found.filter(**{f"details__{key}": value for key, value in details.items()})
    return found.order_by("-sequence").first()
