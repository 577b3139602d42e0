"""Amendments written on an older version of the proposal (voting/proposals.py):
when they still apply, carrying them over, and reworking them.

Every refused call raises VotingError with a message for the person and
changes nothing (see the `refused` fixture in conftest.py).
"""

import pytest

from tests.voting.conftest import PROPOSAL_TEXT, fresh
from tests.voting.proposal_helpers import (
    P1,
    P2,
    PState,
    reasons,
    set_state,
)
from voting import proposals
from voting import text as texts
from voting.models import TEXT_MAX

pytestmark = pytest.mark.django_db


# --- outdated amendments ---------------------------------------------------------------------


@pytest.fixture
def outdated(bob, tina, carl, nora, amend):
    """Three amendments on version 1; bob accepted nora's change to the first paragraph.

    Tina's amendment (last paragraph) still applies; carl's (first paragraph) does not.
    """
    on_last = amend(tina, paragraph=2, new_text="Het budget is 750 euro.")
    on_first = amend(carl, paragraph=0, new_text="De tuinen worden nooit gesnoeid.")
    proposals.accept_amendment(bob, amend(nora, paragraph=0, new_text="Snoeien: vier keer."))
    return fresh(on_last), fresh(on_first)


def test_amendment_on_an_unchanged_paragraph_is_outdated_but_applies(outdated):
    on_last, _ = outdated

    assert on_last.is_outdated
    assert proposals.can_apply(on_last)


def test_outdated_amendment_is_accepted_on_the_right_paragraph(bob, proposal, outdated):
    on_last, _ = outdated

    proposals.accept_amendment(bob, on_last)

    assert fresh(proposal).text == texts.join(
        ["Snoeien: vier keer.", P1, "Het budget is 750 euro."]
    )
    assert fresh(proposal).version == 3


def test_amendment_on_a_changed_paragraph_does_not_apply(refused, bob, outdated):
    _, on_first = outdated

    assert on_first.is_outdated
    assert not proposals.can_apply(on_first)
    assert "Its author must rework it first." in refused(
        lambda: proposals.accept_amendment(bob, on_first)
    )


def test_amendment_on_a_changed_paragraph_cannot_be_carried_over(refused, carl, outdated):
    _, on_first = outdated

    refused(lambda: proposals.rebase_amendment(carl, on_first))


def test_author_carries_an_outdated_amendment_over(carl, tina, proposal, outdated):
    on_last, _ = outdated

    proposals.rebase_amendment(tina, on_last)

    on_last = fresh(on_last)
    assert (on_last.base_version, on_last.base_text) == (2, fresh(proposal).text)
    assert on_last.paragraph == 2
    assert on_last.proposed_text == texts.join(
        ["Snoeien: vier keer.", P1, "Het budget is 750 euro."]
    )
    assert not on_last.is_outdated
    assert reasons(on_last)[-1] == "carried over to the current version"


def test_carried_over_insert_follows_its_paragraph(bob, tina, carl, proposal, amend):
    insert = amend(tina, kind="insert", paragraph=2, new_text="Er komt een moestuin.")
    proposals.accept_amendment(bob, amend(carl, kind="delete", paragraph=0, new_text=""))

    proposals.rebase_amendment(tina, insert)

    assert fresh(insert).paragraph == 1
    assert fresh(insert).proposed_text == texts.join([P1, "Er komt een moestuin.", P2])


def test_carrying_over_a_current_amendment_stores_nothing(twice, tina, amend):
    amendment = amend(tina)

    twice(lambda: proposals.rebase_amendment(tina, amendment))
    assert reasons(amendment) == ["proposed"]


def test_only_the_author_carries_an_amendment_over(refused, bob, outdated):
    on_last, _ = outdated

    refused(lambda: proposals.rebase_amendment(bob, on_last))


def test_author_reworks_an_amendment_that_no_longer_applies(bob, carl, proposal, outdated):
    _, on_first = outdated

    proposals.rework_amendment(
        carl,
        on_first,
        kind="replace",
        paragraph=0,
        new_text="Snoeien: nooit.",
        rationale="Laat de natuur haar gang gaan.",
        base_version=2,
    )
    on_first = fresh(on_first)
    assert (on_first.base_version, on_first.new_text) == (2, "Snoeien: nooit.")
    assert on_first.rationale == "Laat de natuur haar gang gaan."
    assert proposals.can_apply(on_first)
    assert reasons(on_first)[-1] == "reworked"

    proposals.accept_amendment(bob, on_first)

    assert fresh(proposal).text == texts.join(["Snoeien: nooit.", P1, P2])


def test_stale_rework_is_refused_with_the_text_it_was_written_on(stale, carl, outdated):
    _, on_first = outdated

    error = stale(
        lambda: proposals.rework_amendment(
            carl,
            on_first,
            kind="replace",
            paragraph=0,
            new_text="Snoeien: nooit.",
            rationale="Natuur.",
            base_version=1,
        )
    )

    assert error.base_text == PROPOSAL_TEXT
    assert error.proposal.version == 2


def rework(member, amendment, **changes):
    fields = {
        "kind": "replace",
        "paragraph": 1,
        "new_text": "Huurders kiezen samen de struiken.",
        "rationale": "Struiken zijn goedkoper.",
        "base_version": fresh(amendment.proposal).version,
    } | changes
    return proposals.rework_amendment(member, amendment, **fields)


def test_only_the_author_reworks(refused, bob, tina, amend):
    amendment = amend(tina)

    assert refused(lambda: rework(bob, amendment)) == "Only the author can change this amendment."


def test_amendment_put_to_the_vote_cannot_be_reworked(refused, alice, tina, amend):
    amendment = proposals.put_amendment_to_vote(alice, amend(tina))

    refused(lambda: rework(tina, amendment))


def test_rework_must_be_a_valid_change(refused, tina, amend):
    amendment = amend(tina)

    refused(lambda: rework(tina, amendment, new_text=P1))
    refused(lambda: rework(tina, amendment, rationale=""))


def test_rework_is_refused_once_the_vote_opened(refused, tina, proposal, amend):
    amendment = amend(tina)
    set_state(proposal, PState.IN_VOTE)

    refused(lambda: rework(tina, amendment))


def test_outdated_amendment_that_would_empty_the_proposal_is_refused(refused, bob, tina, item):
    proposal = proposals.create_proposal(bob, item, title="Twee", text="Eén.\n\nTwee.")
    amendments = [
        proposals.propose_amendment(
            tina,
            proposal,
            kind="delete",
            paragraph=index,
            new_text="",
            rationale="Overbodig.",
            base_version=1,
        )
        for index in (0, 1)
    ]
    proposals.accept_amendment(bob, amendments[0])

    refused(lambda: proposals.accept_amendment(bob, amendments[1]))
    refused(lambda: proposals.rebase_amendment(tina, amendments[1]))
    assert not proposals.can_apply(fresh(amendments[1]))


def test_accepting_amendments_never_makes_the_text_too_long(refused, bob, tina, item):
    proposal = proposals.create_proposal(bob, item, title="Lang", text="Kort.")
    long_paragraph = "w" * (TEXT_MAX // 2)
    amendments = [
        proposals.propose_amendment(
            tina,
            proposal,
            kind="insert",
            paragraph=at,
            new_text=long_paragraph,
            rationale="Meer uitleg.",
            base_version=1,
        )
        for at in (0, 1)
    ]
    proposals.accept_amendment(bob, amendments[0])

    refused(lambda: proposals.accept_amendment(bob, amendments[1]))
    assert len(fresh(proposal).text) <= TEXT_MAX
