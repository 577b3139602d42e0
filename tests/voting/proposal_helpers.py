"""What the proposal and amendment tests (test_proposals.py, test_amendments*.py) share:
who may take part, the proposal's paragraphs, and two small readers."""

from tests.voting.conftest import PROPOSAL_TEXT, fresh
from voting import text as texts
from voting.models import Amendment, Proposal

PState = Proposal.State
AState = Amendment.State

TAKE_PART = ["alice", "bob", "nora", "carl", "tina"]
NON_MODERATORS = ["bob", "nora", "olga", "carl", "tina"]

P0, P1, P2 = texts.paragraphs(PROPOSAL_TEXT)


def set_state(proposal: Proposal, state: str) -> Proposal:
    """Move a proposal on where no service does yet (the vote itself)."""
    Proposal.objects.filter(pk=proposal.pk).update(state=state)
    return fresh(proposal)


def reasons(obj) -> list[str]:
    return [r.history_change_reason for r in obj.history.order_by("history_date", "history_id")]
