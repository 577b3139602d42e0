"""Panels and their people: organisations, panels, roles and memberships."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Organisation(models.Model):
    class Kind(models.TextChoices):
        CORPORATION = "corporation", _("Housing corporation")
        TENANT_ORGANISATION = "tenant_organisation", _("Tenant organisation")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "kind"], name="organisation_name_kind_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Panel(models.Model):
    """A tenant panel: one housing corporation and one tenant organisation."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    corporation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="corporation_panels",
        limit_choices_to={"kind": Organisation.Kind.CORPORATION},
        verbose_name=_("housing corporation"),
    )
    tenant_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="tenant_organisation_panels",
        limit_choices_to={"kind": Organisation.Kind.TENANT_ORGANISATION},
        verbose_name=_("tenant organisation"),
    )
    constituency_size = models.PositiveIntegerField(
        _("constituency size"),
        default=0,
        help_text=_("Number of tenant households the panel speaks for."),
    )
    corporation_reps_vote = models.BooleanField(
        _("corporation representatives vote"),
        default=False,
        help_text=_("Whether representatives of the housing corporation may vote."),
    )
    max_proxies_per_holder = models.PositiveSmallIntegerField(
        _("proxies one member may hold"), default=1
    )
    room_counts_confirmed = models.BooleanField(
        _("a second moderator confirms counts from the room"),
        default=False,
        help_text=_(
            "A count by show of hands or of paper ballots, entered by one moderator, counts "
            "only once another moderator has confirmed it."
        ),
    )
    minutes_name_attendees = models.BooleanField(
        _("minutes name who attended"),
        default=True,
        help_text=_("Whether the minutes list attendees by name, or give only how many."),
    )
    neighbourhoods = models.TextField(
        _("neighbourhoods"),
        blank=True,
        max_length=2000,
        help_text=_("One per line: the neighbourhoods members can say they live in."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tenant panel")
        verbose_name_plural = _("tenant panels")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("panels:detail", args=[self.pk])


class Role(models.TextChoices):
    MEMBER = "member", _("Panel member")
    MODERATOR = "moderator", _("Moderator")
    CORPORATION_REP = "corporation_rep", _("Housing corporation representative")
    TENANT_ORG_REP = "tenant_org_rep", _("Tenant organisation representative")
    OBSERVER = "observer", _("Observer")


# Roles whose holders get voting rights unless a moderator says otherwise.
ROLES_VOTING_BY_DEFAULT = frozenset({Role.MEMBER, Role.MODERATOR, Role.TENANT_ORG_REP})


# The order in which people are listed: who leads first, who reads along last.
ROLE_DISPLAY_ORDER = [
    Role.MODERATOR,
    Role.CORPORATION_REP,
    Role.TENANT_ORG_REP,
    Role.MEMBER,
    Role.OBSERVER,
]


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> "MembershipQuerySet":
        return self.filter(is_active=True, user__is_active=True)

    def in_display_order(self) -> "MembershipQuerySet":
        rank = models.Case(
            *[models.When(role=role, then=index) for index, role in enumerate(ROLE_DISPLAY_ORDER)],
            default=len(ROLE_DISPLAY_ORDER),
        )
        return self.order_by(rank, "user__name")


class Membership(models.Model):
    """A person's place in a panel. One per person per panel; never deleted, deactivated."""

    panel = models.ForeignKey(
        Panel, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("panel")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("person"),
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, default=Role.MEMBER)
    has_voting_rights = models.BooleanField(_("voting rights"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    history = HistoricalRecords()

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["panel", "user"], name="membership_one_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.panel} ({self.get_role_display()})"

    @property
    def can_moderate(self) -> bool:
        return self.is_active and self.role == Role.MODERATOR

    @property
    def can_vote(self) -> bool:
        if not (self.is_active and self.has_voting_rights) or self.role == Role.OBSERVER:
            return False
        if self.role == Role.CORPORATION_REP:
            return self.panel.corporation_reps_vote
        return True

    @property
    def can_take_part(self) -> bool:
        """Raise a hand, post, submit proposals: everyone but observers."""
        return self.is_active and self.role != Role.OBSERVER

    @property
    def signs_for(self) -> str | None:
        """Which party this person may sign process agreements for, if any."""
        if not self.is_active:
            return None
        return {
            Role.CORPORATION_REP: Organisation.Kind.CORPORATION,
            Role.TENANT_ORG_REP: Organisation.Kind.TENANT_ORGANISATION,
        }.get(Role(self.role))
