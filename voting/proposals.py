"""Rules for proposals, and what a vote on one does to it (amendments: amendments.py).

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
from voting import counting
from voting import text as texts
from voting.errors import VotingError
from voting.models import TEXT_MAX, TITLE_MAX, Amendment, Proposal

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


def same_panel(actor: Membership, meeting: Meeting) -> None:
    if meeting.panel_id != actor.panel_id:
        raise VotingError(_("You are not allowed to do this."))


def lock(proposal: Proposal) -> Proposal:
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


def clean_text(text: str, what: str = "proposal") -> str:
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


def announce(proposal: Proposal, *, with_submitter: bool = True) -> None:
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
        same_panel(actor, item.meeting)
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
    actor: Membership,
    item: AgendaItem,
    *,
    title: str,
    text: str,
    submit: bool = True,
    from_vote=None,
) -> Proposal:
    require(actor, Perm.TAKE_PART, error=VotingError)
    title, text = _clean_title(title), clean_text(text)
    with transaction.atomic():
        item = AgendaItem.objects.select_for_update().select_related("meeting").get(pk=item.pk)
        same_panel(actor, item.meeting)
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
            from_vote=from_vote,
        )
        save_with_history(proposal, actor.user, "submitted" if submit else "drafted")
        announce(proposal)
    return proposal


def edit_proposal(
    actor: Membership, proposal: Proposal, *, title: str, text: str, base_version: int
) -> Proposal:
    """The submitter rewrites their proposal before it is admitted to the floor."""
    title, text = _clean_title(title), clean_text(text)
    with transaction.atomic():
        proposal = lock(proposal)
        if proposal.submitter_id != actor.pk or not actor.is_active:
            raise VotingError(_("Only the submitter can change a proposal."))
        if proposal.is_hidden:
            raise VotingError(_("A hidden proposal cannot be changed."))
        if proposal.state not in (PState.DRAFT, PState.SUBMITTED):
            raise VotingError(
                _("Once a proposal is on the floor, it changes only through amendments.")
            )
        if proposal.version != base_version:
            raise StaleVersion(proposal, text_of_version(proposal, base_version))
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
        announce(proposal)
    return proposal


def text_of_version(proposal: Proposal, version: int) -> str:
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
        proposal = lock(proposal)
        if proposal.submitter_id != actor.pk:
            raise VotingError(_("Only the submitter can submit this proposal."))
        if proposal.state == PState.SUBMITTED:
            return proposal
        if not proposal.item.accepts_submissions():
            raise VotingError(_("This agenda item does not accept new proposals."))
        _transition(actor, proposal, PState.SUBMITTED, "submitted")
        announce(proposal)
    return proposal


def withdraw_proposal(actor: Membership, proposal: Proposal) -> Proposal:
    """The submitter withdraws, until the vote opens."""
    with transaction.atomic():
        proposal = lock(proposal)
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
        announce(proposal)
    return proposal


def admit_proposal(actor: Membership, proposal: Proposal) -> Proposal:
    """The moderator puts a submitted proposal on the floor."""
    require(actor, Perm.MODERATE, error=VotingError)
    with transaction.atomic():
        proposal = lock(proposal)
        same_panel(actor, proposal.item.meeting)
        if proposal.state == PState.ON_FLOOR:
            return proposal
        if proposal.is_hidden:
            raise VotingError(_("A hidden proposal cannot be put on the floor."))
        _transition(actor, proposal, PState.ON_FLOOR, "admitted to the floor")
        announce(proposal)
    return proposal


def hide_proposal(actor: Membership, proposal: Proposal, reason: str) -> Proposal:
    return hiding.hide(actor, proposal, reason, error=VotingError)


def support_proposal(actor: Membership, proposal: Proposal, support: bool) -> Proposal:
    """Become (or stop being) a supporter (co-submitter) of someone else's proposal."""
    require(actor, Perm.TAKE_PART, error=VotingError)
    with transaction.atomic():
        proposal = lock(proposal)
        same_panel(actor, proposal.item.meeting)
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
        announce(proposal, with_submitter=False)
    return proposal


def set_amendment_window(
    actor: Membership, proposal: Proposal, open_: bool, close_at: datetime | None = None
) -> Proposal:
    require(actor, Perm.MODERATE, error=VotingError)
    with transaction.atomic():
        proposal = lock(proposal)
        same_panel(actor, proposal.item.meeting)
        proposal.amendments_open = open_
        proposal.amendments_close_at = close_at if open_ else None
        save_with_history(
            proposal,
            actor.user,
            "amendments opened" if open_ else "amendments closed",
            update_fields=["amendments_open", "amendments_close_at"],
        )
        announce(proposal)
    return proposal


# --- decided by a vote (voting/lifecycle.py calls these in the vote's transaction) --------


def open_vote_on_proposal(actor: Membership, proposal: Proposal) -> None:
    """The order rule: amendments are decided before the proposal they amend."""
    proposal = lock(proposal)
    if proposal.state not in (PState.SUBMITTED, PState.ON_FLOOR):
        raise VotingError(_("This proposal cannot be voted on now."))
    if proposal.amendments.filter(state__in=Amendment.OPEN_STATES, hidden_at__isnull=True).exists():
        raise VotingError(
            _("First decide on the open amendments to this proposal: they are voted first.")
        )
    proposal.state = PState.IN_VOTE
    save_with_history(proposal, actor.user, "vote opened", update_fields=["state"])


def decide_proposal_by_vote(proposal: Proposal, outcome: str, user) -> None:
    """The proposal's vote closed with this outcome: adopted or rejected."""
    proposal = lock(proposal)
    if proposal.state != PState.IN_VOTE:
        return
    proposal.state = PState.ADOPTED if outcome == counting.ADOPTED else PState.REJECTED
    save_with_history(proposal, user, f"vote: {outcome}", update_fields=["state"])
    announce(proposal)  # (every member hears of the result: voting/emails.py)
