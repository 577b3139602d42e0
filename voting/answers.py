"""The answers to an open question, after the close: a moderator hides an abusive one with
a reason, and an answer becomes a proposal, brought in by its author (a named answer) or
by a moderator, with the link back kept for the terugkoppeling page.

An answer is found by its text (a secret vote's answers are in its sealed box, with no row
or author of their own). The published result is never rewritten (its hash is in the
audit trail); hiding is recorded beside it and applied wherever the answers are shown.
"""

import hashlib
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from panels import audit
from panels.access import Perm, has_perm, require
from panels.live import changes
from panels.models import AgendaItem, Membership
from voting import proposals
from voting.audit_actions import VotingAction
from voting.errors import VotingError
from voting.models import TITLE_MAX, HiddenAnswer, Proposal, Vote

REASON_MAX = 300


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Answer:
    text: str
    hidden: HiddenAnswer | None  # shown to moderators with the reason; to others as hidden


def answers_of(vote: Vote) -> list[Answer]:
    """The closed open question's answers, each with its hiding if it was hidden."""
    hidden = {h.text_sha256: h for h in vote.hidden_answers.all()}
    return [
        Answer(text, hidden.get(text_hash(text))) for text in (vote.result or {}).get("answers", [])
    ]


def is_hidden(vote: Vote, text: str) -> bool:
    return vote.hidden_answers.filter(text_sha256=text_hash(text)).exists()


def without_hidden(vote: Vote, result: dict) -> dict:
    """The result with every hidden answer's text left out (for an export)."""
    hidden = set(vote.hidden_answers.values_list("text_sha256", flat=True))
    if not hidden:
        return result
    placeholder = _("(hidden by a moderator)")
    return result | {
        "answers": [
            placeholder if text_hash(t) in hidden else t for t in result.get("answers", [])
        ],
        "named": [
            [*row[:3], placeholder] if len(row) > 3 and text_hash(row[3]) in hidden else row
            for row in result.get("named", [])
        ],
    }


def _closed_answer(vote: Vote, text: str) -> None:
    if vote.state != Vote.State.CLOSED or text not in (vote.result or {}).get("answers", []):
        raise VotingError(_("This answer is not among the answers of a closed question."))


def hide_answer(actor: Membership, vote: Vote, text: str, reason: str) -> HiddenAnswer:
    """Hide an answer (every identical one with it) for a reason; again changes nothing."""
    require(actor, Perm.MODERATE, error=VotingError)
    reason = " ".join(reason.split())
    if not reason:
        raise VotingError(_("Say why you hide this answer."))
    if vote.panel_id != actor.panel_id:
        raise VotingError(_("You are not allowed to do this."))
    _closed_answer(vote, text)
    with transaction.atomic():
        try:
            with transaction.atomic():
                hidden = HiddenAnswer.objects.create(
                    vote=vote,
                    text_sha256=text_hash(text),
                    reason=reason[:REASON_MAX],
                    hidden_by=actor,
                )
        except IntegrityError:  # hidden already (a double click)
            return HiddenAnswer.objects.get(vote=vote, text_sha256=text_hash(text))
        # Pages showing the result (the live page's last result) redraw it without the text.
        changes.changed(vote.meeting_id, "vote")
        audit.record(
            actor,
            VotingAction.ANSWER_HIDDEN,
            f"vote:{vote.pk}",
            panel=vote.panel_id,
            details={"answer_sha256": hidden.text_sha256, "reason": hidden.reason},
        )
    return hidden


def may_propose(membership: Membership, vote: Vote, text: str) -> bool:
    """A moderator, or the answer's author where the question was named."""
    if vote.panel_id != membership.panel_id or not has_perm(membership, Perm.TAKE_PART):
        return False
    if membership.can_moderate:
        return True
    return any(
        len(row) > 3 and row[2] == membership.pk and row[3] == text
        for row in (vote.result or {}).get("named", [])
    )


def proposal_from_answer(
    actor: Membership, vote: Vote, text: str, item: AgendaItem, title: str = ""
) -> Proposal:
    """Bring the answer in as a proposal on an agenda item that takes proposals."""
    _closed_answer(vote, text)
    if not may_propose(actor, vote, text):
        raise VotingError(_("Only its author or a moderator can make this answer a proposal."))
    if is_hidden(vote, text):
        raise VotingError(_("A hidden answer cannot become a proposal."))
    title = " ".join(title.split()) or text
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1] + "…"
    return proposals.create_proposal(actor, item, title=title, text=text, from_vote=vote)


def open_items(panel) -> list[AgendaItem]:
    """The agenda items of the panel's meetings that take proposals now."""
    items = AgendaItem.objects.filter(meeting__panel=panel).select_related("meeting")
    return [
        item
        for item in items.order_by("meeting__starts_at", "position")
        if item.accepts_submissions()
    ]
