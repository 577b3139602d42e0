"""Open questions: short written answers, named or anonymous; after the close a moderator
hides an abusive answer with a reason, and an answer becomes a proposal with the link kept
for the terugkoppeling page."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from panels.models import AuditEntry
from tests.helpers import csv_rows
from tests.voting.conftest import ballot_key, be_present, fresh
from voting import answers, casting, lifecycle
from voting.errors import VotingError
from voting.models import HiddenAnswer, Proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def ask(make_vote, live_meeting, alice, bob, tina):
    """An open question, answered by bob and tina, then closed."""

    def make(secret: bool = False, texts=("Meer bankjes in de tuin", "Jij bent een sukkel")):
        vote = make_vote(
            question="Wat kan beter?",
            method="open_question",
            secret=secret,
            settings={"max_length": 100},
            present=[alice, bob, tina],
        )
        for member, text in zip((bob, tina), texts, strict=True):
            casting.cast_ballot(member, vote, {"remark": text}, key=ballot_key())
        return lifecycle.close_vote(alice, vote)

    return make


def test_the_answers_are_listed_sorted_and_a_named_one_with_its_author(ask, bob):
    vote = fresh(ask())

    assert vote.result["answers"] == ["Jij bent een sukkel", "Meer bankjes in de tuin"]
    assert vote.result["outcome"] == "noted"
    assert [bob.user.name, "—", bob.pk, "Meer bankjes in de tuin"] in vote.result["named"]


def test_an_anonymous_answer_has_no_author_anywhere_in_the_result(ask, bob):
    vote = fresh(ask(secret=True))

    assert vote.result["answers"] == ["Jij bent een sukkel", "Meer bankjes in de tuin"]
    assert "named" not in vote.result
    assert bob.user.name not in str(vote.result)


def test_an_answer_over_the_limit_or_empty_is_refused(make_vote, alice, bob):
    vote = make_vote(method="open_question", settings={"max_length": 20}, present=[alice, bob])
    with pytest.raises(VotingError, match="at most 20 characters; this is 21"):
        casting.cast_ballot(bob, vote, {"remark": "x" * 21}, key=ballot_key())
    with pytest.raises(VotingError, match="Write your answer"):
        casting.cast_ballot(bob, vote, {"remark": "   "}, key=ballot_key())
    assert not vote.participations.exists()


def test_a_moderator_hides_an_answer_with_a_reason_everywhere_it_is_shown(
    ask, alice, bob, client_for
):
    vote = fresh(ask())
    with pytest.raises(VotingError):
        answers.hide_answer(bob, vote, "Jij bent een sukkel", "Grof")
    with pytest.raises(VotingError, match="Say why"):
        answers.hide_answer(alice, vote, "Jij bent een sukkel", "  ")

    answers.hide_answer(alice, vote, "Jij bent een sukkel", "Grof taalgebruik")
    answers.hide_answer(alice, vote, "Jij bent een sukkel", "Nog eens")  # a double click

    assert HiddenAnswer.objects.filter(vote=vote).count() == 1
    assert AuditEntry.objects.filter(action="voting.answer_hidden").count() == 1
    page = client_for(bob).get(reverse("voting:vote", args=[vote.panel_id, vote.pk]))
    assertNotContains(page, "sukkel")
    assertContains(page, "An answer was hidden by a moderator.")
    assertContains(page, "Meer bankjes in de tuin")
    moderator = client_for(alice).get(reverse("voting:vote", args=[vote.panel_id, vote.pk]))
    assertContains(moderator, "Grof taalgebruik")
    exported = csv_rows(
        client_for(bob).get(reverse("voting:vote_csv", args=[vote.panel_id, vote.pk]))
    )
    assert "sukkel" not in str(exported)
    assert ["answer", "Meer bankjes in de tuin"] in exported
    assert fresh(vote).result["answers"][0] == "Jij bent een sukkel", "the record is kept"


def test_its_author_brings_a_named_answer_in_as_a_proposal_and_the_link_stays(
    ask, bob, tina, live_meeting, client_for
):
    vote = fresh(ask())
    item = live_meeting.items.get(state="current")

    with pytest.raises(VotingError, match="author or a moderator"):
        answers.proposal_from_answer(tina, vote, "Meer bankjes in de tuin", item)

    response = client_for(bob).post(
        reverse("voting:vote_answer_propose", args=[vote.panel_id, vote.pk]),
        {"answer": "Meer bankjes in de tuin", "item": item.pk, "title": "Bankjes"},
    )

    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response.url == proposal.get_absolute_url()
    assert (proposal.title, proposal.text, proposal.submitter, proposal.from_vote) == (
        "Bankjes",
        "Meer bankjes in de tuin",
        bob,
        vote,
    )
    feedback = client_for(tina).get(reverse("agreements:feedback", args=[vote.panel_id]))
    assertContains(feedback, "Grew from the answers to")


def test_an_anonymous_answer_is_brought_in_by_a_moderator_only(ask, alice, bob, live_meeting):
    vote = fresh(ask(secret=True))
    item = live_meeting.items.get(state="current")

    with pytest.raises(VotingError):
        answers.proposal_from_answer(bob, vote, "Meer bankjes in de tuin", item)
    proposal = answers.proposal_from_answer(alice, vote, "Meer bankjes in de tuin", item)

    assert proposal.submitter == alice and proposal.from_vote == vote


def test_a_hidden_answer_or_one_never_given_cannot_become_a_proposal(ask, alice, live_meeting):
    vote = fresh(ask())
    item = live_meeting.items.get(state="current")
    answers.hide_answer(alice, vote, "Jij bent een sukkel", "Grof")

    for text in ("Jij bent een sukkel", "Iets wat niemand schreef"):
        with pytest.raises(VotingError):
            answers.proposal_from_answer(alice, vote, text, item)
    assert not Proposal.objects.exists()


def test_answers_are_acted_on_only_after_the_close(make_vote, alice, bob):
    vote = make_vote(method="open_question", present=[alice, bob])
    casting.cast_ballot(bob, vote, {"remark": "Meer licht"}, key=ballot_key())
    be_present(vote.meeting, bob)

    with pytest.raises(VotingError, match="closed question"):
        answers.hide_answer(alice, vote, "Meer licht", "Waarom niet")


def test_hiding_an_answer_redraws_the_live_pages_result(
    ask, alice, monkeypatch, django_capture_on_commit_callbacks
):
    from tests.live_helpers import record_notices

    vote = fresh(ask())
    notices = record_notices(monkeypatch, lambda n: (n["meeting"], n["names"]))

    with django_capture_on_commit_callbacks(execute=True):
        answers.hide_answer(alice, vote, "Jij bent een sukkel", "Grof")
    with django_capture_on_commit_callbacks(execute=True):
        answers.hide_answer(alice, vote, "Jij bent een sukkel", "Grof")  # again: nothing new

    assert notices == [(vote.meeting_id, ["vote"])]
