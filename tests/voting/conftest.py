"""Proposals and amendments: bob's proposal to the item under discussion, and a check
that a refused call changes nothing.

The voting tests read and assert English messages; the app itself is Dutch first.
"""

import pytest
from django.utils import translation

from panels.models import AgendaItem, Meeting
from voting import services
from voting.models import Amendment, Proposal

# Three paragraphs, so amendments can aim at the first, the middle and the last.
PROPOSAL_TEXT = (
    "De tuinen worden twee keer per jaar gesnoeid.\n\n"
    "Huurders kiezen samen de planten voor de binnentuin.\n\n"
    "De huurdersvereniging krijgt een budget van 500 euro."
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    """The test client, asking for English pages (the shared `client_for` uses this one)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def item(live_meeting) -> AgendaItem:
    """The agenda item under discussion in the live meeting, open for proposals."""
    return live_meeting.items.get(state=AgendaItem.State.CURRENT)


@pytest.fixture
def later_item(live_meeting) -> AgendaItem:
    """An agenda item still to come: proposals may be brought in beforehand."""
    return live_meeting.items.filter(state=AgendaItem.State.PENDING).order_by("position").first()


@pytest.fixture
def proposal(bob, item) -> Proposal:
    """Bob's submitted proposal, version 1, three paragraphs."""
    return services.create_proposal(bob, item, title="Groen in de wijk", text=PROPOSAL_TEXT)


@pytest.fixture
def amend(proposal):
    """Propose an amendment to bob's proposal against its current version."""

    def make(
        author,
        kind: str = "replace",
        paragraph: int | None = 1,
        new_text: str = "Huurders kiezen samen de bomen voor de binnentuin.",
        rationale: str = "Bomen geven meer schaduw.",
        to: Proposal | None = None,
    ) -> Amendment:
        target = Proposal.objects.get(pk=(to or proposal).pk)
        return services.propose_amendment(
            author,
            target,
            kind=kind,
            paragraph=paragraph,
            new_text=new_text,
            rationale=rationale,
            base_version=target.version,
        )

    return make


def fresh(obj):
    """The object as the database has it now."""
    return type(obj).objects.get(pk=obj.pk)


def voting_snapshot(panel) -> tuple:
    """Everything a proposal or amendment service could change in a panel."""
    proposals = Proposal.objects.filter(item__meeting__panel=panel)
    amendments = Amendment.objects.filter(proposal__item__meeting__panel=panel)
    return (
        sorted(
            proposals.values_list(
                "pk",
                "title",
                "text",
                "version",
                "state",
                "produced_by",
                "amendments_open",
                "amendments_close_at",
                "hidden_at",
                "hidden_reason",
                "submitted_at",
            )
        ),
        sorted(proposals.values_list("pk", "supporters")),
        sorted(
            amendments.values_list(
                "pk",
                "kind",
                "paragraph",
                "new_text",
                "rationale",
                "base_version",
                "proposed_text",
                "state",
                "hidden_at",
            )
        ),
        Proposal.history.filter(item__meeting__panel=panel).count(),
        Amendment.history.filter(proposal__item__meeting__panel=panel).count(),
        sorted(Meeting.objects.filter(panel=panel).values_list("pk", "seq")),
    )


def _refusal(callbacks_fixture, panel, call, error):
    before = voting_snapshot(panel)
    with callbacks_fixture() as callbacks, pytest.raises(error) as caught:
        call()
    assert str(caught.value).strip(), "a refusal must say why"
    assert voting_snapshot(panel) == before, "a refusal must change nothing"
    assert callbacks == [], "a refusal must push nothing"
    return caught.value


@pytest.fixture
def refused(django_capture_on_commit_callbacks, panel):
    """Run a call that must be refused; returns the message shown to the person.

    A refusal raises VotingError with a reason, and changes nothing: no row, no
    history record, no sequence number, no push.
    """

    def check(call) -> str:
        return str(_refusal(django_capture_on_commit_callbacks, panel, call, services.VotingError))

    return check


@pytest.fixture
def stale(django_capture_on_commit_callbacks, panel):
    """Run a call made against an old version: it raises StaleVersion (returned) and
    changes nothing."""

    def check(call) -> services.StaleVersion:
        return _refusal(django_capture_on_commit_callbacks, panel, call, services.StaleVersion)

    return check
