"""Agreements' actions in the audit log (registered in AgreementsConfig.ready(); see
panels/audit_actions.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from panels.audit_actions import AuditAction


class AgreementAction(models.TextChoices):
    AGREEMENT_SIGNED = "agreement_signed", _("Agreement signed")
    INPUT_ANSWERED = "input_answered", _("Panel's input answered")


def register() -> None:
    AuditAction.register("agreements", AgreementAction)
