"""Who is connected: the server processes holding live connections, and each open
connection of a person to a meeting (panels/presence.py keeps them)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from panels.models.meetings import Meeting
from panels.models.people import Membership


class LiveWorker(models.Model):
    """A server process holding live connections; alive while it keeps `seen_at` fresh."""

    id = models.CharField(primary_key=True, max_length=64)
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("live worker")
        verbose_name_plural = _("live workers")

    def __str__(self) -> str:
        return self.id


class Presence(models.Model):
    """One open live connection (a browser tab) of a person to a meeting.

    A person with several tabs has several rows and counts once. Rows of a
    worker that stopped heartbeating are ignored and cleaned up.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="presences")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    worker = models.ForeignKey(LiveWorker, on_delete=models.CASCADE, related_name="presences")
    connection = models.CharField(max_length=200, unique=True)
    connected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("presence")
        verbose_name_plural = _("presences")
        indexes = [models.Index(fields=["meeting", "membership"])]

    def __str__(self) -> str:
        return f"{self.membership} @ {self.meeting}"
