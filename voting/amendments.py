"""Amendments: changes to a proposal's text, proposed by members, decided by the
moderator or by a vote.

Each function takes the acting membership, locks the proposal (the amendment's changes
are changes to it: proposals.lock), checks the rule, changes data with a history record,
and pushes the live page's proposal fragments after commit. An amendment is made on one
version of the text and applies only while that text is still there.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from panels import hiding
from panels.access import Perm, require
from panels.models import Membership
from panels.services import save_with_history
from voting import counting, proposals
from voting import text as texts
from voting.errors import VotingError
from voting.models import RATIONALE_MAX, TEXT_MAX, Amendment, Proposal

PState = Proposal.State
AState = Amendment.State


def _build(
    proposal: Proposal, kind: str, paragraph: int | None, new_text: str, rationale: str
) -> tuple[str, str]:
    """Validate an amendment against the proposal's current text; returns (rationale, result)."""
    if kind not in Amendment.Kind.values:
        raise VotingError(_("Choose what the amendment changes."))
    rationale = rationale.strip()
    if not rationale:
        raise VotingError(_("Explain why you propose this change."))
    if len(rationale) > RATIONALE_MAX:
        raise VotingError(
            _("The explanation can be at most %(max)s characters.") % {"max": RATIONALE_MAX}
        )
    if len(new_text) > TEXT_MAX:
        raise VotingError(_("A text can be at most %(max)s characters.") % {"max": TEXT_MAX})
    new_text = texts.normalise(new_text)
    try:
        result = texts.join(texts.apply_change(proposal.paragraphs, kind, paragraph, new_text))
    except texts.ChangeError as error:
        raise VotingError(str(error)) from None
    if result == texts.normalise(proposal.text):
        raise VotingError(_("This amendment would not change the text."))
    if len(result) > TEXT_MAX:
        raise VotingError(_("With this change the text would be longer than allowed."))
    return rationale, result


def propose_amendment(
    actor: Membership,
    proposal: Proposal,
    *,
    kind: str,
    paragraph: int | None,
    new_text: str,
    rationale: str,
    base_version: int,
) -> Amendment:
    require(actor, Perm.TAKE_PART, error=VotingError)
    with transaction.atomic():
        proposal = proposals.lock(proposal)
        proposals.same_panel(actor, proposal.item.meeting)
        if (
            proposal.is_hidden
            or proposal.state == PState.DRAFT
            or not proposal.amendments_accepted_now()
        ):
            raise VotingError(_("This proposal does not accept amendments (any more)."))
        if proposal.version != base_version:
            raise proposals.StaleVersion(
                proposal, proposals.text_of_version(proposal, base_version)
            )
        rationale, result = _build(proposal, kind, paragraph, new_text, rationale)
        amendment = Amendment(
            proposal=proposal,
            author=actor,
            kind=kind,
            paragraph=paragraph if kind != Amendment.Kind.REPLACE_ALL else None,
            new_text=texts.normalise(new_text),
            rationale=rationale,
            base_version=proposal.version,
            base_text=proposal.text,
            proposed_text=result,
        )
        save_with_history(amendment, actor.user, "proposed")
        proposals.announce(proposal)
    return amendment


def _lock_amendment(amendment: Amendment) -> tuple[Proposal, Amendment]:
    proposal = proposals.lock(amendment.proposal)
    return proposal, Amendment.objects.select_for_update().get(pk=amendment.pk)


def rework_amendment(
    actor: Membership,
    amendment: Amendment,
    *,
    kind: str,
    paragraph: int | None,
    new_text: str,
    rationale: str,
    base_version: int,
) -> Amendment:
    """The author rewrites a pending amendment, against the current version (a rebase)."""
    with transaction.atomic():
        proposal, amendment = _lock_amendment(amendment)
        if amendment.author_id != actor.pk or not actor.is_active:
            raise VotingError(_("Only the author can change this amendment."))
        if amendment.state != AState.PENDING:
            raise VotingError(_("This amendment can no longer be changed."))
        if not proposal.is_open:
            raise VotingError(_("This proposal can no longer be amended."))
        if proposal.version != base_version:
            raise proposals.StaleVersion(
                proposal, proposals.text_of_version(proposal, base_version)
            )
        rationale, result = _build(proposal, kind, paragraph, new_text, rationale)
        amendment.kind = kind
        amendment.paragraph = paragraph if kind != Amendment.Kind.REPLACE_ALL else None
        amendment.new_text = texts.normalise(new_text)
        amendment.rationale = rationale
        amendment.base_version = proposal.version
        amendment.base_text = proposal.text
        amendment.proposed_text = result
        save_with_history(amendment, actor.user, "reworked")
        proposals.announce(proposal)
    return amendment


def rebase_amendment(actor: Membership, amendment: Amendment) -> Amendment:
    """Carry an outdated amendment over to the current version, if what it changes is unchanged."""
    with transaction.atomic():
        proposal, amendment = _lock_amendment(amendment)
        if amendment.author_id != actor.pk:
            raise VotingError(_("Only the author can change this amendment."))
        if not amendment.is_open or not proposal.is_open:
            raise VotingError(_("This amendment can no longer be changed."))
        if amendment.base_version == proposal.version:
            return amendment
        index, result = _on_current_text(proposal, amendment)
        amendment.paragraph = index if amendment.kind != Amendment.Kind.REPLACE_ALL else None
        amendment.base_version = proposal.version
        amendment.base_text = proposal.text
        amendment.proposed_text = result
        save_with_history(amendment, actor.user, "carried over to the current version")
        proposals.announce(proposal)
    return amendment


def _on_current_text(proposal: Proposal, amendment: Amendment) -> tuple[int | None, str]:
    """Where the amendment applies in the proposal's current text, and the text it gives.

    Raises VotingError when it no longer applies: what it changes has changed, or the
    result would be invalid (no paragraph left, too long)."""
    index = amendment.paragraph
    if amendment.base_version != proposal.version:
        index = texts.rebase_index(
            texts.paragraphs(amendment.base_text),
            proposal.paragraphs,
            amendment.kind,
            amendment.paragraph,
        )
        if index is None:
            raise VotingError(
                _(
                    "The part of the proposal this amendment changes has itself changed. "
                    "Its author must rework it first."
                )
            )
    try:
        result = texts.join(
            texts.apply_change(proposal.paragraphs, amendment.kind, index, amendment.new_text)
        )
    except texts.ChangeError as error:
        raise VotingError(str(error)) from None
    if result == texts.normalise(proposal.text):
        raise VotingError(_("This amendment would not change the text."))
    if len(result) > TEXT_MAX:
        raise VotingError(_("With this change the text would be longer than allowed."))
    return index, result


def can_apply(amendment: Amendment) -> bool:
    """Whether the amendment applies to the proposal's current text without rework."""
    try:
        _on_current_text(amendment.proposal, amendment)
    except VotingError:
        return False
    return True


def withdraw_amendment(actor: Membership, amendment: Amendment) -> Amendment:
    with transaction.atomic():
        proposal, amendment = _lock_amendment(amendment)
        if amendment.author_id != actor.pk:
            raise VotingError(_("Only the author can withdraw this amendment."))
        if amendment.state == AState.WITHDRAWN:
            return amendment
        if amendment.state != AState.PENDING:
            raise VotingError(_("This amendment can no longer be withdrawn."))
        amendment.state = AState.WITHDRAWN
        amendment.decided_at = timezone.now()
        save_with_history(amendment, actor.user, "withdrawn", update_fields=["state", "decided_at"])
        proposals.announce(proposal)
    return amendment


def hide_amendment(actor: Membership, amendment: Amendment, reason: str) -> Amendment:
    """Hide an abusive amendment; it can no longer be accepted or voted on."""
    return hiding.hide(actor, amendment, reason, error=VotingError)


def put_amendment_to_vote(actor: Membership, amendment: Amendment) -> Amendment:
    """The moderator decides this amendment is voted on: the submitter can no longer accept it."""
    require(actor, Perm.MODERATE, error=VotingError)
    with transaction.atomic():
        proposal, amendment = _lock_amendment(amendment)
        proposals.same_panel(actor, proposal.item.meeting)
        if amendment.state == AState.TO_VOTE:
            return amendment
        if amendment.state != AState.PENDING or not proposal.is_open:
            raise VotingError(_("This amendment can no longer be put to the vote."))
        amendment.state = AState.TO_VOTE
        save_with_history(amendment, actor.user, "put to the vote", update_fields=["state"])
        proposals.announce(proposal)
    return amendment


def accept_amendment(actor: Membership, amendment: Amendment) -> Proposal:
    """The submitter accepts an amendment as friendly: a new version, no vote needed."""
    with transaction.atomic():
        proposal, amendment = _lock_amendment(amendment)
        if proposal.submitter_id != actor.pk or not actor.is_active:
            raise VotingError(_("Only the submitter of the proposal can accept an amendment."))
        if amendment.state == AState.TO_VOTE:
            raise VotingError(
                _("The moderator has put this amendment to the vote; it cannot be accepted.")
            )
        if amendment.state != AState.PENDING:
            raise VotingError(_("This amendment has already been dealt with."))
        if not proposal.is_open:
            raise VotingError(_("This proposal can no longer be amended."))
        apply_amendment(proposal, amendment, AState.ACCEPTED, actor.user)
    return proposal


def apply_amendment(proposal: Proposal, amendment: Amendment, outcome: str, user) -> None:
    """Make the amendment's change a new version of the proposal (called under both locks).

    Used for a friendly acceptance here and for an adopted vote in the voting flow.
    """
    _index, result = _on_current_text(proposal, amendment)
    now = timezone.now()
    amendment.state = outcome
    amendment.decided_at = now
    save_with_history(amendment, user, outcome, update_fields=["state", "decided_at"])
    proposal.text = result
    proposal.version += 1
    proposal.produced_by = amendment
    save_with_history(
        proposal,
        user,
        f"amendment #{amendment.pk} {outcome}",
        update_fields=["text", "version", "produced_by"],
    )
    proposals.announce(proposal)


def reject_amendment(proposal: Proposal, amendment: Amendment, user) -> None:
    """Record that a vote rejected the amendment (called under both locks)."""
    amendment.state = AState.REJECTED
    amendment.decided_at = timezone.now()
    save_with_history(amendment, user, "rejected", update_fields=["state", "decided_at"])
    proposals.announce(proposal)


# --- decided by a vote (voting/lifecycle.py calls these in the vote's transaction) --------


def open_vote_on_amendment(actor: Membership, amendment: Amendment) -> None:
    """The amendment's vote opens: it is put to the vote, if it still can be."""
    proposal, amendment = _lock_amendment(amendment)
    if amendment.state not in Amendment.OPEN_STATES or not proposal.is_open:
        raise VotingError(_("This amendment can no longer be voted on."))
    if amendment.state == AState.PENDING:
        amendment.state = AState.TO_VOTE
        save_with_history(amendment, actor.user, "put to the vote", update_fields=["state"])


def decide_amendment_by_vote(amendment: Amendment, outcome: str, user) -> None:
    """The amendment's vote closed with this outcome: adopted ones change the text."""
    proposal, amendment = _lock_amendment(amendment)
    if not amendment.is_open:
        return
    if outcome == counting.ADOPTED:
        try:
            apply_amendment(proposal, amendment, AState.ADOPTED, user)
        except VotingError:
            # Adopted, but it no longer fits the text: record the decision, keep the text.
            amendment.state = AState.ADOPTED
            amendment.decided_at = timezone.now()
            save_with_history(
                amendment,
                user,
                "adopted (not applicable)",
                update_fields=["state", "decided_at"],
            )
    else:
        reject_amendment(proposal, amendment, user)
