"""Anonymous answers: the sealed box every anonymous answer goes into (panels/sealing.py),
and the pulse after a meeting ("Did you feel heard?")."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from panels.models.meetings import Meeting
from panels.models.people import Membership


class SealedBox(models.Model):
    """The anonymous answers to one question, sealed in one row (panels/sealing.py)."""

    sealed = models.BinaryField(editable=False)

    class Meta:
        abstract = True


class PulseParticipation(models.Model):
    """That a person answered the pulse after a meeting: all that is known about them.
    What they answered is in the meeting's `PulseBox`, with everyone else's answers."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("pulse participation")
        verbose_name_plural = _("pulse participations")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "membership"], name="pulse_once_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.membership} @ {self.meeting}"


class PulseBox(SealedBox):
    """The anonymous answers to "Did you feel heard?" (1–5, and a comment) about a meeting."""

    COMMENT_MAX = 1000

    meeting = models.OneToOneField(
        Meeting,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("meeting"),
    )

    class Meta:
        verbose_name = _("pulse answers (sealed)")
        verbose_name_plural = _("pulse answers (sealed)")

    def __str__(self) -> str:
        return str(self.meeting)
