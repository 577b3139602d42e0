"""Representativeness: what members chose to share about themselves, and the make-up of
the constituency to hold it against (panels/representation.py counts them)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from panels.models.people import Membership, Panel


class Attribute(models.TextChoices):
    """The coarse things a member may choose to share, for the panel's representativeness."""

    AGE = "age", _("Age")
    NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")
    HOUSEHOLD = "household", _("Household")
    TENANCY = "tenancy", _("Years as a tenant")


# The values of each attribute but the neighbourhood (the panel lists its own).
ATTRIBUTE_VALUES = {
    Attribute.AGE: [
        ("under_30", _("Under 30")), ("30_44", _("30 to 44")), ("45_64", _("45 to 64")),
        ("65_74", _("65 to 74")), ("75_plus", _("75 or older")),
    ],
    Attribute.HOUSEHOLD: [
        ("single", _("Living alone")), ("couple", _("Couple without children at home")),
        ("children", _("With children at home")), ("other", _("Other household")),
    ],
    Attribute.TENANCY: [
        ("under_2", _("Less than 2 years")), ("2_10", _("2 to 10 years")),
        ("over_10", _("More than 10 years")),
    ],
}  # fmt: skip


class SharedProfile(models.Model):
    """What a member chose to share about themselves, with their consent; deleted when
    they withdraw it or are erased. Never shown per person: only counted, in groups no
    smaller than `panels.representation.MIN_CELL`."""

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="shared_profile"
    )
    age = models.CharField(_("age"), max_length=20, blank=True)
    neighbourhood = models.CharField(_("neighbourhood"), max_length=100, blank=True)
    household = models.CharField(_("household"), max_length=20, blank=True)
    tenancy = models.CharField(_("years as a tenant"), max_length=20, blank=True)
    consented_at = models.DateTimeField(_("consent given"), default=timezone.now)

    class Meta:
        verbose_name = _("shared profile")
        verbose_name_plural = _("shared profiles")

    def __str__(self) -> str:
        return str(self.membership)


class ConstituencyShare(models.Model):
    """The share of the constituency (all tenant households) with one value of one
    attribute, as the panel knows it from the corporation's figures."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="composition")
    attribute = models.CharField(_("attribute"), max_length=20, choices=Attribute.choices)
    value = models.CharField(_("value"), max_length=100)
    percent = models.DecimalField(_("share (%)"), max_digits=5, decimal_places=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("constituency share")
        verbose_name_plural = _("constituency composition")
        constraints = [
            models.UniqueConstraint(
                fields=["panel", "attribute", "value"], name="constituency_share_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.panel}: {self.attribute}={self.value} {self.percent}%"
