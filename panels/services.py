"""Rules that change panels and their people.

Every function takes the acting person, checks the rule, changes data in a
transaction and records who did it and why in the history.
"""

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from panels import audit, emails
from panels.access import Perm, require
from panels.errors import PanelError
from panels.live import changes
from panels.models import (
    ROLES_VOTING_BY_DEFAULT,
    AuditAction,
    Invitation,
    Membership,
    Panel,
    Role,
    User,
    normalise_email,
)


class InvitationInvalid(PanelError):
    """An invitation link that cannot be used; `reason` picks the page to show."""

    MESSAGES = {
        "unknown": gettext_lazy(
            "This invitation link is not valid. Check that you copied it whole."
        ),
        "expired": gettext_lazy("This invitation has expired. Ask the moderator for a new one."),
        "used": gettext_lazy("This invitation has already been used."),
        "revoked": gettext_lazy("This invitation was withdrawn by the moderator."),
    }

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(str(self.MESSAGES[reason]))


def save_with_history(obj: Model, actor, reason: str, **save_kwargs) -> None:
    """Save a tracked model, recording the acting person and the reason in its history."""
    obj._history_user = actor
    obj._change_reason = reason
    obj.save(**save_kwargs)


def _lock_panel(actor: Membership, perm: Perm) -> Membership:
    """Serialise changes to a panel's people, and check the actor again under the lock.

    The last-moderator and one-pending-invitation rules read other rows, so two
    concurrent changes must not both pass the check; and the actor may have lost
    the right while waiting for the lock.
    """
    Panel.objects.select_for_update().filter(pk=actor.panel_id).first()
    fresh = Membership.objects.select_related("panel", "user").get(pk=actor.pk)
    require(fresh, perm)
    return fresh


def invite(
    actor: Membership, email: str, role: str, has_voting_rights: bool | None = None
) -> Invitation:
    """Invite an address to the actor's panel; any earlier pending invitation is replaced."""
    require(actor, Perm.MANAGE_MEMBERS)
    email = normalise_email(email)
    role = Role(role)
    if has_voting_rights is None:
        has_voting_rights = role in ROLES_VOTING_BY_DEFAULT
    panel = actor.panel
    with transaction.atomic():
        actor = _lock_panel(actor, Perm.MANAGE_MEMBERS)
        if Membership.objects.active().filter(panel=panel, user__email__iexact=email).exists():
            raise PanelError(_("%(email)s is already a member of this panel.") % {"email": email})
        now = timezone.now()
        for old in (
            Invitation.objects.pending().select_for_update().filter(panel=panel, email=email)
        ):
            old.revoked_at = now
            save_with_history(old, actor.user, "replaced by a new invitation")
        token, token_hash = Invitation.new_token()
        invitation = Invitation(
            panel=panel,
            email=email,
            role=role,
            has_voting_rights=has_voting_rights,
            token_hash=token_hash,
            invited_by=actor.user,
            expires_at=Invitation.default_expiry(),
        )
        save_with_history(invitation, actor.user, "invited")
        transaction.on_commit(lambda: emails.send_invitation(invitation, token))
    return invitation


def revoke_invitation(actor: Membership, invitation: Invitation) -> None:
    require(actor, Perm.MANAGE_MEMBERS)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk, panel=actor.panel)
        if not invitation.is_pending:
            raise PanelError(_("This invitation can no longer be withdrawn."))
        invitation.revoked_at = timezone.now()
        save_with_history(invitation, actor.user, "revoked", update_fields=["revoked_at"])


def check_invitation(token: str, *, lock: bool = False) -> Invitation:
    """The invitation behind a link, or InvitationInvalid saying why it cannot be used.

    With lock=True (inside a transaction) the row stays locked, so two tabs
    accepting the same link at once cannot both succeed.
    """
    invitations = Invitation.objects.select_related("panel")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    try:
        invitation = invitations.get_by_token(token)
    except Invitation.DoesNotExist:
        raise InvitationInvalid("unknown") from None
    if invitation.accepted_at is not None:
        raise InvitationInvalid("used")
    if invitation.revoked_at is not None:
        raise InvitationInvalid("revoked")
    if invitation.is_expired:
        raise InvitationInvalid("expired")
    return invitation


def accept_invitation(token: str, user) -> Membership:
    """Attach a logged-in person to the invitation's panel, with the invited role."""
    with transaction.atomic():
        invitation = check_invitation(token, lock=True)
        membership = Membership.objects.filter(panel=invitation.panel, user=user).first()
        if membership is not None and membership.is_active:
            raise PanelError(_("You are already a member of this panel."))
        if membership is None:
            membership = Membership(panel=invitation.panel, user=user)
        membership.role = invitation.role
        membership.has_voting_rights = invitation.has_voting_rights
        membership.is_active = True
        save_with_history(membership, user, "joined by invitation")
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        save_with_history(
            invitation, user, "accepted", update_fields=["accepted_at", "accepted_by"]
        )
        audit.record(
            membership,
            AuditAction.MEMBER_JOINED,
            f"membership:{membership.pk}",
            panel=membership.panel_id,
            details={
                "role": membership.role,
                "voting_rights": membership.has_voting_rights,
                "invitation": invitation.pk,
            },
        )
    return membership


def accept_invitation_with_new_account(token: str, name: str, password: str):
    """Create the account for the invited address and join the panel in one step."""
    with transaction.atomic():
        invitation = check_invitation(token, lock=True)
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise PanelError(
                _("An account with this email address already exists. Log in to accept.")
            )
        user = User.objects.create_user(email=invitation.email, password=password, name=name)
        membership = accept_invitation(token, user)
    return user, membership


def _is_last_moderator(membership: Membership) -> bool:
    return (
        membership.can_moderate
        and not Membership.objects.active()
        .filter(panel_id=membership.panel_id, role=Role.MODERATOR)
        .exclude(pk=membership.pk)
        .exists()
    )


def check_moderator_remains(membership: Membership, role: str, active: bool) -> None:
    """Refuse a change that would leave the membership's panel without a moderator."""
    if (Role(role) != Role.MODERATOR or not active) and _is_last_moderator(membership):
        raise PanelError(_("A panel needs at least one moderator. Appoint another first."))


def _lock_member(actor: Membership | User, membership: Membership) -> tuple:
    """The actor, checked again under the panel's lock, and the membership, locked.

    A member changes their own panel's people; staff (in the admin) any panel's.
    """
    if isinstance(actor, Membership):
        actor = _lock_panel(actor, Perm.MANAGE_MEMBERS)
    else:
        Panel.objects.select_for_update().filter(pk=membership.panel_id).first()
    panel_id = actor.panel_id if isinstance(actor, Membership) else membership.panel_id
    return actor, Membership.objects.select_for_update().get(pk=membership.pk, panel_id=panel_id)


def _person(actor: Membership | User) -> User:
    return actor.user if isinstance(actor, Membership) else actor


def change_role(
    actor: Membership | User, membership: Membership, role: str, has_voting_rights: bool
) -> Membership:
    """Change a member's role and voting rights: by a moderator of the panel, or by staff
    in the admin (the audit entry names whoever it was)."""
    require(actor, Perm.MANAGE_MEMBERS)
    role = Role(role)
    with transaction.atomic():
        actor, membership = _lock_member(actor, membership)
        check_moderator_remains(membership, role, membership.is_active)
        if membership.role == role and membership.has_voting_rights == has_voting_rights:
            return membership
        before = {"role": membership.role, "voting_rights": membership.has_voting_rights}
        membership.role = role
        membership.has_voting_rights = has_voting_rights
        save_with_history(
            membership, _person(actor), "role changed", update_fields=["role", "has_voting_rights"]
        )
        audit.record(
            actor,
            AuditAction.ROLE_CHANGED,
            f"membership:{membership.pk}",
            panel=membership.panel_id,
            details={"from": before, "to": {"role": role, "voting_rights": has_voting_rights}},
        )
        changes.membership_changed(membership.user_id, membership.panel_id)
    return membership


def set_active(actor: Membership | User, membership: Membership, active: bool) -> Membership:
    """Deactivate (or reactivate) a membership. People are never deleted from a panel."""
    require(actor, Perm.MANAGE_MEMBERS)
    with transaction.atomic():
        actor, membership = _lock_member(actor, membership)
        check_moderator_remains(membership, membership.role, active)
        if membership.is_active == active:
            return membership
        membership.is_active = active
        save_with_history(
            membership,
            _person(actor),
            "reactivated" if active else "deactivated",
            update_fields=["is_active"],
        )
        audit.record(
            actor,
            AuditAction.MEMBER_REACTIVATED if active else AuditAction.MEMBER_DEACTIVATED,
            f"membership:{membership.pk}",
            panel=membership.panel_id,
        )
        changes.membership_changed(membership.user_id, membership.panel_id)
    return membership


# --- one's own account -------------------------------------------------------------------


def set_text_size(user: User, size: str) -> None:
    """A person's own choice of text size. A display preference, like the language: it
    decides nothing in any panel, so it has no history and no audit entry."""
    user.text_size = User.TextSize(size)
    user.save(update_fields=["text_size"])
