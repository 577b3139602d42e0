from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from panels.models import AgendaItem, Membership
from voting import text as texts

TITLE_MAX = 200
TEXT_MAX = 20_000
RATIONALE_MAX = 5_000


class Proposal(models.Model):
    """A member's proposal (voorstel) to an agenda item. Its text has numbered versions;
    every version is a row in the history, with who made it and why."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ON_FLOOR = "on_floor", _("On the floor")
        IN_VOTE = "in_vote", _("In vote")
        ADOPTED = "adopted", _("Adopted")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    TRANSITIONS = {
        State.DRAFT: {State.SUBMITTED, State.WITHDRAWN},
        State.SUBMITTED: {State.ON_FLOOR, State.WITHDRAWN},
        State.ON_FLOOR: {State.IN_VOTE, State.WITHDRAWN},
        State.IN_VOTE: {State.ADOPTED, State.REJECTED, State.ON_FLOOR},
        State.ADOPTED: set(),
        State.REJECTED: set(),
        State.WITHDRAWN: set(),
    }
    # States in which the text may still change (by amendment or by its submitter).
    OPEN_STATES = (State.DRAFT, State.SUBMITTED, State.ON_FLOOR)

    item = models.ForeignKey(
        AgendaItem,
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("agenda item"),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    text = models.TextField(_("text"), max_length=TEXT_MAX)
    version = models.PositiveIntegerField(_("version"), default=1)
    produced_by = models.ForeignKey(
        "Amendment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("amendment that produced this version"),
    )
    submitter = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("submitter"),
    )
    supporters = models.ManyToManyField(
        Membership, blank=True, related_name="supported_proposals", verbose_name=_("supporters")
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    amendments_open = models.BooleanField(_("amendments open"), default=True)
    amendments_close_at = models.DateTimeField(
        _("amendments close at"),
        null=True,
        blank=True,
        help_text=_("After this moment no new amendments are accepted."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hidden by"),
    )
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        meeting = self.item.meeting
        return reverse("voting:proposal", args=[meeting.panel_id, self.pk])

    @property
    def paragraphs(self) -> list[str]:
        return texts.paragraphs(self.text)

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    def amendments_accepted_now(self) -> bool:
        if not self.is_open or not self.amendments_open:
            return False
        return self.amendments_close_at is None or timezone.now() < self.amendments_close_at


class Amendment(models.Model):
    """A change to a proposal, made against one version of its text."""

    class Kind(models.TextChoices):
        REPLACE = texts.REPLACE, _("Replace a paragraph")
        INSERT = texts.INSERT, _("Insert a paragraph")
        DELETE = texts.DELETE, _("Delete a paragraph")
        REPLACE_ALL = texts.REPLACE_ALL, _("Replace the whole text")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        TO_VOTE = "to_vote", _("Put to the vote")
        ACCEPTED = "accepted", _("Accepted by the submitter")
        ADOPTED = "adopted", _("Adopted by vote")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATES = (State.PENDING, State.TO_VOTE)

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="amendments", verbose_name=_("proposal")
    )
    author = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("author")
    )
    kind = models.CharField(_("kind of change"), max_length=20, choices=Kind.choices)
    paragraph = models.PositiveIntegerField(
        _("paragraph"), null=True, blank=True, help_text=_("Counted from 0 in the base text.")
    )
    new_text = models.TextField(_("new text"), blank=True, max_length=TEXT_MAX)
    rationale = models.TextField(_("rationale"), max_length=RATIONALE_MAX)
    base_version = models.PositiveIntegerField(_("made on version"))
    base_text = models.TextField(_("text of that version"))
    proposed_text = models.TextField(_("text if adopted"))
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PENDING
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden"), null=True, blank=True)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.proposal} — #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def is_outdated(self) -> bool:
        return self.base_version != self.proposal.version

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None
