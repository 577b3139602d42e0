"""What the audit log records of minutes (panels/audit_actions.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from panels.audit_actions import AuditAction


class MinutesAction(models.TextChoices):
    PUT_TO_APPROVAL = "minutes.put_to_approval", _("Minutes put to approval")
    APPROVED = "minutes.approved", _("Minutes approved")
    NOT_APPROVED = "minutes.not_approved", _("Minutes not approved")


def register() -> None:
    AuditAction.register("minutes", MinutesAction)
