"""Who may do what in a panel: the one place every view asks.

Outsiders (not an active member of the panel) get 404, so nothing leaks about
what exists; members without the right get 403.
"""

from collections.abc import Callable
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from panels.errors import PanelError
from panels.models import Meeting, Membership, Panel, Role, User


class Perm(StrEnum):
    VIEW_PANEL = "view_panel"
    MANAGE_MEMBERS = "manage_members"
    MODERATE = "moderate"  # plan and steer meetings, hide messages
    TAKE_PART = "take_part"  # raise a hand, post in the discussion
    DRAFT_AGREEMENTS = "draft_agreements"  # moderators and both parties' representatives


RULES: dict[Perm, Callable[[Membership], bool]] = {
    Perm.VIEW_PANEL: lambda m: m.is_active,
    Perm.MANAGE_MEMBERS: lambda m: m.can_moderate,
    Perm.MODERATE: lambda m: m.can_moderate,
    Perm.TAKE_PART: lambda m: m.can_take_part,
    Perm.DRAFT_AGREEMENTS: lambda m: (
        m.is_active and m.role in (Role.MODERATOR, Role.CORPORATION_REP, Role.TENANT_ORG_REP)
    ),
}


def has_perm(membership: Membership | None, perm: Perm) -> bool:
    return membership is not None and RULES[perm](membership)


def require(actor: Membership | User, perm: Perm, error: type[PanelError] = PanelError) -> None:
    """The services' check: refuse an actor without the right, with the calling app's own
    error (the view shows its message), where a view's check answers 403 or 404.

    The actor is a member of the panel, or staff working in the admin (`staff_may`).
    """
    allowed = has_perm(actor, perm) if isinstance(actor, Membership) else staff_may(actor, perm)
    if not allowed:
        raise error(_("You are not allowed to do this."))


# What staff may do in any panel from the admin, by the Django permission it takes there.
STAFF_RULES: dict[Perm, str] = {Perm.MANAGE_MEMBERS: "panels.change_membership"}


def staff_may(user, perm: Perm) -> bool:
    """Staff working in the admin, who are no member of the panel."""
    return (
        user.is_active
        and user.is_staff
        and perm in STAFF_RULES
        and user.has_perm(STAFF_RULES[perm])
    )


def one(queryset):
    """The one row a lookup by a unique key finds, or None.

    Not `first()`, which sorts by the primary key: on every request (each of a thousand
    ballots, a moderator's click), a sort of one row costs the ORM and the database for
    nothing.
    """
    return next(iter(queryset[:1]), None)


def get_membership(user, panel_id: int) -> Membership:
    """The user's active membership of the panel, or 404.

    One table joined, the panel: the user is the one asking (whose `is_active` is checked
    here), and the panel's parties are loaded on the few pages that name them.
    """
    if not user.is_authenticated or not user.is_active:
        raise Http404
    membership = one(
        Membership.objects.select_related("panel").filter(
            panel_id=panel_id, user=user, is_active=True
        )
    )
    if membership is None:
        raise Http404
    membership.user = user
    return membership


def panel_for(user, panel_id: int, perm: Perm = Perm.VIEW_PANEL) -> tuple[Panel, Membership]:
    """The panel and the user's membership, if the user may do `perm` there; else 404/403."""
    membership = get_membership(user, panel_id)
    if not has_perm(membership, perm):
        raise PermissionDenied
    return membership.panel, membership


def meeting_for(
    user, panel_id: int, meeting_id: int, perm: Perm = Perm.VIEW_PANEL
) -> tuple[Meeting, Membership]:
    """A meeting of a panel the user belongs to, and their membership; else 404/403."""
    panel, membership = panel_for(user, panel_id, perm)
    meeting = one(Meeting.objects.filter(panel=panel, pk=meeting_id))
    if meeting is None:
        raise Http404
    meeting.panel = panel
    return meeting, membership
