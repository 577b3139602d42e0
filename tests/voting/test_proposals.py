"""The rules for proposals (voting/proposals.py): bringing one in, the submitter's edits,
withdrawing, putting on the floor, hiding, and support.

Every refused call raises VotingError with a message for the person and
changes nothing (see the `refused` fixture in conftest.py).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from panels import meetings
from panels.models import Membership
from tests.voting.conftest import PROPOSAL_TEXT, fresh
from tests.voting.proposal_helpers import (
    NON_MODERATORS,
    TAKE_PART,
    AState,
    PState,
    reasons,
    set_state,
)
from voting import proposals
from voting.models import TEXT_MAX, TITLE_MAX, Proposal

pytestmark = pytest.mark.django_db


# --- bringing in a proposal -----------------------------------------------------------


def test_member_submits_a_proposal(bob, item):
    proposal = proposals.create_proposal(
        bob, item, title="  Meer   bankjes ", text="Zet bankjes\r\nbij de ingang.  \r\n\r\n\r\n"
    )

    proposal = fresh(proposal)
    assert (proposal.title, proposal.text) == ("Meer bankjes", "Zet bankjes\nbij de ingang.")
    assert (proposal.state, proposal.version, proposal.submitter) == (PState.SUBMITTED, 1, bob)
    assert proposal.submitted_at is not None
    [record] = proposal.history.all()
    assert (record.history_user, record.history_change_reason) == (bob.user, "submitted")


@pytest.mark.parametrize("persona", TAKE_PART)
def test_everyone_who_takes_part_may_bring_in_a_proposal(request, item, persona):
    member = request.getfixturevalue(persona)

    proposal = proposals.create_proposal(member, item, title="Voorstel", text="Tekst.")

    assert fresh(proposal).submitter == member


def test_proposal_may_be_brought_in_before_its_item_is_discussed(bob, later_item):
    proposal = proposals.create_proposal(bob, later_item, title="Vooraf", text="Ingediend.")

    assert fresh(proposal).state == PState.SUBMITTED


def test_member_saves_a_draft_and_submits_it_later(bob, item):
    draft = proposals.create_proposal(bob, item, title="Concept", text="Nog niet af.", submit=False)
    assert (fresh(draft).state, fresh(draft).submitted_at) == (PState.DRAFT, None)

    proposals.submit_proposal(bob, draft)

    draft = fresh(draft)
    assert draft.state == PState.SUBMITTED
    assert draft.submitted_at is not None
    assert reasons(draft) == ["drafted", "submitted"]


def test_title_and_text_may_be_exactly_as_long_as_allowed(bob, item):
    title, text = "T" * TITLE_MAX, "w" * TEXT_MAX

    proposal = proposals.create_proposal(bob, item, title=title, text=text)

    assert (len(fresh(proposal).title), len(fresh(proposal).text)) == (TITLE_MAX, TEXT_MAX)


@pytest.mark.parametrize(
    ("title", "text", "message"),
    [
        ("", "Tekst.", "Give the proposal a title."),
        (" \t\n ", "Tekst.", "Give the proposal a title."),
        ("T" * (TITLE_MAX + 1), "Tekst.", "A title can be at most 200 characters."),
        ("Titel", "", "Write the text of the proposal."),
        ("Titel", " \r\n\r\n \t ", "Write the text of the proposal."),
        (
            "Titel",
            "w" * (TEXT_MAX + 1),
            "A text can be at most 20,000 characters; this one has 20,001.",
        ),
    ],
    ids=["no title", "blank title", "long title", "no text", "blank text", "long text"],
)
def test_proposal_needs_a_title_and_a_text_within_limits(refused, bob, item, title, text, message):
    assert refused(lambda: proposals.create_proposal(bob, item, title=title, text=text)) == message


def test_observer_cannot_bring_in_a_proposal(refused, olga, item):
    message = refused(lambda: proposals.create_proposal(olga, item, title="T", text="Tekst."))

    assert message == "You are not allowed to do this."


def test_member_of_another_panel_cannot_bring_in_a_proposal(refused, oscar, item):
    refused(lambda: proposals.create_proposal(oscar, item, title="T", text="Tekst."))


def test_deactivated_member_cannot_bring_in_a_proposal(refused, bob, item):
    Membership.objects.filter(pk=bob.pk).update(is_active=False)

    refused(lambda: proposals.create_proposal(fresh(bob), item, title="T", text="Tekst."))


def test_item_closed_for_proposals_refuses_them(refused, alice, bob, item):
    proposals.set_submissions(alice, item, False)

    message = refused(lambda: proposals.create_proposal(bob, item, title="T", text="Tekst."))

    assert message == "This agenda item does not accept new proposals."


def test_item_whose_deadline_passed_refuses_proposals(refused, alice, bob, item):
    proposals.set_submissions(alice, item, True, timezone.now() - timedelta(minutes=1))

    refused(lambda: proposals.create_proposal(bob, item, title="T", text="Tekst."))


def test_item_with_a_deadline_to_come_accepts_proposals(alice, bob, item):
    proposals.set_submissions(alice, item, True, timezone.now() + timedelta(hours=1))

    assert proposals.create_proposal(bob, item, title="T", text="Tekst.").pk


def test_handled_item_refuses_proposals(refused, alice, bob, item, later_item):
    meetings.set_current_item(alice, later_item)

    refused(lambda: proposals.create_proposal(bob, item, title="T", text="Tekst."))


def test_closed_meeting_refuses_proposals(refused, alice, bob, live_meeting, later_item):
    meetings.close_meeting(alice, live_meeting)

    refused(lambda: proposals.create_proposal(bob, later_item, title="T", text="Tekst."))


def test_draft_cannot_be_submitted_after_the_item_closed(refused, alice, bob, item):
    draft = proposals.create_proposal(bob, item, title="Concept", text="Tekst.", submit=False)
    proposals.set_submissions(alice, item, False)

    refused(lambda: proposals.submit_proposal(bob, draft))


def test_only_the_submitter_submits_a_draft(refused, bob, tina, item):
    draft = proposals.create_proposal(bob, item, title="Concept", text="Tekst.", submit=False)

    refused(lambda: proposals.submit_proposal(tina, draft))


def test_submitting_twice_stores_it_once(twice, bob, item):
    draft = proposals.create_proposal(bob, item, title="Concept", text="Tekst.", submit=False)

    twice(lambda: proposals.submit_proposal(bob, draft))


@pytest.mark.parametrize("persona", NON_MODERATORS)
def test_only_moderators_open_and_close_an_item_for_proposals(request, refused, item, persona):
    member = request.getfixturevalue(persona)

    refused(lambda: proposals.set_submissions(member, item, False))


def test_moderator_of_another_panel_cannot_close_an_item_here(refused, oscar, item):
    refused(lambda: proposals.set_submissions(oscar, item, False))


def test_moderator_closes_and_reopens_an_item_until_a_moment(alice, item):
    until = timezone.now() + timedelta(hours=2)

    proposals.set_submissions(alice, item, False, until)
    assert (fresh(item).submissions_open, fresh(item).submissions_close_at) == (False, None)

    proposals.set_submissions(alice, item, True, until)
    assert (fresh(item).submissions_open, fresh(item).submissions_close_at) == (True, until)


# --- the submitter edits --------------------------------------------------------------


def test_submitter_rewrites_before_the_floor(bob, proposal):
    proposals.edit_proposal(
        bob, proposal, title="Groen en bomen", text=PROPOSAL_TEXT + "\n\nNieuw.", base_version=1
    )

    proposal = fresh(proposal)
    assert (proposal.title, proposal.version) == ("Groen en bomen", 2)
    assert proposal.text.endswith("\n\nNieuw.")
    assert reasons(proposal)[-1] == "edited by the submitter"
    assert proposal.history.first().history_user == bob.user


def test_new_title_alone_is_no_new_version(bob, proposal):
    proposals.edit_proposal(bob, proposal, title="Andere titel", text=PROPOSAL_TEXT, base_version=1)

    assert (fresh(proposal).title, fresh(proposal).version) == ("Andere titel", 1)


def test_saving_without_changes_stores_nothing(twice, bob, proposal):
    twice(
        lambda: proposals.edit_proposal(
            bob, proposal, title=proposal.title, text=PROPOSAL_TEXT + "  \n", base_version=1
        )
    )
    assert Proposal.history.filter(id=proposal.pk).count() == 1


@pytest.mark.parametrize("persona", ["alice", "tina"])
def test_only_the_submitter_rewrites(request, refused, proposal, persona):
    member = request.getfixturevalue(persona)

    message = refused(
        lambda: proposals.edit_proposal(member, proposal, title="X", text="Y", base_version=1)
    )

    assert message == "Only the submitter can change a proposal."


def test_proposal_on_the_floor_changes_only_by_amendment(refused, alice, bob, proposal):
    proposals.admit_proposal(alice, proposal)

    message = refused(
        lambda: proposals.edit_proposal(bob, proposal, title="X", text="Y", base_version=1)
    )

    assert "only through amendments" in message


def test_stale_rewrite_carries_the_old_text_and_the_current_proposal(stale, bob, proposal):
    proposals.edit_proposal(bob, proposal, title="Groen", text="Versie twee.", base_version=1)

    error = stale(
        lambda: proposals.edit_proposal(
            bob, proposal, title="Groen", text="Mijn versie.", base_version=1
        )
    )

    assert error.base_text == PROPOSAL_TEXT
    assert (error.proposal.version, error.proposal.text) == (2, "Versie twee.")
    assert "version 2" in str(error)
    assert fresh(proposal).text == "Versie twee."


# --- withdraw, admit, hide --------------------------------------------------------------


@pytest.mark.parametrize("state", [PState.DRAFT, PState.SUBMITTED, PState.ON_FLOOR])
def test_submitter_withdraws_until_the_vote_opens(bob, proposal, state):
    proposal = set_state(proposal, state)

    proposals.withdraw_proposal(bob, proposal)

    assert fresh(proposal).state == PState.WITHDRAWN
    assert reasons(proposal)[-1] == "withdrawn"


@pytest.mark.parametrize("state", [PState.IN_VOTE, PState.ADOPTED, PState.REJECTED])
def test_proposal_cannot_be_withdrawn_once_the_vote_opened(refused, bob, proposal, state):
    proposal = set_state(proposal, state)

    message = refused(lambda: proposals.withdraw_proposal(bob, proposal))

    assert message == "A proposal can only be withdrawn until the vote opens."


def test_withdrawing_a_proposal_withdraws_its_open_amendments(alice, bob, tina, carl, amend):
    pending = amend(tina)
    to_vote = amend(carl, paragraph=2, new_text="Het budget is 750 euro.")
    proposals.put_amendment_to_vote(alice, to_vote)
    accepted = amend(tina, paragraph=0, new_text="De tuinen worden elk kwartaal gesnoeid.")
    proposals.accept_amendment(bob, accepted)

    proposals.withdraw_proposal(bob, pending.proposal)

    assert [fresh(a).state for a in (pending, to_vote, accepted)] == [
        AState.WITHDRAWN,
        AState.WITHDRAWN,
        AState.ACCEPTED,
    ]
    assert reasons(pending)[-1] == "proposal withdrawn"
    assert fresh(pending).decided_at is not None


def test_only_the_submitter_withdraws(refused, alice, proposal):
    refused(lambda: proposals.withdraw_proposal(alice, proposal))


def test_withdrawing_twice_stores_it_once(twice, bob, proposal):
    twice(lambda: proposals.withdraw_proposal(bob, proposal))


def test_moderator_puts_a_proposal_on_the_floor(martin, proposal):
    proposals.admit_proposal(martin, proposal)

    assert fresh(proposal).state == PState.ON_FLOOR
    assert proposal.history.first().history_user == martin.user


def test_admitting_twice_stores_it_once(twice, alice, proposal):
    twice(lambda: proposals.admit_proposal(alice, proposal))


@pytest.mark.parametrize("persona", NON_MODERATORS)
def test_only_moderators_put_a_proposal_on_the_floor(request, refused, proposal, persona):
    member = request.getfixturevalue(persona)

    refused(lambda: proposals.admit_proposal(member, proposal))


def test_moderator_of_another_panel_cannot_admit_here(refused, oscar, proposal):
    refused(lambda: proposals.admit_proposal(oscar, proposal))


def test_draft_cannot_be_put_on_the_floor(refused, alice, bob, item):
    draft = proposals.create_proposal(bob, item, title="Concept", text="Tekst.", submit=False)

    refused(lambda: proposals.admit_proposal(alice, draft))


def test_withdrawn_proposal_cannot_be_put_on_the_floor(refused, alice, bob, proposal):
    proposals.withdraw_proposal(bob, proposal)

    refused(lambda: proposals.admit_proposal(alice, proposal))


def test_hidden_proposal_cannot_be_put_on_the_floor(refused, alice, proposal):
    proposals.hide_proposal(alice, proposal, "Beledigend")

    assert refused(lambda: proposals.admit_proposal(alice, proposal)) == (
        "A hidden proposal cannot be put on the floor."
    )


def test_moderator_hides_a_proposal_and_the_history_keeps_why(alice, proposal):
    proposals.hide_proposal(alice, proposal, "  Persoonlijke aanval  ")

    proposal = fresh(proposal)
    assert proposal.is_hidden
    assert (proposal.hidden_by, proposal.hidden_reason) == (alice, "Persoonlijke aanval")
    record = proposal.history.first()
    assert (record.history_change_reason, record.history_user) == ("hidden", alice.user)
    assert record.hidden_reason == "Persoonlijke aanval"


def test_hiding_needs_a_reason(refused, alice, proposal):
    assert refused(lambda: proposals.hide_proposal(alice, proposal, "  ")) == (
        "Give a reason for hiding the proposal."
    )


@pytest.mark.parametrize("persona", NON_MODERATORS)
def test_only_moderators_hide_proposals(request, refused, proposal, persona):
    member = request.getfixturevalue(persona)

    refused(lambda: proposals.hide_proposal(member, proposal, "Weg ermee"))


def test_moderator_of_another_panel_cannot_hide_here(refused, oscar, proposal):
    refused(lambda: proposals.hide_proposal(oscar, proposal, "Weg ermee"))


def test_hiding_twice_keeps_the_first_reason(twice, alice, martin, proposal):
    proposals.hide_proposal(alice, proposal, "Eerste reden")

    twice(lambda: proposals.hide_proposal(martin, proposal, "Tweede reden"))

    assert (fresh(proposal).hidden_reason, fresh(proposal).hidden_by) == ("Eerste reden", alice)


# --- support ----------------------------------------------------------------------------


def test_member_supports_and_stops_supporting(tina, carl, proposal):
    proposals.support_proposal(tina, proposal, True)
    proposals.support_proposal(carl, proposal, True)
    proposals.support_proposal(tina, proposal, True)
    assert set(fresh(proposal).supporters.all()) == {tina, carl}

    proposals.support_proposal(tina, proposal, False)

    assert list(fresh(proposal).supporters.all()) == [carl]
    assert reasons(proposal)[-1] == "support withdrawn"


def test_submitter_cannot_support_their_own_proposal(refused, bob, proposal):
    assert refused(lambda: proposals.support_proposal(bob, proposal, True)) == (
        "You are the submitter of this proposal."
    )


def test_observer_cannot_support(refused, olga, proposal):
    refused(lambda: proposals.support_proposal(olga, proposal, True))


def test_member_of_another_panel_cannot_support(refused, oscar, proposal):
    refused(lambda: proposals.support_proposal(oscar, proposal, True))


def test_closed_proposal_takes_no_new_support_but_support_may_end(refused, bob, tina, proposal):
    proposals.support_proposal(tina, proposal, True)
    proposals.withdraw_proposal(bob, proposal)

    refused(lambda: proposals.support_proposal(fresh(tina), proposal, True))
    proposals.support_proposal(tina, proposal, False)

    assert list(fresh(proposal).supporters.all()) == []
