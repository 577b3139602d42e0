"""Live meetings: the meeting, its agenda and the speaker list."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from panels.models.people import Membership, Panel


class Meeting(models.Model):
    """A live meeting of a panel (bijeenkomst). Not Django's HTTP session.

    `seq` is the meeting's event sequence number: every change that is pushed
    to browsers increments it in the same transaction, and every pushed
    fragment carries the number it was rendered at.
    """

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("Live")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class Venue(models.TextChoices):
        ONLINE = "online", _("Online")
        ROOM = "room", _("In a room")
        HYBRID = "hybrid", _("In a room and online")

    TRANSITIONS = {
        State.SCHEDULED: {State.LIVE, State.CANCELLED},
        State.LIVE: {State.CLOSED},
        State.CLOSED: set(),
        State.CANCELLED: set(),
    }
    # A meeting in one of these states will not change any more.
    ENDED = frozenset({State.CLOSED, State.CANCELLED})

    panel = models.ForeignKey(
        Panel, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("panel")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveIntegerField(_("duration in minutes"), default=90)
    venue = models.CharField(_("where"), max_length=10, choices=Venue.choices, default=Venue.ONLINE)
    location = models.CharField(
        _("where the room is"),
        max_length=300,
        blank=True,
        help_text=_("Where the room is: a community room's name, street and town."),
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.SCHEDULED
    )
    floor_open = models.BooleanField(
        _("floor open"),
        default=False,
        help_text=_("Whether members may raise their hand and post in the discussion."),
    )
    seq = models.PositiveBigIntegerField(default=0, editable=False)
    # The calendar entry's SEQUENCE (RFC 5545): raised on every change a calendar shows,
    # so that a calendar replaces the entry it holds (panels/ics.py).
    sequence = models.PositiveIntegerField(_("calendar version"), default=0, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("why it is cancelled"), max_length=300, blank=True)
    # When the day-before reminder went out (cleared when the meeting moves).
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    history = HistoricalRecords(excluded_fields=["seq"])

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("panels:meeting", args=[self.panel_id, self.pk])

    def get_short_url(self) -> str:
        """The address to type from the big screen: /m/ and the meeting's number, which is
        digits only (nothing to mix up, such as O and 0) and quick on a phone's keypad."""
        return reverse("panels:meeting_short", args=[self.pk])

    @property
    def has_room(self) -> bool:
        """Whether people meet in a room (so a desk registers who is there)."""
        return self.venue != self.Venue.ONLINE

    @property
    def is_over(self) -> bool:
        return self.state in self.ENDED

    @property
    def is_live(self) -> bool:
        return self.state == self.State.LIVE

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class AgendaItem(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        CURRENT = "current", _("Current")
        DONE = "done", _("Done")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="items", verbose_name=_("meeting")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    position = models.PositiveIntegerField(_("position"), default=0)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PENDING
    )
    # Whether members may bring in proposals to this item (the voting app uses it).
    submissions_open = models.BooleanField(_("open for proposals"), default=True)
    submissions_close_at = models.DateTimeField(
        _("proposals close at"),
        null=True,
        blank=True,
        help_text=_("After this moment no new proposals are accepted."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting"], condition=models.Q(state="current"), name="agenda_one_current"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def accepts_submissions(self) -> bool:
        if self.state == self.State.DONE or not self.submissions_open:
            return False
        if self.meeting.state == Meeting.State.CLOSED:
            return False
        return self.submissions_close_at is None or timezone.now() < self.submissions_close_at


class SpeakerRequest(models.Model):
    """A raised hand. The queue is the waiting requests in the order they were made."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        SPEAKING = "speaking", _("Speaking")
        DONE = "done", _("Done")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        REMOVED = "removed", _("Removed by the moderator")

    OPEN_STATES = (State.WAITING, State.SPEAKING)

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="speaker_requests")
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="speaker_requests"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.WAITING)
    raised_at = models.DateTimeField(default=timezone.now)
    speaking_since = models.DateTimeField(null=True, blank=True)
    speaking_until = models.DateTimeField(
        null=True, blank=True, help_text=_("End of the speaking time, if the moderator set one.")
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("speaker request")
        verbose_name_plural = _("speaker requests")
        ordering = ["raised_at", "pk"]
        constraints = [
            # One raised hand at a time per person per meeting; the database enforces it.
            models.UniqueConstraint(
                fields=["meeting", "membership"],
                condition=models.Q(state__in=["waiting", "speaking"]),
                name="speaker_one_open_request",
            ),
            models.UniqueConstraint(
                fields=["meeting"],
                condition=models.Q(state="speaking"),
                name="speaker_one_speaking",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership.user} ({self.get_state_display()})"
