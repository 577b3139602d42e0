"""Present without a live connection: a member whose browser runs no JavaScript (or whose
network blocks WebSockets) loads the live page, and may vote in a live vote like anyone
whose page holds a socket."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from panels.live import presence
from panels.models import LiveWorker, Meeting, Presence
from tests.live_helpers import record_notices
from tests.voting.conftest import ballot_key
from voting import eligibility
from voting.models import Participation

pytestmark = pytest.mark.django_db


def meeting_url(meeting: Meeting) -> str:
    return reverse("panels:meeting", args=[meeting.panel_id, meeting.pk])


def test_a_member_who_loads_the_live_page_may_vote_without_a_socket(
    client_for, make_vote, live_meeting, bob
):
    vote = make_vote()
    assert eligibility.capacities(vote, bob) == []
    client = client_for(bob)

    page = client.get(meeting_url(live_meeting))
    response = client.post(
        reverse("voting:vote_cast", args=[vote.panel_id, vote.pk]),
        {"key": ballot_key(), "choice": "for", "next": meeting_url(live_meeting)},
    )

    assert f'id="btn-cast-{vote.pk}"' in page.content.decode()
    assert response.status_code == 302 and response.url == meeting_url(live_meeting)
    assert Participation.objects.filter(vote=vote, on_behalf_of=bob).exists()


def test_the_page_counts_for_a_while_and_then_no_more(make_vote, live_meeting, bob, tina):
    vote = make_vote()
    presence.visit(live_meeting.pk, bob.pk)
    assert eligibility.capacities(vote, bob) == [bob]

    # As if the page had been loaded a little longer ago than the window lasts.
    visited = timezone.now() - presence.PAGE_PRESENCE - timedelta(seconds=1)
    LiveWorker.objects.filter(pk__startswith="page:").update(
        seen_at=visited + presence.PAGE_PRESENCE - presence.WORKER_TIMEOUT
    )
    assert eligibility.capacities(vote, bob) == []
    assert presence.heartbeat("worker-test") == {live_meeting.pk}, "the presence is pushed"
    assert not Presence.objects.exists()


def test_a_socket_takes_over_from_the_page_that_opened_it(live_meeting, bob):
    assert presence.visit(live_meeting.pk, bob.pk), "bob arrives"
    assert not presence.visit(live_meeting.pk, bob.pk), "a reload is no new arrival"

    presence.record("worker-test", joins=[(live_meeting.pk, bob.pk, "socket-1")])
    assert list(Presence.objects.values_list("connection", flat=True)) == ["socket-1"]
    assert presence.record("worker-test", leaves=["socket-1"]) == {live_meeting.pk}, (
        "closing the page ends the presence at once"
    )


def test_a_closed_meeting_records_no_presence(client_for, live_meeting, alice, bob):
    live_meeting.state = Meeting.State.CLOSED
    live_meeting.save()

    client_for(bob).get(meeting_url(live_meeting))

    assert not Presence.objects.exists()


def test_loading_the_page_pushes_nothing_and_the_next_heartbeat_announces_it(
    monkeypatch, django_capture_on_commit_callbacks, client_for, live_meeting, bob
):
    notices = record_notices(monkeypatch, lambda n: (n["meeting"], n["names"], n["burst"]))
    before_the_visit = timezone.now()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        page = client_for(bob).get(meeting_url(live_meeting))

    assert page.status_code == 200
    assert (callbacks, notices) == ([], []), "a GET tells nobody"
    assert Presence.objects.filter(membership=bob).exists(), "yet bob counts at once"

    after_the_visit = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert presence.heartbeat("worker-test", since=before_the_visit) == {live_meeting.pk}
    assert notices == [(live_meeting.pk, ["presence"], True)]

    notices.clear()
    client_for(bob).get(meeting_url(live_meeting))  # a reload is no arrival
    with django_capture_on_commit_callbacks(execute=True):
        assert presence.heartbeat("worker-test", since=after_the_visit) == set()
    assert notices == []
