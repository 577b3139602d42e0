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
from datetime import timedelta

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from panels import audit, events
from panels.models import (
    AuditAction,
    AuditEntry,
    Invitation,
    LoginLockout,
    Meeting,
    Membership,
    Message,
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


# --- what we hold ------------------------------------------------------------------------


def _when(value) -> str | None:
    return value.isoformat() if value else None


def export(user: User) -> dict:
    """Everything we hold about this person, as plain data (served as JSON)."""
    from agreements.models import InputResponse, Signature
    from voting.models import Amendment, Participation, Proposal, Proxy

    mine = list(Membership.objects.filter(user=user).select_related("panel"))
    ids = [m.pk for m in mine]

    def proxy_row(p: Proxy) -> dict:
        given = p.principal_id in ids
        return {
            "meeting": p.meeting.title,
            "panel": p.meeting.panel.name,
            "direction": "given" if given else "held",
            "other_person": (p.holder if given else p.principal).user.name,
            "created_at": _when(p.created_at),
            "revoked_at": _when(p.revoked_at),
        }

    def vote_row(part: Participation) -> dict:
        vote = part.vote
        row = {
            "panel": vote.panel.name,
            "question": vote.question,
            "state": vote.state,
            "secret": vote.secret,
            "cast_by_you": part.voter_id in ids,
            "on_behalf_of": None if part.on_behalf_of_id in ids else part.on_behalf_of.user.name,
        }
        # A secret ballot was never stored with a name: we cannot tell what was voted.
        ballot = None if vote.secret else getattr(part, "ballot", None)
        row["ballot"] = _shown(vote, ballot)
        return row

    return {
        "format": FORMAT,
        "exported_at": timezone.now().isoformat(),
        "account": {
            "name": user.name,
            "email": user.email,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
            "staff": user.is_staff,
            "text_size": user.text_size,
        },
        "memberships": [
            {
                "panel": m.panel.name,
                "role": m.role,
                "voting_rights": m.has_voting_rights,
                "active": m.is_active,
                "joined_at": _when(m.joined_at),
            }
            for m in mine
        ],
        "invitations": [
            {
                "panel": i.panel.name,
                "role": i.role,
                "invited_at": _when(i.created_at),
                "accepted_at": _when(i.accepted_at),
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
                "posted_at": _when(m.created_at),
                "text": m.text,
                "hidden_at": _when(m.hidden_at),
            }
            for m in Message.objects.filter(author__in=ids)
            .select_related("item__meeting__panel")
            .order_by("created_at")
        ],
        "proposals": [
            {
                "panel": p.item.meeting.panel.name,
                "agenda_item": p.item.title,
                "title": p.title,
                "text": p.text,
                "version": p.version,
                "state": p.state,
                "submitted_at": _when(p.submitted_at),
            }
            for p in Proposal.objects.filter(submitter__in=ids)
            .select_related("item__meeting__panel")
            .order_by("created_at")
        ],
        "supported_proposals": list(
            Proposal.objects.filter(supporters__in=ids)
            .order_by("pk")
            .values_list("title", flat=True)
        ),
        "amendments": [
            {
                "proposal": a.proposal.title,
                "kind": a.kind,
                "new_text": a.new_text,
                "rationale": a.rationale,
                "state": a.state,
                "created_at": _when(a.created_at),
            }
            for a in Amendment.objects.filter(author__in=ids)
            .select_related("proposal")
            .order_by("created_at")
        ],
        "hands_raised": [
            {"meeting": r.meeting.title, "raised_at": _when(r.raised_at), "state": r.state}
            for r in SpeakerRequest.objects.filter(membership__in=ids)
            .select_related("meeting")
            .order_by("raised_at")
        ],
        "votes": [
            vote_row(p)
            for p in Participation.objects.filter(Q(voter__in=ids) | Q(on_behalf_of__in=ids))
            .select_related("vote__panel", "on_behalf_of__user", "ballot__option")
            .order_by("vote__opened_at", "pk")
        ],
        "proxies": [
            proxy_row(p)
            for p in Proxy.objects.filter(Q(principal__in=ids) | Q(holder__in=ids))
            .select_related("meeting__panel", "principal__user", "holder__user")
            .order_by("created_at")
        ],
        "signatures": [
            {
                "agreement": s.agreement.title,
                "version": s.version,
                "party": s.party,
                "signed_at": _when(s.signed_at),
                "voided_at": _when(s.voided_at),
            }
            for s in Signature.objects.filter(signed_by__in=ids)
            .select_related("agreement")
            .order_by("signed_at")
        ],
        "answers_for_the_corporation": [
            {
                "proposal": r.proposal.title,
                "status": r.status,
                "reasons": r.reasons,
                "answered_at": _when(r.answered_at),
            }
            for r in InputResponse.objects.filter(answered_by__in=ids).select_related("proposal")
        ],
        "shared_about_yourself": [
            {
                "panel": p.membership.panel.name,
                "age": p.age,
                "neighbourhood": p.neighbourhood,
                "household": p.household,
                "years_as_tenant": p.tenancy,
                "consent_given_at": _when(p.consented_at),
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
                "time": _when(e.created_at),
                "action": e.action,
                "subject": e.subject,
            }
            for e in AuditEntry.objects.filter(
                Q(actor_membership_id__in=ids) | Q(actor_membership_id=None, details__staff=user.pk)
            ).order_by("sequence")
        ],
        # Pauses on logging in after wrong passwords (kept a month, panels.login_limits).
        "login_lockouts": [
            {"since": _when(lock.started_at), "until": _when(lock.until)}
            for lock in LoginLockout.objects.filter(user=user).order_by("started_at")
        ],
    }


def _shown(vote, ballot) -> str | None:
    if ballot is None:
        return None
    if ballot.option_id:
        return ballot.option.label
    if ballot.ranking:
        labels = dict(vote.options.values_list("pk", "label"))
        return " > ".join(labels.get(x, "?") for x in ballot.ranking)
    return ballot.choice


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
    from voting.models import Proxy

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
        for proxy in Proxy.objects.filter(
            Q(principal__in=ids) | Q(holder__in=ids), revoked_at__isnull=True
        ).exclude(meeting__state=Meeting.State.CLOSED):
            proxy.revoked_at = now
            proxy._change_reason = "personal data erased"
            proxy.save(update_fields=["revoked_at"])
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
        _pseudonymise_named_results(ids, old_name, user.name)
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
            events.notify_membership_changed(user.pk, m.panel_id)
    return user


def _pseudonymise_named_results(ids: list[int], old_name: str, new_name: str) -> None:
    """Named votes publish [name, choice, membership id] rows: put the pseudonym in the
    person's rows, in each closed vote and in every saved version of it."""
    from voting.models import Vote

    votes = Vote.objects.filter(
        secret=False, participations__on_behalf_of__in=ids, result__isnull=False
    ).distinct()
    for vote in votes:
        for row in [vote, *vote.history.filter(result__isnull=False)]:
            named = (row.result or {}).get("named")
            if not named:
                continue
            changed = False
            for entry in named:
                if entry[2] in ids if len(entry) > 2 else entry[0] == old_name:
                    entry[0], changed = new_name, True
            if changed:
                type(row).objects.filter(pk=row.pk).update(result=row.result)


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
