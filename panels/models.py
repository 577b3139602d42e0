import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from panels.audit_actions import MAX_LENGTH as MAX_ACTION_LENGTH
from panels.audit_actions import AuditAction as AuditAction  # every app's, by name


def normalise_email(email: str) -> str:
    """Email addresses are compared case-insensitively everywhere."""
    return email.strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalise_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. People log in with their email address and are shown by name."""

    class TextSize(models.TextChoices):
        """For those who cannot use the browser's zoom: every page's text, larger."""

        NORMAL = "normal", _("Normal")
        LARGE = "large", _("Large")
        VERY_LARGE = "very_large", _("Very large")

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=150)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Whether this person can use the admin site."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Set when the person's personal data was erased (panels.privacy.erase): the row
    # stays, under a pseudonym, so that what they contributed keeps its place.
    erased_at = models.DateTimeField(_("personal data erased"), null=True, blank=True)
    text_size = models.CharField(
        _("text size"), max_length=20, choices=TextSize.choices, default=TextSize.NORMAL
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalise_email(self.email)

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    @property
    def text_size_class(self) -> str:
        """The class on <html> that scales every page (static/css/knoppen.css, "Text size")."""
        if self.text_size == self.TextSize.NORMAL:
            return ""
        return "text-" + self.text_size.replace("_", "-")


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


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> "InvitationQuerySet":
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )

    def get_by_token(self, token: str) -> "Invitation":
        return self.get(token_hash=_hash_token(token))


class Invitation(models.Model):
    """An emailed link that lets one person join a panel with a role, once.

    Only a hash of the token is stored, so a database leak does not leak links.
    """

    panel = models.ForeignKey(
        Panel, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("panel")
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, default=Role.MEMBER)
    has_voting_rights = models.BooleanField(_("voting rights"), default=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["token_hash"])

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.panel}"

    @staticmethod
    def new_token() -> tuple[str, str]:
        """A fresh (token, hash) pair; the token goes into the link, the hash into the row."""
        token = secrets.token_urlsafe(32)
        return token, _hash_token(token)

    @staticmethod
    def default_expiry() -> "timezone.datetime":
        return timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired


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

    TRANSITIONS = {
        State.SCHEDULED: {State.LIVE},
        State.LIVE: {State.CLOSED},
        State.CLOSED: set(),
    }

    panel = models.ForeignKey(
        Panel, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("panel")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveIntegerField(_("duration in minutes"), default=90)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.SCHEDULED
    )
    floor_open = models.BooleanField(
        _("floor open"),
        default=False,
        help_text=_("Whether members may raise their hand and post in the discussion."),
    )
    seq = models.PositiveBigIntegerField(default=0, editable=False)
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


class Message(models.Model):
    """A short contribution to the discussion of an agenda item. Hidden, never deleted."""

    MAX_LENGTH = 1000

    item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, related_name="messages", verbose_name=_("agenda item")
    )
    author = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="messages", verbose_name=_("author")
    )
    text = models.TextField(_("message"), max_length=MAX_LENGTH)
    created_at = models.DateTimeField(_("posted"), default=timezone.now)
    hidden_at = models.DateTimeField(_("hidden"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hidden by"),
    )
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


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


class AppendOnly(Exception):
    """An audit entry was about to be changed or deleted."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs):
        raise AppendOnly("audit entries cannot be changed")

    def forget_actor_names(self) -> int:
        """The one change allowed: removing the actor's name (and its salt) when the
        person's data is erased. The chain covers only the name's salted digest, which
        stays, so every hash still holds (and PostgreSQL's trigger allows this only)."""
        return super().update(actor_name="", actor_salt="")

    def delete(self):
        raise AppendOnly("audit entries cannot be deleted")


class AuditEntry(models.Model):
    """One link of the audit chain: its hash covers its own fields and the previous hash.

    Written only by `panels.audit.record`, in the transaction of the change it records.
    The actor is a snapshot (name and membership id, no foreign key), so the log outlives
    changes to people; the panel is protected, since removing it would rewrite the chain.
    """

    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True, editable=False)
    created_at = models.DateTimeField(_("time"), editable=False)
    panel = models.ForeignKey(
        Panel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("panel"),
    )
    actor_membership_id = models.PositiveBigIntegerField(_("actor membership"), null=True)
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    # The chain covers sha256(salt + name), not the name: the name and its salt can be
    # removed when the person is erased without breaking a link (then the digest alone
    # cannot be turned back into the name).
    actor_salt = models.CharField(max_length=32, blank=True, editable=False)
    actor_digest = models.CharField(max_length=64, blank=True, editable=False)
    # One of the actions the apps register (panels/audit_actions.py), checked on writing.
    action = models.CharField(_("action"), max_length=MAX_ACTION_LENGTH)
    subject = models.CharField(_("subject"), max_length=60)
    details = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["sequence"]
        indexes = [models.Index(fields=["subject", "action"])]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action_label} {self.subject}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnly("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("audit entries cannot be deleted")

    @property
    def short_hash(self) -> str:
        return self.hash[:12]

    @property
    def action_label(self) -> str:
        return str(AuditAction.label(self.action))


class LoginLockoutQuerySet(models.QuerySet["LoginLockout"]):
    def in_force(self, now: datetime | None = None) -> "LoginLockoutQuerySet":
        return self.filter(lifted_at__isnull=True, until__gt=now or timezone.now())


class LoginLockout(models.Model):
    """A pause on logging in, for one account or one network (panels.login_limits).

    The failures that lead to it are counted in the cache; the pause itself is a row, so
    that staff can see it and lift it. No email address is stored: an account's pause
    holds a digest of the address typed, and the person when that is an account.
    """

    class Kind(models.TextChoices):
        ACCOUNT = "account", _("account")
        NETWORK = "network", _("network")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=80, db_index=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    network = models.CharField(_("network"), max_length=50, blank=True)
    started_at = models.DateTimeField(_("since"))
    until = models.DateTimeField(_("until"))
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )

    objects = LoginLockoutQuerySet.as_manager()

    class Meta:
        verbose_name = _("login lockout")
        verbose_name_plural = _("login lockouts")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        # No name or address: the admin's history keeps this text after an erasure.
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def in_force(self) -> bool:
        return self.lifted_at is None and self.until > timezone.now()
