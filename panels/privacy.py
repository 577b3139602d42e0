"""Tenants' data rights (AVG): seeing what we hold about them, erasure and retention.

What we hold about a person is their account (name, email address, password hash, last
login, the text size they chose) and what they did in panels: memberships, messages,
proposals, amendments, hands raised, proxies, ballots in named votes, signatures, and
entries in the audit log.
No birth dates, addresses or phone numbers are asked for or stored.

Erasure keeps the record of what happened and removes the person from it. The `User`
row stays, under a pseudonym ("Oud-lid 7F3A2C"), with an address that cannot receive
mail and a password that cannot be used, so every contribution, named ballot, signature
and history row still points at *someone* — the same someone throughout, so a reader
can still follow a discussion — but no longer at this person. Texts they wrote stay as
written: they are part of the panel's record (a moderator can hide a text that names
them). Secret ballots were never linked to anyone and stay that way; a named vote's
published result shows the pseudonym. In the audit log only the actor's name is
removed; the chain covers its salted digest, so the log still verifies.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from post_office.models import Email as MailQueued

from panels import audit
from panels.live import changes
from panels.models import (
    Attendance,
    AuditAction,
    AuditEntry,
    Invitation,
    LoginLockout,
    Membership,
    Message,
    NoticeKind,
    Panel,
    Presence,
    PulseParticipation,
    Role,
    SharedProfile,
    SpeakerRequest,
    User,
)

FORMAT = "knoppen-personal-data/1"
ERASED_DOMAIN = "erased.invalid"  # .invalid never resolves (RFC 2606): no mail can go there


class ErasureRefused(Exception):
    pass


# --- what other apps hold ----------------------------------------------------------------
# Apps above panels (voting, agreements) keep data about a person too. Each registers, in
# its AppConfig.ready(), an exporter (its sections of the download) and an eraser (what it
# does when the person is erased), the way pretix's data shredders work: panels never
# imports the apps that own the data.


@dataclass(frozen=True)
class Erasure:
    """What an eraser is told, inside erase()'s transaction."""

    user: User  # already under the pseudonym
    membership_ids: list[int]
    old_name: str
    now: datetime


Exporter = Callable[[User, list[int]], dict[str, Any]]
Eraser = Callable[[Erasure], None]

_exporters: list[Exporter] = []
_erasers: list[Eraser] = []

# The download's sections in the order of the file (format knoppen-personal-data/1), so it
# reads the same whichever app supplies a section. A section not named here comes last.
SECTIONS = (
    "format",
    "exported_at",
    "account",
    "memberships",
    "invitations",
    "messages",
    "proposals",
    "supported_proposals",
    "amendments",
    "hands_raised",
    "attendance",
    "votes",
    "proxies",
    "signatures",
    "answers_for_the_corporation",
    "shared_about_yourself",
    "pulse_answered_for",
    "audit_log",
    "login_lockouts",
)


def register(*, exporter: Exporter | None = None, eraser: Eraser | None = None) -> None:
    """Add an app's part of the download and of erasure (idempotent)."""
    if exporter is not None and exporter not in _exporters:
        _exporters.append(exporter)
    if eraser is not None and eraser not in _erasers:
        _erasers.append(eraser)


# --- what we hold ------------------------------------------------------------------------


def when(value) -> str | None:
    """A time as the download writes it (ISO 8601), or None."""
    return value.isoformat() if value else None


def _addresses(email) -> set[str]:
    return {address.strip().lower() for address in email.to}


def export(user: User) -> dict:
    """Everything we hold about this person, as plain data (served as JSON)."""
    mine = list(Membership.objects.filter(user=user).select_related("panel"))
    ids = [m.pk for m in mine]
    sections = _own_sections(user, mine)
    for exporter in _exporters:
        sections.update(exporter(user, ids))
    order = {name: n for n, name in enumerate(SECTIONS)}
    return dict(sorted(sections.items(), key=lambda item: order.get(item[0], len(order))))


def _own_sections(user: User, mine: list[Membership]) -> dict[str, Any]:
    ids = [m.pk for m in mine]

    return {
        "format": FORMAT,
        "exported_at": timezone.now().isoformat(),
        "account": {
            "name": user.name,
            "email": user.email,
            "date_joined": when(user.date_joined),
            "last_login": when(user.last_login),
            "staff": user.is_staff,
            "text_size": user.text_size,
            "language": user.language,
            "notices": {
                **{kind: getattr(user, f"notify_{kind}") for kind in NoticeKind.values},
                "daily_email": user.notice_digest,
                "calendar_feed": bool(user.calendar_token),
            },
        },
        "memberships": [
            {
                "panel": m.panel.name,
                "role": m.role,
                "voting_rights": m.has_voting_rights,
                "active": m.is_active,
                "joined_at": when(m.joined_at),
            }
            for m in mine
        ],
        "invitations": [
            {
                "panel": i.panel.name,
                "role": i.role,
                "invited_at": when(i.created_at),
                "accepted_at": when(i.accepted_at),
            }
            for i in Invitation.objects.filter(Q(accepted_by=user) | Q(email__iexact=user.email))
            .select_related("panel")
            .order_by("created_at")
        ],
        "messages": [
            {
                "panel": m.item.meeting.panel.name,
                "meeting": m.item.meeting.title,
                "agenda_item": m.item.title,
                "posted_at": when(m.created_at),
                "text": m.text,
                "hidden_at": when(m.hidden_at),
            }
            for m in Message.objects.filter(author__in=ids)
            .select_related("item__meeting__panel")
            .order_by("created_at")
        ],
        "hands_raised": [
            {"meeting": r.meeting.title, "raised_at": when(r.raised_at), "state": r.state}
            for r in SpeakerRequest.objects.filter(membership__in=ids)
            .select_related("meeting")
            .order_by("raised_at")
        ],
        # Registered at a meeting's desk: in the room or on the phone (panels/attendance.py).
        "attendance": [
            {
                "meeting": a.meeting.title,
                "location": a.meeting.location,
                "how": a.how,
                "arrived_at": when(a.arrived_at),
                "left_at": when(a.left_at),
                "registered_by": a.registered_by.user.name if a.registered_by else None,
            }
            for a in Attendance.objects.filter(membership__in=ids)
            .select_related("meeting", "registered_by__user")
            .order_by("arrived_at")
        ],
        "shared_about_yourself": [
            {
                "panel": p.membership.panel.name,
                "age": p.age,
                "neighbourhood": p.neighbourhood,
                "household": p.household,
                "years_as_tenant": p.tenancy,
                "consent_given_at": when(p.consented_at),
            }
            for p in SharedProfile.objects.filter(membership__in=ids).select_related(
                "membership__panel"
            )
        ],
        # What they answered is stored without their name: only that they answered.
        "pulse_answered_for": list(
            PulseParticipation.objects.filter(membership__in=ids)
            .order_by("meeting__starts_at")
            .values_list("meeting__title", flat=True)
        ),
        "audit_log": [
            {
                "sequence": e.sequence,
                "time": when(e.created_at),
                "action": e.action,
                "subject": e.subject,
            }
            for e in AuditEntry.objects.filter(
                Q(actor_membership_id__in=ids)
                | Q(actor_membership_id=None, details__staff=user.pk)
                # Done about them by someone else: registered at the desk, a ballot entered.
                | Q(details__member__in=ids)
            ).order_by("sequence")
        ],
        # Pauses on logging in after wrong passwords (kept a month, panels.login_limits).
        "login_lockouts": [
            {"since": when(lock.started_at), "until": when(lock.until)}
            for lock in LoginLockout.objects.filter(user=user).order_by("started_at")
        ],
    }


# --- erasure -----------------------------------------------------------------------------


def pseudonym() -> str:
    """A name that stands for an erased person, in the site's language (it is stored)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Former member %(code)s") % {"code": secrets.token_hex(3).upper()}


def last_moderator_of(user: User) -> list[Panel]:
    """The panels that would be left without a moderator if this person left."""
    panels = []
    for m in (
        Membership.objects.active().filter(user=user, role=Role.MODERATOR).select_related("panel")
    ):
        others = (
            Membership.objects.active()
            .filter(panel_id=m.panel_id, role=Role.MODERATOR)
            .exclude(pk=m.pk)
        )
        if not others.exists():
            panels.append(m.panel)
    return panels


def erase(user: User, *, requested_by: str) -> User:
    """Erase the person's personal data; keep what they did, under a pseudonym.

    `requested_by` is "member" (they asked, on their account page), "staff" (an
    administrator carried out a request made another way) or "retention" (inactive for
    longer than the retention period). A member cannot leave a panel without a
    moderator; staff can, since a request under the AVG must be carried out.
    """
    with transaction.atomic():
        memberships = list(Membership.objects.filter(user=user).order_by("panel_id"))
        # The same lock the panel's people changes take (see services._lock_panel).
        list(
            Panel.objects.select_for_update()
            .filter(pk__in=[m.panel_id for m in memberships])
            .order_by("pk")
        )
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.erased_at is not None:
            return user
        if requested_by == "member" and last_moderator_of(user):
            raise ErasureRefused(
                _("You are the last moderator of a panel. Appoint another moderator first.")
            )
        ids = [m.pk for m in memberships]
        old_name, old_email, now = user.name, user.email, timezone.now()

        user.name = pseudonym()
        user.email = f"erased-{secrets.token_hex(8)}@{ERASED_DOMAIN}"
        user.set_unusable_password()  # also ends every session (the session hash changes)
        user.is_active = user.is_staff = user.is_superuser = False
        user.last_login = None
        user.erased_at = now
        user.text_size = User.TextSize.NORMAL  # it may hint at their eyesight: back to the default
        user.save()
        user.groups.clear()
        user.user_permissions.clear()

        for m in memberships:
            if m.is_active:
                m.is_active = False
                m._change_reason = "personal data erased"
                m.save(update_fields=["is_active"])
        # Where they were about to act: hands down, proxies in meetings to come revoked.
        SpeakerRequest.objects.filter(
            membership__in=ids, state__in=SpeakerRequest.OPEN_STATES
        ).update(state=SpeakerRequest.State.WITHDRAWN, ended_at=now)
        Presence.objects.filter(membership__in=ids).delete()
        SharedProfile.objects.filter(membership__in=ids).delete()  # age band, neighbourhood…
        LoginLockout.objects.filter(user=user).delete()

        # Copies of the name and the address elsewhere.
        for invitation in Invitation.objects.filter(
            Q(accepted_by=user) | Q(email__iexact=old_email)
        ):
            invitation.email = user.email
            if invitation.is_pending:
                invitation.revoked_at = now
            invitation.save(update_fields=["email", "revoked_at"])
        Invitation.history.filter(email__iexact=old_email).update(email=user.email)
        # The mail queue's copies of what was sent to them (and what waits to be).
        user.pending_notices.all().delete()
        user.calendar_token = None
        user.save(update_fields=["calendar_token"])
        mailed = MailQueued.objects.filter(to__icontains=old_email)
        mailed.filter(pk__in=[m.pk for m in mailed if old_email.lower() in _addresses(m)]).delete()
        erasure = Erasure(user=user, membership_ids=ids, old_name=old_name, now=now)
        for eraser in _erasers:
            eraser(erasure)
        LogEntry.objects.filter(
            Q(content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk))
            | Q(content_type=ContentType.objects.get_for_model(Membership), object_id__in=ids)
        ).update(object_repr=user.name, change_message="")
        audit.forget_actor(ids, staff=user.pk)
        for m in memberships:
            audit.record(
                None,
                AuditAction.PERSON_ERASED,
                f"membership:{m.pk}",
                panel=m.panel_id,
                details={"requested_by": requested_by},
            )
            changes.membership_changed(user.pk, m.panel_id)
    return user


# --- retention ---------------------------------------------------------------------------


def inactive_people(days: int):
    """People without an active membership whose last sign of life (login, joining,
    a change to one of their memberships) is more than `days` days ago. Staff are
    left alone: their accounts are managed by the organisations."""
    cutoff = timezone.now() - timedelta(days=days)
    last_change = (
        Membership.history.filter(user_id=OuterRef("pk"))
        .order_by()
        .values("user_id")
        .annotate(last=Max("history_date"))
        .values("last")
    )
    people = (
        User.objects.filter(erased_at__isnull=True, is_staff=False, is_superuser=False)
        .exclude(memberships__is_active=True)
        .filter(date_joined__lt=cutoff)
        .filter(Q(last_login__isnull=True) | Q(last_login__lt=cutoff))
        .annotate(last_change=Subquery(last_change))
        .filter(Q(last_change__isnull=True) | Q(last_change__lt=cutoff))
    )
    return people.order_by("pk")


def stale_invitations(days: int):
    """Invitations never accepted that expired or were withdrawn more than `days` ago."""
    cutoff = timezone.now() - timedelta(days=days)
    return Invitation.objects.filter(accepted_at__isnull=True).filter(
        Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff)
    )


def apply_retention(days: int, *, dry_run: bool = False) -> tuple[int, int]:
    """Erase inactive people and delete stale invitations (and their history).
    Returns how many of each; `dry_run` only counts."""
    people = list(inactive_people(days))
    invitations = stale_invitations(days)
    invitation_ids = list(invitations.values_list("pk", flat=True))
    if dry_run:
        return len(people), len(invitation_ids)
    for person in people:
        erase(person, requested_by="retention")
    with transaction.atomic():
        Invitation.objects.filter(pk__in=invitation_ids).delete()
        # After the rows: deleting a row writes one more history row, with the address.
        Invitation.history.filter(id__in=invitation_ids).delete()
    return len(people), len(invitation_ids)
