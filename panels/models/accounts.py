"""Accounts: the people who log in, and the pauses on logging in after wrong passwords."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
    # The language emails are written in: the last one chosen on the site (NL / EN).
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    # Notices (panels/notices.py): which the person wants, and whether in one email a day.
    notify_votes = models.BooleanField(
        _("votes and consultations"),
        default=True,
        help_text=_(
            "When a vote, a written round or a consultation opens, and a day before it "
            "closes if you have not voted yet."
        ),
    )
    notify_meetings = models.BooleanField(
        _("meetings"),
        default=True,
        help_text=_("When a meeting is planned, moved or cancelled, and the day before it."),
    )
    notify_results = models.BooleanField(
        _("results and agreements"),
        default=True,
        help_text=_("The result of a vote, and an agreement once both sides have signed it."),
    )
    notify_advice = models.BooleanField(
        _("advice requests"),
        default=True,
        help_text=_("For representatives: an advice request's deadlines."),
    )
    notice_digest = models.BooleanField(
        _("one email a day"),
        default=False,
        help_text=_(
            "Gather news into one email each morning. Reminders and cancellations still "
            "come at once."
        ),
    )
    digest_sent_at = models.DateTimeField(_("last daily email"), null=True, blank=True)
    # The secret in the address of the person's calendar feed (panels/ics.py); a new one
    # makes the old address stop working.
    calendar_token = models.CharField(
        max_length=43, unique=True, null=True, blank=True, editable=False
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
