"""The rules for amendments (voting/proposals.py): the amendment window, proposing,
accepting as friendly, withdrawing, putting to the vote and hiding.

Every refused call raises VotingError with a message for the person and
changes nothing (see the `refused` fixture in conftest.py).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from panels.models import Membership
from tests.voting.conftest import PROPOSAL_TEXT, fresh
from tests.voting.proposal_helpers import (
    NON_MODERATORS,
    P0,
    P1,
    P2,
    TAKE_PART,
    AState,
    PState,
    reasons,
    set_state,
)
from voting import proposals
from voting import text as texts
from voting.models import TEXT_MAX

pytestmark = pytest.mark.django_db


# --- the amendment window -----------------------------------------------------------------


def test_moderator_closes_amendments(refused, alice, tina, proposal, amend):
    proposals.set_amendment_window(alice, proposal, False)

    message = refused(lambda: amend(tina))

    assert message == "This proposal does not accept amendments (any more)."
    assert reasons(proposal)[-1] == "amendments closed"


def test_amendments_close_at_the_set_moment(refused, alice, tina, proposal, amend):
    proposals.set_amendment_window(alice, proposal, True, timezone.now() - timedelta(seconds=1))

    refused(lambda: amend(tina))


def test_amendments_are_taken_until_the_set_moment(alice, tina, proposal, amend):
    proposals.set_amendment_window(alice, proposal, True, timezone.now() + timedelta(minutes=5))

    assert amend(tina).state == AState.PENDING


def test_closing_amendments_forgets_the_moment(alice, proposal):
    proposals.set_amendment_window(alice, proposal, True, timezone.now() + timedelta(minutes=5))

    proposals.set_amendment_window(alice, proposal, False, timezone.now() + timedelta(minutes=5))

    assert (fresh(proposal).amendments_open, fresh(proposal).amendments_close_at) == (False, None)


@pytest.mark.parametrize("persona", NON_MODERATORS)
def test_only_moderators_set_the_amendment_window(request, refused, proposal, persona):
    member = request.getfixturevalue(persona)

    refused(lambda: proposals.set_amendment_window(member, proposal, False))


def test_moderator_of_another_panel_cannot_set_the_window_here(refused, oscar, proposal):
    refused(lambda: proposals.set_amendment_window(oscar, proposal, False))


# --- proposing amendments -------------------------------------------------------------------


def test_member_proposes_an_amendment(tina, proposal, amend):
    amendment = fresh(amend(tina, paragraph=1, new_text="Huurders kiezen de bomen.\r\n"))

    assert (amendment.author, amendment.kind, amendment.paragraph) == (tina, "replace", 1)
    assert (amendment.state, amendment.base_version) == (AState.PENDING, 1)
    assert amendment.new_text == "Huurders kiezen de bomen."
    assert amendment.base_text == PROPOSAL_TEXT
    assert amendment.proposed_text == texts.join([P0, "Huurders kiezen de bomen.", P2])
    assert amendment.rationale == "Bomen geven meer schaduw."
    assert reasons(amendment) == ["proposed"]
    assert fresh(proposal).text == PROPOSAL_TEXT, "the proposal changes only when accepted"


@pytest.mark.parametrize(
    ("kind", "paragraph", "new_text", "expected"),
    [
        ("insert", 3, "Nieuw slot.", [P0, P1, P2, "Nieuw slot."]),
        ("insert", 0, "Inleiding.", ["Inleiding.", P0, P1, P2]),
        ("delete", 1, "", [P0, P2]),
        ("replace_all", 2, "Alles anders.", ["Alles anders."]),
    ],
)
def test_every_kind_of_amendment_shows_the_text_if_adopted(
    tina, amend, kind, paragraph, new_text, expected
):
    amendment = amend(tina, kind=kind, paragraph=paragraph, new_text=new_text)

    assert fresh(amendment).proposed_text == texts.join(expected)
    if kind == "replace_all":
        assert fresh(amendment).paragraph is None


@pytest.mark.parametrize("persona", TAKE_PART)
def test_everyone_who_takes_part_may_propose_an_amendment(request, amend, persona):
    assert amend(request.getfixturevalue(persona)).pk


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"new_text": P1}, "This amendment would not change the text."),
        ({"new_text": f"  {P1}\r\n\r\n"}, "This amendment would not change the text."),
        ({"rationale": ""}, "Explain why you propose this change."),
        ({"rationale": " \n "}, "Explain why you propose this change."),
        ({"rationale": "w" * 5001}, "The explanation can be at most 5000 characters."),
        ({"new_text": "w" * (TEXT_MAX + 1)}, "A text can be at most 20000 characters."),
        ({"kind": "rewrite"}, "Choose what the amendment changes."),
        ({"paragraph": 3}, "Choose a paragraph of the proposal."),
        ({"paragraph": None}, "Choose a paragraph of the proposal."),
        ({"new_text": ""}, "Write the new wording, or choose to delete the paragraph."),
        (
            {"kind": "insert", "paragraph": 0, "new_text": "w" * (TEXT_MAX - 100)},
            "With this change the text would be longer than allowed.",
        ),
    ],
    ids=[
        "identical",
        "identical but for spaces",
        "no rationale",
        "blank rationale",
        "long rationale",
        "long text",
        "unknown kind",
        "no such paragraph",
        "no paragraph",
        "empty replacement",
        "result too long",
    ],
)
def test_amendment_must_be_a_valid_change_with_a_reason(refused, tina, amend, changes, message):
    assert refused(lambda: amend(tina, **changes)) == message


def test_amendment_that_changes_only_spaces_at_line_ends_is_refused(refused, bob, tina, item):
    proposal = proposals.create_proposal(bob, item, title="Regels", text="Regel een.\nRegel twee.")

    refused(
        lambda: proposals.propose_amendment(
            tina,
            proposal,
            kind="replace",
            paragraph=0,
            new_text="Regel een.  \r\nRegel twee.",
            rationale="Opmaak.",
            base_version=1,
        )
    )


def test_observer_cannot_propose_an_amendment(refused, olga, amend):
    refused(lambda: amend(olga))


def test_member_of_another_panel_cannot_propose_an_amendment(refused, oscar, amend):
    refused(lambda: amend(oscar))


def test_stale_amendment_carries_the_text_it_was_written_on(stale, bob, tina, proposal):
    proposals.edit_proposal(bob, proposal, title="Groen", text="Versie twee.", base_version=1)

    error = stale(
        lambda: proposals.propose_amendment(
            tina,
            proposal,
            kind="replace",
            paragraph=0,
            new_text="Mijn versie.",
            rationale="Beter.",
            base_version=1,
        )
    )

    assert error.base_text == PROPOSAL_TEXT
    assert (error.proposal.version, error.proposal.text) == (2, "Versie twee.")


def test_hidden_proposal_takes_no_amendments(refused, alice, tina, proposal, amend):
    proposals.hide_proposal(alice, proposal, "Beledigend")

    refused(lambda: amend(tina))


@pytest.mark.parametrize(
    "state", [PState.WITHDRAWN, PState.IN_VOTE, PState.ADOPTED, PState.REJECTED]
)
def test_closed_proposal_takes_no_amendments(refused, tina, proposal, amend, state):
    set_state(proposal, state)

    refused(lambda: amend(tina))


# --- accepting an amendment as friendly ---------------------------------------------------


def test_submitter_accepts_a_friendly_amendment(bob, tina, proposal, amend):
    amendment = amend(tina)

    proposals.accept_amendment(bob, amendment)

    proposal, amendment = fresh(proposal), fresh(amendment)
    assert proposal.text == amendment.proposed_text
    assert (proposal.version, proposal.produced_by) == (2, amendment)
    assert (amendment.state, amendment.decided_at is not None) == (AState.ACCEPTED, True)
    record = proposal.history.first()
    assert (record.version, record.history_user) == (2, bob.user)
    assert f"amendment #{amendment.pk}" in record.history_change_reason
    assert reasons(amendment)[-1] == "accepted"


@pytest.mark.parametrize("persona", ["tina", "alice"])
def test_only_the_submitter_accepts_an_amendment(request, refused, amend, persona):
    amendment = amend(request.getfixturevalue("tina"))
    member = request.getfixturevalue(persona)

    assert refused(lambda: proposals.accept_amendment(member, amendment)) == (
        "Only the submitter of the proposal can accept an amendment."
    )


def test_amendment_put_to_the_vote_cannot_be_accepted(refused, alice, bob, tina, amend):
    amendment = proposals.put_amendment_to_vote(alice, amend(tina))

    message = refused(lambda: proposals.accept_amendment(bob, amendment))

    assert "put this amendment to the vote" in message


def test_amendment_is_accepted_once(refused, bob, tina, amend):
    amendment = amend(tina)
    proposals.accept_amendment(bob, amendment)

    assert refused(lambda: proposals.accept_amendment(bob, amendment)) == (
        "This amendment has already been dealt with."
    )
    assert fresh(amendment.proposal).version == 2


def test_no_amendment_is_accepted_once_the_vote_opened(refused, bob, tina, proposal, amend):
    amendment = amend(tina)
    set_state(proposal, PState.IN_VOTE)

    refused(lambda: proposals.accept_amendment(bob, amendment))


def test_deactivated_submitter_cannot_accept(refused, bob, tina, amend):
    amendment = amend(tina)
    Membership.objects.filter(pk=bob.pk).update(is_active=False)

    refused(lambda: proposals.accept_amendment(fresh(bob), amendment))


# --- withdrawing, voting on and hiding amendments ---------------------------------------------


def test_author_withdraws_an_amendment(tina, amend):
    amendment = amend(tina)

    proposals.withdraw_amendment(tina, amendment)

    assert fresh(amendment).state == AState.WITHDRAWN
    assert fresh(amendment).decided_at is not None


def test_withdrawing_an_amendment_twice_stores_it_once(twice, tina, amend):
    amendment = amend(tina)

    twice(lambda: proposals.withdraw_amendment(tina, amendment))


@pytest.mark.parametrize("persona", ["bob", "alice"])
def test_only_the_author_withdraws_an_amendment(request, refused, tina, amend, persona):
    amendment = amend(tina)

    refused(lambda: proposals.withdraw_amendment(request.getfixturevalue(persona), amendment))


def test_amendment_put_to_the_vote_cannot_be_withdrawn(refused, alice, tina, amend):
    amendment = proposals.put_amendment_to_vote(alice, amend(tina))

    assert refused(lambda: proposals.withdraw_amendment(tina, amendment)) == (
        "This amendment can no longer be withdrawn."
    )


def test_moderator_puts_an_amendment_to_the_vote(martin, tina, amend):
    amendment = amend(tina)

    proposals.put_amendment_to_vote(martin, amendment)

    assert fresh(amendment).state == AState.TO_VOTE
    assert reasons(amendment)[-1] == "put to the vote"


def test_putting_to_the_vote_twice_stores_it_once(twice, alice, tina, amend):
    amendment = amend(tina)

    twice(lambda: proposals.put_amendment_to_vote(alice, amendment))


@pytest.mark.parametrize("persona", NON_MODERATORS)
def test_only_moderators_put_amendments_to_the_vote(request, refused, tina, amend, persona):
    amendment = amend(tina)

    refused(lambda: proposals.put_amendment_to_vote(request.getfixturevalue(persona), amendment))


def test_moderator_of_another_panel_cannot_put_an_amendment_to_the_vote(
    refused, oscar, tina, amend
):
    amendment = amend(tina)

    refused(lambda: proposals.put_amendment_to_vote(oscar, amendment))


def test_withdrawn_amendment_cannot_be_put_to_the_vote(refused, alice, tina, amend):
    amendment = amend(tina)
    proposals.withdraw_amendment(tina, amendment)

    refused(lambda: proposals.put_amendment_to_vote(alice, amendment))


def test_moderator_hides_an_open_amendment_and_it_is_withdrawn(alice, tina, amend):
    amendment = amend(tina)

    proposals.hide_amendment(alice, amendment, "  Scheldwoorden ")

    amendment = fresh(amendment)
    assert (amendment.is_hidden, amendment.hidden_reason) == (True, "Scheldwoorden")
    assert amendment.state == AState.WITHDRAWN
    record = amendment.history.first()
    assert (record.history_change_reason, record.history_user) == ("hidden", alice.user)


def test_hidden_accepted_amendment_stays_accepted(alice, bob, tina, amend):
    amendment = amend(tina)
    proposals.accept_amendment(bob, amendment)

    proposals.hide_amendment(alice, amendment, "Privégegevens")

    assert (fresh(amendment).state, fresh(amendment).is_hidden) == (AState.ACCEPTED, True)


def test_hidden_amendment_cannot_be_accepted(refused, alice, bob, tina, amend):
    amendment = amend(tina)
    proposals.hide_amendment(alice, amendment, "Scheldwoorden")

    refused(lambda: proposals.accept_amendment(bob, amendment))


def test_hiding_an_amendment_needs_a_reason(refused, alice, tina, amend):
    amendment = amend(tina)

    refused(lambda: proposals.hide_amendment(alice, amendment, ""))


@pytest.mark.parametrize("persona", NON_MODERATORS)
def test_only_moderators_hide_amendments(request, refused, tina, amend, persona):
    amendment = amend(tina)

    refused(lambda: proposals.hide_amendment(request.getfixturevalue(persona), amendment, "Weg"))


def test_moderator_of_another_panel_cannot_hide_an_amendment(refused, oscar, tina, amend):
    amendment = amend(tina)

    refused(lambda: proposals.hide_amendment(oscar, amendment, "Weg"))


def test_hiding_an_amendment_twice_stores_it_once(twice, alice, tina, amend):
    amendment = amend(tina)

    twice(lambda: proposals.hide_amendment(alice, amendment, "Weg"))
