"""What a person is told between meetings: the kinds of notice, and those waiting for
the person's daily email (panels/notices.py)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    """A kind of notice, each of which a person can turn off (a `User.notify_<kind>` field)."""

    VOTES = "votes", _("votes and consultations")
    MEETINGS = "meetings", _("meetings")
    RESULTS = "results", _("results and agreements")
    ADVICE = "advice", _("advice requests")


class PendingNotice(models.Model):
    """A notice written for someone who reads them in one email a day, until that email
    goes out. Written in the person's language when it happened, as the email would be."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="pending_notices",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=NoticeKind.choices)
    subject = models.CharField(_("subject"), max_length=300)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        verbose_name = _("notice for the daily email")
        verbose_name_plural = _("notices for the daily email")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.subject
