"""Proposals and amendments: bob's proposal to the item under discussion, and a check
that a refused call changes nothing.

The voting tests read and assert English messages; the app itself is Dutch first.
"""

import secrets
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from panels import sealing
from panels.models import AgendaItem, LiveWorker, Meeting, Membership, Presence, Role
from tests.conftest import make_user
from tests.helpers import refusal
from voting import amendments, casting, lifecycle
from voting import proposals as services
from voting.models import (
    Amendment,
    Ballot,
    BallotBox,
    Participation,
    Proposal,
    Proxy,
    RollEntry,
    Vote,
)

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
        return amendments.propose_amendment(
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


@pytest.fixture
def state_snapshot(panel):
    """What a refused voting call must leave as it was (the `refused` fixture, tests/conftest.py):
    proposals, amendments, votes, ballots, the roll, proxies, their history and the meetings'
    sequence numbers."""
    return lambda: votes_snapshot(panel)


@pytest.fixture
def refusal_error():
    """A refused voting call raises VotingError with a reason (the `refused` fixture)."""
    return services.VotingError


@pytest.fixture
def stale(django_capture_on_commit_callbacks, state_snapshot):
    """Run a call made against an old version: it raises StaleVersion (returned) and
    changes nothing."""

    def check(call) -> services.StaleVersion:
        return refusal(
            call,
            error=services.StaleVersion,
            snapshot=state_snapshot,
            capture_on_commit=django_capture_on_commit_callbacks,
        )

    return check


# --- votes: more voters, presence in the live meeting, votes ready to cast in ----------------


def ballot_key() -> str:
    """A fresh submission key, as the browser makes one for each ballot form it shows."""
    return secrets.token_hex(16)


def be_present(meeting: Meeting, *members: Membership, worker_id: str = "worker-test") -> None:
    """Give each member an open connection to the meeting on a live (heartbeating) worker."""
    worker, _ = LiveWorker.objects.update_or_create(
        pk=worker_id, defaults={"seen_at": timezone.now()}
    )
    for member in members:
        Presence.objects.create(
            meeting=meeting,
            membership=member,
            worker=worker,
            connection=f"{worker_id}/{uuid.uuid4().hex}",
        )


def leave(meeting: Meeting, *members: Membership) -> None:
    """Close every connection these members have to the meeting."""
    Presence.objects.filter(meeting=meeting, membership__in=members).delete()


def vote_spec(**fields) -> lifecycle.VoteSpec:
    """A yes/no question, live, named, simple majority, unless the test says otherwise."""
    fields.setdefault("question", "Komen er bankjes in de binnentuin?")
    fields.setdefault("method", Vote.Method.YES_NO)
    fields.setdefault("options", [])
    if fields.get("mode") == Vote.Mode.TIMED:
        fields.setdefault("closes_at", timezone.now() + timedelta(days=3))
    return lifecycle.VoteSpec(**fields)


def cast(member: Membership, vote: Vote, choice: str | None = "for", **fields) -> casting.Cast:
    """The member casts a ballot with a fresh key (for themselves unless on_behalf_of)."""
    fields.setdefault("key", ballot_key())
    return casting.cast_ballot(member, vote, choice=choice, **fields)


@pytest.fixture
def make_member(panel):
    """Another person in the panel (a member with voting rights unless told otherwise)."""

    def make(first: str, role: Role = Role.MEMBER, votes: bool = True, for_panel=None):
        return Membership.objects.create(
            panel=for_panel or panel,
            user=make_user(f"{first.lower()}@example.org", f"{first} Voter"),
            role=role,
            has_voting_rights=votes,
        )

    return make


@pytest.fixture
def voters(make_member) -> list[Membership]:
    """Four more members with voting rights: Dave, Erin, Fay and Gert."""
    return [make_member(first) for first in ("Dave", "Erin", "Fay", "Gert")]


@pytest.fixture
def make_vote(alice, live_meeting):
    """Alice prepares a vote in the live meeting and, unless told not to, opens it.

    `present` members get a live connection before it opens (so they are on its roll).
    """

    def make(
        *, opened: bool = True, present=(), meeting=None, proposal=None, amendment=None, **fields
    ) -> Vote:
        timed = fields.get("mode") == Vote.Mode.TIMED
        target = meeting if timed else (meeting or live_meeting)
        be_present(live_meeting, *present)
        vote = lifecycle.prepare_vote(
            alice, vote_spec(**fields), meeting=target, proposal=proposal, amendment=amendment
        )
        if opened:
            vote = lifecycle.open_vote(alice, vote)
        return Vote.objects.get(pk=vote.pk)

    return make


def votes_snapshot(panel) -> tuple:
    """Everything a vote or proxy service could change in a panel."""
    in_panel = {"vote__panel": panel}
    return (
        sorted(
            Vote.objects.filter(panel=panel).values_list(
                "pk", "state", "opened_at", "closed_at", "written_round_until", "follow_up_meeting"
            )
        ),
        [v.result for v in Vote.objects.filter(panel=panel).order_by("pk")],
        sorted(
            Participation.objects.filter(**in_panel).values_list(
                "pk", "voter", "on_behalf_of", "key_hash"
            )
        ),
        sorted(
            (str(b.id), b.choice, b.option_id, tuple(b.ranking), str(b.marks), b.remark)
            for b in Ballot.objects.filter(**in_panel)
        ),
        # A secret vote's ballots and receipts, as its sealed box holds them.
        sealing.read_many(BallotBox, Vote.objects.filter(panel=panel).values_list("pk", flat=True)),
        sorted(RollEntry.objects.filter(**in_panel).values_list("pk", "member", "took_part")),
        sorted(
            Proxy.objects.filter(meeting__panel=panel).values_list(
                "pk", "principal", "holder", "revoked_at"
            )
        ),
        Vote.history.filter(panel=panel).count(),
        Proxy.history.filter(meeting__panel=panel).count(),
        voting_snapshot(panel),
    )


@pytest.fixture
def vote_refused(refused):
    """The `refused` fixture under its older name (both check the whole votes_snapshot)."""
    return refused


@pytest.fixture
def twice(django_capture_on_commit_callbacks, panel):
    """Call a service a second time: it must store and push nothing new."""

    def check(call) -> None:
        call()
        before = voting_snapshot(panel)
        with django_capture_on_commit_callbacks() as callbacks:
            call()
        assert voting_snapshot(panel) == before, "a repeated call must store nothing"
        assert callbacks == [], "a repeated call must push nothing"

    return check
