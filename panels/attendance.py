"""The desk of a meeting: who is in the room or on the phone, guests, and who keeps the desk.

Tenants without a device count like everyone online. A member the desk marks as present
gets a `Presence` row of the meeting's desk (a live worker that never goes silent:
presence.desk_worker), so the presence list, the quorum, the roll of a live vote and
casting a ballot on their behalf all see them as they see a connected phone: one mechanism,
no second kind of "present" to keep in step. The `Attendance` row is the record (who
registered whom, when they came and left); it stays after the meeting, for its minutes.

A moderator keeps the desk, or a member a moderator appointed for the meeting. Every
registration is audited.
"""

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from panels import audit
from panels.access import Perm, has_perm, require
from panels.live import changes, presence
from panels.meetings import MeetingError, lock, require_not_closed
from panels.models import (
    Attendance,
    AuditAction,
    DeskAppointment,
    LiveWorker,
    Meeting,
    Membership,
    Presence,
)
from panels.models.attendance import GUEST_NAME_MAX
from panels.services import save_with_history

How = Attendance.How


def may_keep_desk(membership: Membership | None, meeting: Meeting) -> bool:
    """A moderator of the meeting's panel, or a member appointed to its desk."""
    if membership is None or membership.panel_id != meeting.panel_id or not membership.is_active:
        return False
    if has_perm(membership, Perm.MODERATE):
        return True
    return DeskAppointment.objects.filter(meeting=meeting, membership=membership).exists()


def _desk(actor: Membership, meeting: Meeting) -> Meeting:
    """Lock the meeting and check the actor may keep its desk, under the lock."""
    meeting = lock(meeting, actor)
    if not may_keep_desk(actor, meeting):
        raise MeetingError(_("You are not allowed to do this."))
    require_not_closed(meeting)
    return meeting


def _member_of(meeting: Meeting, membership_id: int | None) -> Membership:
    member = (
        Membership.objects.active()
        .select_related("user")
        .filter(panel_id=meeting.panel_id, pk=membership_id)
        .first()
    )
    if member is None:
        raise MeetingError(_("That person is not a member of this panel."))
    return member


def _how(meeting: Meeting, how: str) -> str:
    if how not in How.values:
        raise MeetingError(_("Say whether they are in the room or on the phone."))
    if how == How.ROOM and not meeting.has_room:
        raise MeetingError(_("This meeting has no room: mark them as on the phone."))
    return how


def _desk_presence(meeting: Meeting, stay: Attendance) -> None:
    """The stay's Presence row, on the meeting's desk worker (made on first use)."""
    worker = presence.desk_worker(meeting.pk)
    LiveWorker.objects.get_or_create(pk=worker, defaults={"seen_at": presence.DESK_SEEN_AT})
    Presence.objects.get_or_create(
        connection=presence.desk_connection(stay.pk),
        defaults={"meeting": meeting, "membership_id": stay.membership_id, "worker_id": worker},
    )


def _announce(meeting: Meeting, member: Membership | None) -> None:
    """Everyone's presence list, and the person's own fragments (what they may vote)."""
    changes.changed(
        meeting, "presence", personal_for=[member.user_id] if member is not None else ()
    )


def mark_present(actor: Membership, meeting: Meeting, membership_id: int, how: str) -> Attendance:
    """The member is here, in the room or on the phone. Tapping again changes nothing;
    marking someone on the phone who is in the room (or the other way) changes how."""
    with transaction.atomic():
        meeting = _desk(actor, meeting)
        how = _how(meeting, how)
        member = _member_of(meeting, membership_id)
        stay = (
            Attendance.objects.select_for_update()
            .filter(meeting=meeting, membership=member, left_at__isnull=True)
            .first()
        )
        if stay is not None and stay.how == how:
            return stay
        if stay is not None:
            stay.how = how
            save_with_history(stay, actor.user, "changed", update_fields=["how"])
        else:
            stay = Attendance(meeting=meeting, membership=member, how=how, registered_by=actor)
            try:
                with transaction.atomic():
                    save_with_history(stay, actor.user, "arrived")
            except IntegrityError:  # two desks tapped at once: the other one counted
                return Attendance.objects.get(
                    meeting=meeting, membership=member, left_at__isnull=True
                )
        _desk_presence(meeting, stay)
        audit.record(
            actor,
            AuditAction.ATTENDANCE_REGISTERED,
            f"meeting:{meeting.pk}",
            panel=meeting.panel_id,
            details={"member": member.pk, "how": how},
        )
        _announce(meeting, member)
    return stay


def mark_left(actor: Membership, meeting: Meeting, membership_id: int) -> Attendance | None:
    """The member left the room (or hung up): no longer present. Idempotent."""
    with transaction.atomic():
        meeting = _desk(actor, meeting)
        stay = (
            Attendance.objects.select_for_update()
            .filter(meeting=meeting, membership_id=membership_id, left_at__isnull=True)
            .select_related("membership")
            .first()
        )
        if stay is None:
            return None
        _end(stay, actor.user, timezone.now())
        audit.record(
            actor,
            AuditAction.ATTENDANCE_ENDED,
            f"meeting:{meeting.pk}",
            panel=meeting.panel_id,
            details={"member": stay.membership_id, "how": stay.how},
        )
        _announce(meeting, stay.membership)
    return stay


def _end(stay: Attendance, user, at) -> None:
    stay.left_at = at
    save_with_history(stay, user, "left", update_fields=["left_at"])
    Presence.objects.filter(connection=presence.desk_connection(stay.pk)).delete()


def add_guest(actor: Membership, meeting: Meeting, name: str, how: str) -> Attendance:
    """A walk-in who is no member: noted by name, without a vote, present for the record."""
    name = " ".join(name.split())
    if not name:
        raise MeetingError(_("Write the guest's name."))
    if len(name) > GUEST_NAME_MAX:
        raise MeetingError(
            _("A guest's name can be at most %(max)s characters.") % {"max": GUEST_NAME_MAX}
        )
    with transaction.atomic():
        meeting = _desk(actor, meeting)
        stay = Attendance(
            meeting=meeting, guest_name=name, how=_how(meeting, how), registered_by=actor
        )
        save_with_history(stay, actor.user, "guest")
        audit.record(
            actor,
            AuditAction.GUEST_REGISTERED,
            f"meeting:{meeting.pk}",
            panel=meeting.panel_id,
            details={"how": stay.how},
        )
        changes.changed(meeting, "presence")
    return stay


def guest_left(actor: Membership, meeting: Meeting, attendance_id: int) -> None:
    with transaction.atomic():
        meeting = _desk(actor, meeting)
        stay = (
            Attendance.objects.select_for_update()
            .filter(meeting=meeting, pk=attendance_id, membership__isnull=True)
            .first()
        )
        if stay is None or stay.left_at is not None:
            return
        _end(stay, actor.user, timezone.now())
        changes.changed(meeting, "presence")


def appoint(actor: Membership, meeting: Meeting, membership_id: int) -> DeskAppointment:
    """A moderator appoints a member to keep the meeting's desk."""
    require(actor, Perm.MODERATE, error=MeetingError)
    with transaction.atomic():
        meeting = lock(meeting, actor)
        require_not_closed(meeting)
        member = _member_of(meeting, membership_id)
        appointment, created = DeskAppointment.objects.get_or_create(
            meeting=meeting, membership=member, defaults={"appointed_by": actor}
        )
        if created:
            audit.record(
                actor,
                AuditAction.DESK_APPOINTED,
                f"meeting:{meeting.pk}",
                panel=meeting.panel_id,
                details={"member": member.pk},
            )
    return appointment


def dismiss(actor: Membership, meeting: Meeting, membership_id: int) -> None:
    require(actor, Perm.MODERATE, error=MeetingError)
    with transaction.atomic():
        meeting = lock(meeting, actor)
        DeskAppointment.objects.filter(meeting=meeting, membership_id=membership_id).delete()


# --- reading ---------------------------------------------------------------------------


def current(meeting: Meeting) -> QuerySet[Attendance]:
    """Who is registered at the desk now: members and guests."""
    return (
        Attendance.objects.filter(meeting=meeting, left_at__isnull=True)
        .select_related("membership__user")
        .order_by("how", "membership__user__name", "guest_name", "pk")
    )


def desk_list(meeting: Meeting, query: str = "", limit: int = 50) -> list[Membership]:
    """The panel's active members for the desk's search, by name (or email), at most `limit`."""
    members = Membership.objects.active().filter(panel_id=meeting.panel_id)
    query = " ".join(query.split())[:100]
    for word in query.split():
        members = members.filter(Q(user__name__icontains=word) | Q(user__email__icontains=word))
    return list(members.select_related("user").order_by("user__name", "pk")[:limit])
