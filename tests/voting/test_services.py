"""The rules for proposals and amendments (voting/proposals.py).

Every refused call raises VotingError with a message for the person and
changes nothing (see the `refused` fixture in conftest.py).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from panels import meetings
from panels.models import Membership
from tests.voting.conftest import PROPOSAL_TEXT, fresh, voting_snapshot
from voting import proposals
from voting import text as texts
from voting.models import TEXT_MAX, TITLE_MAX, Amendment, Proposal

pytestmark = pytest.mark.django_db

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
