"""The minutes (notulen) of a meeting: what happened, drawn from the meeting when it
closed, and what the minute-taker wrote; approved at a next meeting."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

TEXT_MAX = 20_000  # characters per part


class Minutes(models.Model):
    """One meeting's minutes.

    `record` is what happened, drawn up from the meeting and the audit log when it closed
    (minutes/record.py): who was there, each item's time span, who had the floor, the
    messages, proposals, amendments and votes with their results and check codes. Nobody
    edits it: the minutes show every vote's result and every decision from it, whatever
    the text says. `texts` is what the minute-taker writes, per part ("opening", an item's
    id, "closing"); each edit is a version (history), and the approved version's texts
    are kept as `approved_texts`, which the members read until a change is approved again.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUT_TO_APPROVAL = "put_to_approval", _("On the agenda for approval")
        APPROVED = "approved", _("Approved")

    meeting = models.OneToOneField(
        "panels.Meeting",
        on_delete=models.CASCADE,
        related_name="minutes",
        verbose_name=_("meeting"),
    )
    record = models.JSONField(_("what happened"), editable=False)
    texts = models.JSONField(_("text"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.DRAFT, editable=False
    )
    taker = models.ForeignKey(
        "panels.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("minute-taker"),
        help_text=_("Besides the moderators, this member may edit the draft."),
    )
    # Put to approval at a next meeting: its agenda item, and the vote that decides.
    approval_item = models.ForeignKey(
        "panels.AgendaItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    approval_vote = models.ForeignKey(
        "voting.Vote",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True, editable=False)
    approved_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    approved_texts = models.JSONField(null=True, blank=True, editable=False)
    approved_in = models.ForeignKey(
        "panels.Meeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("approved in"),
    )
    # The head of the audit log when they were approved: the chain up to it is what the
    # approved minutes report on (`manage.py verify_audit --code`).
    approved_check_code = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("drawn up"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")
        ordering = ["-meeting__starts_at"]

    def __str__(self) -> str:
        return str(self.meeting)

    def get_absolute_url(self) -> str:
        return reverse("minutes:detail", args=[self.meeting.panel_id, self.meeting_id])

    @property
    def is_approved(self) -> bool:
        return self.approved_texts is not None

    @property
    def awaiting_approval(self) -> bool:
        """Put to approval, and that can still happen: the vote on them is open, or the
        meeting with them on its agenda has not ended. (Cancelled, closed before the vote, or
        the item taken off its agenda: they are a draft again in effect, to be edited and put
        to approval anew.)"""
        if self.state != self.State.PUT_TO_APPROVAL:
            return False
        vote = self.approval_vote
        if vote is not None and vote.state in (vote.State.OPEN, vote.State.WRITTEN_ROUND):
            return True
        return self.approval_item is not None and not self.approval_item.meeting.is_over

    @property
    def changed_since_approval(self) -> bool:
        return self.is_approved and self.version != self.approved_version
