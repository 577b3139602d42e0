"""Panels' models, one module per subject; Django finds them here.

| module | subject |
|---|---|
| accounts | people who log in (`User`), pauses on logging in (`LoginLockout`) |
| people | organisations, panels, roles and memberships |
| invitations | emailed links to join a panel |
| hideable | what a moderator can hide (messages here; proposals, amendments in voting) |
| meetings | meetings, the agenda and the speaker list |
| discussion | members' messages on an agenda item |
| attendance | who is in the room or on the phone, guests, and who keeps the desk |
| live | server processes with live connections, and each person's presence |
| notices | kinds of notice, and those waiting for a person's daily email |
| pulse | sealed boxes of anonymous answers, and the pulse after a meeting |
| representation | what members share about themselves, and the constituency's make-up |
| audit | the append-only audit log |
"""

from panels.audit_actions import AuditAction as AuditAction  # every app's, by name
from panels.models.accounts import LoginLockout, LoginLockoutQuerySet, User, UserManager
from panels.models.accounts import normalise_email as normalise_email
from panels.models.attendance import Attendance, DeskAppointment
from panels.models.audit import AppendOnly, AuditEntry, AuditEntryQuerySet
from panels.models.discussion import Message
from panels.models.hideable import Hideable
from panels.models.invitations import Invitation, InvitationQuerySet
from panels.models.live import LiveWorker, Presence
from panels.models.meetings import AgendaItem, Meeting, SpeakerRequest
from panels.models.notices import NoticeKind, PendingNotice
from panels.models.people import (
    ROLE_DISPLAY_ORDER,
    ROLES_VOTING_BY_DEFAULT,
    Membership,
    MembershipQuerySet,
    Organisation,
    Panel,
    Role,
)
from panels.models.pulse import PulseBox, PulseParticipation, SealedBox
from panels.models.representation import (
    ATTRIBUTE_VALUES,
    Attribute,
    ConstituencyShare,
    SharedProfile,
)

__all__ = [
    "ATTRIBUTE_VALUES",
    "ROLES_VOTING_BY_DEFAULT",
    "ROLE_DISPLAY_ORDER",
    "AgendaItem",
    "AppendOnly",
    "Attendance",
    "Attribute",
    "AuditAction",
    "AuditEntry",
    "AuditEntryQuerySet",
    "ConstituencyShare",
    "DeskAppointment",
    "Hideable",
    "Invitation",
    "InvitationQuerySet",
    "LiveWorker",
    "LoginLockout",
    "LoginLockoutQuerySet",
    "Meeting",
    "Membership",
    "MembershipQuerySet",
    "Message",
    "NoticeKind",
    "Organisation",
    "Panel",
    "PendingNotice",
    "Presence",
    "PulseBox",
    "PulseParticipation",
    "Role",
    "SealedBox",
    "SharedProfile",
    "SpeakerRequest",
    "User",
    "UserManager",
    "normalise_email",
]
