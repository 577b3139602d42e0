"""The discussion of an agenda item: members' messages, which a moderator can hide."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from panels.audit_actions import PanelAction
from panels.models.hideable import Hideable
from panels.models.meetings import AgendaItem, Meeting
from panels.models.people import Membership


class Message(Hideable):
    """A short contribution to the discussion of an agenda item. Hidden, never deleted."""

    MAX_LENGTH = 1000

    hide_action = PanelAction.MESSAGE_HIDDEN
    missing_reason = _("Give a reason for hiding the message.")
    live_fragment = "discussion"

    item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, related_name="messages", verbose_name=_("agenda item")
    )
    author = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="messages", verbose_name=_("author")
    )
    text = models.TextField(_("message"), max_length=MAX_LENGTH)
    created_at = models.DateTimeField(_("posted"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]

    def posted_in(self) -> Meeting:
        return self.item.meeting

    def locked(self) -> "Message":
        # The meeting first, as every change to the meeting's discussion takes it.
        Meeting.objects.select_for_update().filter(pk=self.item.meeting_id).first()
        return (
            Message.objects.select_for_update(of=("self",))
            .select_related("item__meeting")
            .get(pk=self.pk)
        )
