"""The audit log's entries: an append-only chain (written only by panels.audit.record)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from panels.audit_actions import MAX_LENGTH as MAX_ACTION_LENGTH
from panels.audit_actions import AuditAction
from panels.models.people import Panel


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
