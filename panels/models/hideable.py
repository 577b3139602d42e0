"""What a moderator can hide: messages here, proposals and amendments in voting.

Nothing is deleted: hidden content stays in the record, marked, with who hid it and why.
`panels.hiding.hide` is the one service that hides; each model says here what that
service needs to know of it.
"""

from typing import ClassVar, Self

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from panels.models.meetings import Meeting

REASON_MAX = 300


class Hideable(models.Model):
    """Content that a moderator can hide, with a reason, from everyone but moderators."""

    hidden_at = models.DateTimeField(_("hidden"), null=True, blank=True)
    # The moderator as a member of the panel, as every other actor in a panel is named.
    # SET_NULL, not PROTECT: memberships are never deleted, and erasure keeps them (under
    # the pseudonym), so in practice this never fires; should a panel's rows go all the
    # same, what was hidden stays hidden (`hidden_at`), and the audit log still says who.
    hidden_by = models.ForeignKey(
        "panels.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hidden by"),
    )
    hidden_reason = models.CharField(_("reason for hiding"), max_length=REASON_MAX, blank=True)

    # What each model says, for panels.hiding.hide:
    hide_action: ClassVar[str]  # the audit action that records the hiding
    missing_reason: ClassVar[Promise]  # the refusal when no reason is given
    live_fragment: ClassVar[str]  # the live page's fragment that shows it

    class Meta:
        abstract = True

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    def posted_in(self) -> Meeting:
        """The meeting it belongs to: its panel decides who may hide it, its page shows it."""
        raise NotImplementedError

    def locked(self) -> Self:
        """This row again, locked for a change, after the rows its app locks first."""
        raise NotImplementedError

    def when_hidden(self) -> list[str]:
        """Further changes that hiding makes (saved with it): the fields changed."""
        return []

    def told_personally(self) -> list[int]:
        """The people (user ids) whose own fragments of the live page show it too."""
        return []
