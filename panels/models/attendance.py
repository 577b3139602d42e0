"""Who is at a meeting without a live connection: in the room or on the phone, as the desk
registers them (panels/attendance.py), the guests who walked in, and the members a
moderator appoints to keep the desk."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from panels.models.meetings import Meeting
from panels.models.people import Membership

GUEST_NAME_MAX = 120


class Attendance(models.Model):
    """One stay at a meeting, from arrival until leaving: a member in the room or on the
    phone, or a guest (a walk-in who is no member, without a vote).

    While a member's stay is open they are present as if connected: the desk keeps a
    `Presence` row for them (panels/attendance.py), so the presence list, the quorum and
    the roll count them like everyone online.
    """

    class How(models.TextChoices):
        ROOM = "room", _("in the room")
        PHONE = "phone", _("by phone")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    membership = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attendances",
        verbose_name=_("member"),
    )
    guest_name = models.CharField(_("guest"), max_length=GUEST_NAME_MAX, blank=True)
    how = models.CharField(_("attends"), max_length=10, choices=How.choices)
    arrived_at = models.DateTimeField(_("arrived"), default=timezone.now)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    registered_by = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["arrived_at", "pk"]
        constraints = [
            # A member is registered once at a time (in the room or by phone, not both).
            models.UniqueConstraint(
                fields=["meeting", "membership"],
                condition=models.Q(left_at__isnull=True, membership__isnull=False),
                name="attendance_one_stay_at_a_time",
            ),
            # A member, or a guest with a name: never both, never neither.
            models.CheckConstraint(
                condition=(models.Q(membership__isnull=False) & models.Q(guest_name=""))
                | (models.Q(membership__isnull=True) & ~models.Q(guest_name="")),
                name="attendance_member_or_guest",
            ),
        ]

    def __str__(self) -> str:
        who = self.membership.user.name if self.membership_id else self.guest_name
        return f"{who} @ {self.meeting} ({self.get_how_display()})"

    @property
    def is_guest(self) -> bool:
        return self.membership_id is None


class DeskAppointment(models.Model):
    """A member a moderator appointed to keep the desk at one meeting: register who is in
    the room or on the phone, and enter ballots for those who ask."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="desk")
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="+", verbose_name=_("member")
    )
    appointed_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    appointed_at = models.DateTimeField(_("appointed"), default=timezone.now)

    class Meta:
        verbose_name = _("desk appointment")
        verbose_name_plural = _("desk appointments")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "membership"], name="desk_once_per_meeting")
        ]

    def __str__(self) -> str:
        return f"{self.membership} @ {self.meeting}"
