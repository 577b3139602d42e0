"""A vote past its deadline that is not closed yet (voting/lifecycle.py, close_due_votes):
its page shows that it has ended and changes nothing; the scheduled command, or the next
ballot cast in it, closes it."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from panels import audit
from panels.models import AuditAction, AuditEntry
from tests.voting.conftest import ballot_key, cast, fresh, votes_snapshot
from voting import lifecycle
from voting.models import Vote

pytestmark = pytest.mark.django_db

ENDED = "This vote has ended; the result follows shortly."


def vote_url(name: str, vote: Vote) -> str:
    return reverse(f"voting:{name}", args=[vote.panel_id, vote.pk])


@pytest.fixture(params=["timed vote", "written round"])
def due_vote(request, make_vote, alice, bob):
    """A vote bob voted in whose time is up a minute ago, still marked open."""
    past = timezone.now() - timedelta(minutes=1)
    if request.param == "timed vote":
        vote = make_vote(mode=Vote.Mode.TIMED)
        cast(bob, vote)
        Vote.objects.filter(pk=vote.pk).update(closes_at=past)
    else:
        vote = make_vote(present=[bob])
        cast(bob, vote)
        lifecycle.close_vote(alice, vote, written_round_until=timezone.now() + timedelta(hours=1))
        Vote.objects.filter(pk=vote.pk).update(written_round_until=past)
    return fresh(vote)


@pytest.mark.parametrize("who", ["alice", "bob", "voter"])
def test_the_page_of_a_vote_past_its_deadline_changes_nothing_and_pushes_nothing(
    client_for, due_vote, panel, voters, who, request, django_capture_on_commit_callbacks
):
    person = voters[0] if who == "voter" else request.getfixturevalue(who)
    before = votes_snapshot(panel), AuditEntry.objects.count()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(person).get(vote_url("vote", due_vote))

    assert response.status_code == 200
    assert (votes_snapshot(panel), AuditEntry.objects.count()) == before
    assert fresh(due_vote).state == due_vote.state
    assert callbacks == [], "a page that shows a vote pushes nothing"


def test_the_page_of_a_vote_past_its_deadline_says_it_has_ended_and_takes_no_ballot(
    client_for, due_vote, voters
):
    # Dave may vote and has not: before the deadline he would see the ballot form.
    response = client_for(voters[0]).get(vote_url("vote", due_vote))

    assertContains(response, ENDED)
    assertNotContains(response, f'id="btn-cast-{due_vote.pk}"')
    assertNotContains(response, vote_url("vote_cast", due_vote))


def test_the_page_of_a_vote_before_its_deadline_does_not_say_it_has_ended(
    client_for, make_vote, voters
):
    vote = make_vote(mode=Vote.Mode.TIMED)

    response = client_for(voters[0]).get(vote_url("vote", vote))

    assertNotContains(response, ENDED)
    assertContains(response, f'id="btn-cast-{vote.pk}"')


def test_the_scheduled_command_closes_a_vote_past_its_deadline_and_its_page_shows_the_result(
    client_for, due_vote, bob
):
    lifecycle.close_due_votes()

    response = client_for(bob).get(vote_url("vote", due_vote))

    assert fresh(due_vote).state == Vote.State.CLOSED
    assertNotContains(response, ENDED)
    assertContains(response, "who could vote took part.")


def test_a_ballot_cast_in_a_vote_past_its_deadline_closes_it_and_is_refused(
    client_for, due_vote, voters
):
    response = client_for(voters[0]).post(
        vote_url("vote_cast", due_vote), {"choice": "for", "key": ballot_key()}
    )

    closed = fresh(due_vote)
    assert closed.state == Vote.State.CLOSED
    assert closed.result["cast"] == 1  # bob's, not Dave's
    assert audit.entry_for(f"vote:{closed.pk}", AuditAction.VOTE_CLOSED) is not None
    assert response.status_code == 302
    assert [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)] == [
        ("error", "This vote is not open.")
    ]
    assert not closed.participations.filter(voter=voters[0]).exists()
