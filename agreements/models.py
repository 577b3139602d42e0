"""Process agreements (procesafspraken), their versions and their signatures."""

import hashlib
import json

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

TITLE_MAX = 200
SECTION_MAX = 10_000

# The parts of an agreement that its signatures bind (the content hash covers them all).
SECTIONS = (
    "title",
    "topic",
    "input_method",
    "responsible",
    "use_of_input",
    "feedback",
    "overlegwet_right",
    "review_date",
    "free_text",
)


class Agreement(models.Model):
    class Right(models.TextChoices):
        INFORMATION = "information", _("Right to information")
        ADVICE = "advice", _("Right to advise")
        CONSENT = "consent", _("Right of consent")

    panel = models.ForeignKey(
        "panels.Panel", on_delete=models.CASCADE, related_name="agreements", verbose_name=_("panel")
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    topic = models.TextField(_("topic"), max_length=SECTION_MAX)
    input_method = models.TextField(
        _("how tenant input is gathered"), max_length=SECTION_MAX, blank=True
    )
    responsible = models.TextField(_("who is responsible"), max_length=SECTION_MAX, blank=True)
    use_of_input = models.TextField(
        _("how the input is used in forming policy"), max_length=SECTION_MAX, blank=True
    )
    feedback = models.TextField(
        _("how tenants hear back (terugkoppeling)"), max_length=SECTION_MAX, blank=True
    )
    overlegwet_right = models.CharField(
        _("right under the Overlegwet"), max_length=20, choices=Right.choices, blank=True
    )
    review_date = models.DateField(_("review date"), null=True, blank=True)
    free_text = models.TextField(_("further agreements"), max_length=SECTION_MAX, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    sources = models.ManyToManyField(
        "voting.Proposal", blank=True, related_name="agreements", verbose_name=_("sources")
    )
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )
    followers = models.ManyToManyField(
        "panels.Membership",
        blank=True,
        related_name="followed_agreements",
        verbose_name=_("followers"),
        help_text=_("Members who are told when the agreement changes after signing."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("process agreement")
        verbose_name_plural = _("process agreements")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def content(self) -> dict:
        """The signed content of the current version, as plain data."""
        return content_of(self)

    def content_hash(self) -> str:
        return hash_content(self.pk, self.version, self.content())


def content_of(record) -> dict:
    """The sections of an agreement or of one of its historical records."""
    data = {name: getattr(record, name) for name in SECTIONS}
    data["review_date"] = data["review_date"].isoformat() if data["review_date"] else None
    return data


def hash_content(agreement_id: int, version: int, content: dict) -> str:
    """SHA-256 over a canonical JSON of the agreement, its version and its sections."""
    canonical = json.dumps(
        {"agreement": agreement_id, "version": version, "content": content},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class Signature(models.Model):
    """One party's signature under one version, bound to it by the content hash."""

    class Party(models.TextChoices):
        CORPORATION = "corporation", _("Housing corporation")
        TENANT_ORGANISATION = "tenant_organisation", _("Tenant organisation")

    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("agreement")
    )
    version = models.PositiveIntegerField(_("version"))
    content_hash = models.CharField(_("content hash"), max_length=64)
    party = models.CharField(_("party"), max_length=30, choices=Party.choices)
    signed_by = models.ForeignKey(
        "panels.Membership", on_delete=models.PROTECT, related_name="+", verbose_name=_("signed by")
    )
    signed_at = models.DateTimeField(_("signed"), default=timezone.now)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    voided_reason = models.CharField(_("reason voided"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "version", "party"],
                condition=models.Q(voided_at__isnull=True),
                name="signature_once_per_party_per_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement} v{self.version} — {self.get_party_display()}"


class InputResponse(models.Model):
    """The corporation's answer to a proposal the panel adopted (terugkoppeling): did it
    follow the panel's input, and if not (or not wholly), why not. One per proposal; a
    changed answer is a new row in its history."""

    class Status(models.TextChoices):
        FOLLOWED = "followed", _("Followed")
        PARTLY = "partly", _("Partly followed")
        NOT_FOLLOWED = "not_followed", _("Not followed")

    REASONS_MAX = 3000

    proposal = models.OneToOneField(
        "voting.Proposal",
        on_delete=models.PROTECT,
        related_name="response",
        verbose_name=_("proposal"),
    )
    status = models.CharField(_("outcome"), max_length=20, choices=Status.choices)
    reasons = models.TextField(_("reasons"), max_length=REASONS_MAX, blank=True)
    answered_by = models.ForeignKey(
        "panels.Membership", on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    answered_at = models.DateTimeField(_("answered"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("response to the panel's input")
        verbose_name_plural = _("responses to the panel's input")

    def __str__(self) -> str:
        return f"{self.proposal} — {self.get_status_display()}"


class AdviceRequest(models.Model):
    """An advice request (adviesaanvraag) under the Overlegwet: the corporation asks the
    tenant organisation's advice on an intended change of policy. The advice is due no
    sooner than six weeks after the request; a corporation that does not (wholly) follow
    it answers with its reasons within two weeks of the advice. See agreements/advice.py.
    """

    class Decision(models.TextChoices):
        FOLLOWED = "followed", _("Advice followed")
        PARTLY = "partly", _("Advice partly followed")
        NOT_FOLLOWED = "not_followed", _("Advice not followed")

    TEXT_MAX = 10_000

    panel = models.ForeignKey(
        "panels.Panel", on_delete=models.CASCADE, related_name="advice_requests"
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    intended_change = models.TextField(_("the intended change"), max_length=TEXT_MAX)
    requested_by = models.ForeignKey(
        "panels.Membership", on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    advice_due = models.DateField(_("advice due"))
    advice = models.TextField(_("advice"), max_length=TEXT_MAX, blank=True)
    advised_by = models.ForeignKey(
        "panels.Membership", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    advised_at = models.DateTimeField(_("advised"), null=True, blank=True)
    # What formed the advice.
    meetings = models.ManyToManyField("panels.Meeting", blank=True, related_name="+")
    votes = models.ManyToManyField("voting.Vote", blank=True, related_name="+")
    agreements = models.ManyToManyField(Agreement, blank=True, related_name="+")
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, blank=True)
    response = models.TextField(_("reasoned response"), max_length=TEXT_MAX, blank=True)
    decided_by = models.ForeignKey(
        "panels.Membership", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reminders_sent = models.JSONField(default=list, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["reminders_sent"])

    class Meta:
        verbose_name = _("advice request")
        verbose_name_plural = _("advice requests")
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return self.title
