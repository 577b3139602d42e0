"""Voting's actions in the audit log (registered in VotingConfig.ready(); see
panels/audit_actions.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from panels.audit_actions import AuditAction


class VotingAction(models.TextChoices):
    VOTE_OPENED = "vote_opened", _("Vote opened")
    VOTE_WRITTEN_ROUND = "vote_written_round", _("Written round started")
    VOTE_CLOSED = "vote_closed", _("Vote closed")
    PROPOSAL_HIDDEN = "proposal_hidden", _("Proposal hidden")
    AMENDMENT_HIDDEN = "amendment_hidden", _("Amendment hidden")
    ANSWER_HIDDEN = "voting.answer_hidden", _("Answer hidden")
    CONSULTATION_OPENED = "voting.consultation_opened", _("Consultation opened")
    CONSULTATION_CLOSED = "voting.consultation_closed", _("Consultation closed")
    BALLOT_AT_DESK = "voting.ballot_at_desk", _("Ballot entered at the desk for a member")
    ROOM_COUNT_ENTERED = "voting.room_count_entered", _("Count of the room entered")
    ROOM_COUNT_CONFIRMED = "voting.room_count_confirmed", _("Count of the room confirmed")
    PAPER_PROXY = "voting.paper_proxy", _("Written proxy registered")


def register() -> None:
    AuditAction.register("voting", VotingAction)
