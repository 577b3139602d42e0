"""Rules for proposals and amendments, and what a vote on one of them does to it.

Each function takes the acting membership, locks the proposal row, checks the
rule, changes data with a history record (who and why), and pushes the live
page's proposal fragments after commit. A new text is always a new version:
`Proposal.version` goes up by one and the history row records the cause.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from panels import hiding
from panels.access import Perm, require
from panels.live import changes
from panels.models import AgendaItem, Meeting, Membership
from panels.services import save_with_history
from voting import counting, emails
from voting import text as texts
from voting.errors import VotingError
from voting.models import RATIONALE_MAX, TEXT_MAX, TITLE_MAX, Amendment, Proposal

PState = Proposal.State
AState = Amendment.State


class StaleVersion(VotingError):
    """The proposal changed after the form was shown. Carries the current version so
    the form can show what changed and keep what the person typed."""

    def __init__(self, proposal: Proposal, base_text: str) -> None:
        self.proposal = proposal
        self.base_text = base_text
        super().__init__(
            _(
                "The proposal changed while you were writing (it is now version %(version)s). "
                "Check the changes below; what you wrote has been kept."
            )
            % {"version": proposal.version}
        )


def _same_panel(actor: Membership, meeting: Meeting) -> None:
    if meeting.panel_id != actor.panel_id:
        raise VotingError(_("You are not allowed to do this."))


def _lock(proposal: Proposal) -> Proposal:
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("item__meeting", "submitter__user")
        .get(pk=proposal.pk)
    )


def _clean_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise VotingError(_("Give the proposal a title."))
    if len(title) > TITLE_MAX:
        raise VotingError(_("A title can be at most %(max)s characters.") % {"max": TITLE_MAX})
    return title


def _clean_text(text: str, what: str = "proposal") -> str:
    text = texts.normalise(text)
    if not text:
        raise VotingError(_("Write the text of the proposal."))
    if len(text) > TEXT_MAX:
        raise VotingError(
            _("A text can be at most %(max)s characters; this one has %(count)s.")
            % {
                "max": number_format(TEXT_MAX, force_grouping=True),
                "count": number_format(len(text), force_grouping=True),
            }
        )
    return text


def _changed(proposal: Proposal, *, with_submitter: bool = True) -> None:
    """Push the live page's proposal fragments (and the submitter's own) after commit."""
    meeting = proposal.item.meeting
    personal = [proposal.submitter.user_id] if with_submitter else []
    changes.changed(meeting, "proposals", personal_for=personal)


# --- proposals --------------------------------------------------------------------


def set_submissions(
    actor: Membership, item: AgendaItem, open_: bool, close_at: datetime | None = None
) -> AgendaItem:
    """Open or close an agenda item for new proposals (optionally until a moment)."""
    require(actor, Perm.MODERATE, error=VotingError)
    with transaction.atomic():
        item = AgendaItem.objects.select_for_update().select_related("meeting").get(pk=item.pk)
        _same_panel(actor, item.meeting)
        item.submissions_open = open_
        item.submissions_close_at = close_at if open_ else None
        save_with_history(
            item,
            actor.user,
            "proposals opened" if open_ else "proposals closed",
            update_fields=["submissions_open", "submissions_close_at"],
        )
        changes.changed(item.meeting, "proposals")
    return item


def create_proposal(
    actor: Membership, item: AgendaItem, *, title: str, text: str, submit: bool = True
) -> Proposal:
    require(actor, Perm.TAKE_PART, error=VotingError)
    title, text = _clean_title(title), _clean_text(text)
    with transaction.atomic():
        item = AgendaItem.objects.select_for_update().select_related("meeting").get(pk=item.pk)
        _same_panel(actor, item.meeting)
        if not item.accepts_submissions():
            raise VotingError(_("This agenda item does not accept new proposals."))
        now = timezone.now()
        proposal = Proposal(
            item=item,
            title=title,
            text=text,
            submitter=actor,
            state=PState.SUBMITTED if submit else PState.DRAFT,
            submitted_at=now if submit else None,
        )
        save_with_history(proposal, actor.user, "submitted" if submit else "drafted")
        _changed(proposal)
    return proposal


def edit_proposal(
    actor: Membership, proposal: Proposal, *, title: str, text: str, base_version: int
) -> Proposal:
    """The submitter rewrites their proposal before it is admitted to the floor."""
    title, text = _clean_title(title), _clean_text(text)
    with transaction.atomic():
        proposal = _lock(proposal)
        if proposal.submitter_id != actor.pk or not actor.is_active:
            raise VotingError(_("Only the submitter can change a proposal."))
        if proposal.is_hidden:
            raise VotingError(_("A hidden proposal cannot be changed."))
        if proposal.state not in (PState.DRAFT, PState.SUBMITTED):
            raise VotingError(
                _("Once a proposal is on the floor, it changes only through amendments.")
            )
        if proposal.version != base_version:
            raise StaleVersion(proposal, _text_of_version(proposal, base_version))
        if title == proposal.title and text == proposal.text:
            return proposal
        fields = ["title"]
        proposal.title = title
        if text != proposal.text:
            proposal.text = text
            proposal.version += 1
            proposal.produced_by = None
            fields += ["text", "version", "produced_by"]
        save_with_history(proposal, actor.user, "edited by the submitter", update_fields=fields)
        _changed(proposal)
    return proposal


def _text_of_version(proposal: Proposal, version: int) -> str:
    record = proposal.history.filter(version=version).order_by("history_date").first()
    return record.text if record else ""


def _transition(actor: Membership, proposal: Proposal, to: str, reason: str) -> Proposal:
    if to not in Proposal.TRANSITIONS[PState(proposal.state)]:
        raise VotingError(
            _("A proposal that is “%(state)s” cannot change like this.")
            % {"state": proposal.get_state_display().lower()}
        )
    proposal.state = to
    fields = ["state"]
    if to == PState.SUBMITTED:
        proposal.submitted_at = timezone.now()
        fields.append("submitted_at")
    save_with_history(proposal, actor.user, reason, update_fields=fields)
    return proposal


def submit_proposal(actor: Membership, proposal: Proposal) -> Proposal:
    with transaction.atomic():
        proposal = _lock(proposal)
        if proposal.submitter_id != actor.pk:
            raise VotingError(_("Only the submitter can submit this proposal."))
        if proposal.state == PState.SUBMITTED:
            return proposal
        if not proposal.item.accepts_submissions():
            raise VotingError(_("This agenda item does not accept new proposals."))
        _transition(actor, proposal, PState.SUBMITTED, "submitted")
        _changed(proposal)
    return proposal


def withdraw_proposal(actor: Membership, proposal: Proposal) -> Proposal:
    """The submitter withdraws, until the vote opens."""
    with transaction.atomic():
        proposal = _lock(proposal)
        if proposal.submitter_id != actor.pk:
            raise VotingError(_("Only the submitter can withdraw this proposal."))
        if proposal.state == PState.WITHDRAWN:
            return proposal
        if proposal.state not in Proposal.OPEN_STATES:
            raise VotingError(_("A proposal can only be withdrawn until the vote opens."))
        _transition(actor, proposal, PState.WITHDRAWN, "withdrawn")
        for amendment in proposal.amendments.filter(state__in=Amendment.OPEN_STATES):
            amendment.state = AState.WITHDRAWN
            amendment.decided_at = timezone.now()
            save_with_history(
                amendment, actor.user, "proposal withdrawn", update_fields=["state", "decided_at"]
            )
        _changed(proposal)
    return proposal


def admit_proposal(actor: Membership, proposal: Proposal) -> Proposal:
    """The moderator puts a submitted proposal on the floor."""
    require(actor, Perm.MODERATE, error=VotingError)
    with transaction.atomic():
        proposal = _lock(proposal)
        _same_panel(actor, proposal.item.meeting)
        if proposal.state == PState.ON_FLOOR:
            return proposal
        if proposal.is_hidden:
            raise VotingError(_("A hidden proposal cannot be put on the floor."))
        _transition(actor, proposal, PState.ON_FLOOR, "admitted to the floor")
        _changed(proposal)
    return proposal


def hide_proposal(actor: Membership, proposal: Proposal, reason: str) -> Proposal:
    return hiding.hide(actor, proposal, reason, error=VotingError)


def support_proposal(actor: Membership, proposal: Proposal, support: bool) -> Proposal:
    """Become (or stop being) a supporter (co-submitter) of someone else's proposal."""
    require(actor, Perm.TAKE_PART, error=VotingError)
    with transaction.atomic():
        proposal = _lock(proposal)
        _same_panel(actor, proposal.item.meeting)
        if proposal.submitter_id == actor.pk:
            raise VotingError(_("You are the submitter of this proposal."))
        if support and (
            not proposal.is_open or proposal.state == PState.DRAFT or proposal.is_hidden
        ):
            raise VotingError(_("This proposal can no longer be supported."))
        if proposal.supporters.filter(pk=actor.pk).exists() == support:
            return proposal  # nothing changes: a double click
        if support:
            proposal.supporters.add(actor)
        else:
            proposal.supporters.remove(actor)
        # The supporters are part of the proposal's record: note the change in its history.
        save_with_history(proposal, actor.user, "supported" if support else "support withdrawn")
        _changed(proposal, with_submitter=False)
    return proposal


def set_amendment_window(
    actor: Membership, proposal: Proposal, open_: bool, close_at: datetime | None = None
) -> Proposal:
    require(actor, Perm.MODERATE, error=VotingError)
    with transaction.atomic():
        proposal = _lock(proposal)
        _same_panel(actor, proposal.item.meeting)
        proposal.amendments_open = open_
        proposal.amendments_close_at = close_at if open_ else None
        save_with_history(
            proposal,
            actor.user,
            "amendments opened" if open_ else "amendments closed",
            update_fields=["amendments_open", "amendments_close_at"],
        )
        _changed(proposal)
    return proposal


# --- amendments --------------------------------------------------------------------


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
        proposal = _lock(proposal)
        _same_panel(actor, proposal.item.meeting)
        if (
            proposal.is_hidden
            or proposal.state == PState.DRAFT
            or not proposal.amendments_accepted_now()
        ):
            raise VotingError(_("This proposal does not accept amendments (any more)."))
        if proposal.version != base_version:
            raise StaleVersion(proposal, _text_of_version(proposal, base_version))
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
        _changed(proposal)
    return amendment


def _lock_amendment(amendment: Amendment) -> tuple[Proposal, Amendment]:
    proposal = _lock(amendment.proposal)
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
            raise StaleVersion(proposal, _text_of_version(proposal, base_version))
        rationale, result = _build(proposal, kind, paragraph, new_text, rationale)
        amendment.kind = kind
        amendment.paragraph = paragraph if kind != Amendment.Kind.REPLACE_ALL else None
        amendment.new_text = texts.normalise(new_text)
        amendment.rationale = rationale
        amendment.base_version = proposal.version
        amendment.base_text = proposal.text
        amendment.proposed_text = result
        save_with_history(amendment, actor.user, "reworked")
        _changed(proposal)
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
        _changed(proposal)
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
        _changed(proposal)
    return amendment


def hide_amendment(actor: Membership, amendment: Amendment, reason: str) -> Amendment:
    """Hide an abusive amendment; it can no longer be accepted or voted on."""
    return hiding.hide(actor, amendment, reason, error=VotingError)


def put_amendment_to_vote(actor: Membership, amendment: Amendment) -> Amendment:
    """The moderator decides this amendment is voted on: the submitter can no longer accept it."""
    require(actor, Perm.MODERATE, error=VotingError)
    with transaction.atomic():
        proposal, amendment = _lock_amendment(amendment)
        _same_panel(actor, proposal.item.meeting)
        if amendment.state == AState.TO_VOTE:
            return amendment
        if amendment.state != AState.PENDING or not proposal.is_open:
            raise VotingError(_("This amendment can no longer be put to the vote."))
        amendment.state = AState.TO_VOTE
        save_with_history(amendment, actor.user, "put to the vote", update_fields=["state"])
        _changed(proposal)
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
    _changed(proposal)


def reject_amendment(proposal: Proposal, amendment: Amendment, user) -> None:
    """Record that a vote rejected the amendment (called under both locks)."""
    amendment.state = AState.REJECTED
    amendment.decided_at = timezone.now()
    save_with_history(amendment, user, "rejected", update_fields=["state", "decided_at"])
    _changed(proposal)


# --- decided by a vote (voting/lifecycle.py calls these in the vote's transaction) --------


def open_vote_on_amendment(actor: Membership, amendment: Amendment) -> None:
    """The amendment's vote opens: it is put to the vote, if it still can be."""
    proposal, amendment = _lock_amendment(amendment)
    if amendment.state not in Amendment.OPEN_STATES or not proposal.is_open:
        raise VotingError(_("This amendment can no longer be voted on."))
    if amendment.state == AState.PENDING:
        amendment.state = AState.TO_VOTE
        save_with_history(amendment, actor.user, "put to the vote", update_fields=["state"])


def open_vote_on_proposal(actor: Membership, proposal: Proposal) -> None:
    """The order rule: amendments are decided before the proposal they amend."""
    proposal = _lock(proposal)
    if proposal.state not in (PState.SUBMITTED, PState.ON_FLOOR):
        raise VotingError(_("This proposal cannot be voted on now."))
    if proposal.amendments.filter(state__in=Amendment.OPEN_STATES, hidden_at__isnull=True).exists():
        raise VotingError(
            _("First decide on the open amendments to this proposal: they are voted first.")
        )
    proposal.state = PState.IN_VOTE
    save_with_history(proposal, actor.user, "vote opened", update_fields=["state"])


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


def decide_proposal_by_vote(proposal: Proposal, outcome: str, user) -> None:
    """The proposal's vote closed with this outcome: adopted or rejected, and those
    involved hear of it."""
    proposal = _lock(proposal)
    if proposal.state != PState.IN_VOTE:
        return
    proposal.state = PState.ADOPTED if outcome == counting.ADOPTED else PState.REJECTED
    save_with_history(proposal, user, f"vote: {outcome}", update_fields=["state"])
    _changed(proposal)
    decided = proposal.pk
    changes.after_commit(lambda: emails.send_proposal_decided(decided))
