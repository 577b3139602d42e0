"""When the database is out of reach, or every pooled connection is busy, a tenant gets
"too busy, try again" (503, with Retry-After), nothing is half-written, and the same ballot
sent again counts once."""

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.urls import reverse

from panels.views import STATIC_PAGE_POLICY
from tests.voting.conftest import ballot_key
from voting.models import Participation

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_busy(monkeypatch):
    """Every query fails as it does when the pool's connections are all taken."""

    def unavailable(self):
        raise OperationalError("couldn't get a connection after 10.00 sec")

    def make_busy():
        monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", unavailable)

    return make_busy


def test_a_ballot_while_the_database_is_busy_gets_try_again_and_counts_once_later(
    client_for, make_vote, live_meeting, bob, database_busy, monkeypatch
):
    vote = make_vote(present=[bob])
    client = client_for(bob)
    client.raise_request_exception = False
    url = reverse("voting:vote_cast", args=[vote.panel_id, vote.pk])
    ballot = {"key": ballot_key(), "choice": "for"}

    database_busy()
    busy = client.post(url, ballot, headers={"HX-Request": "true"})
    monkeypatch.undo()

    assert busy.status_code == 503
    assert busy["Retry-After"] == "5"
    assert busy["Content-Security-Policy"] == STATIC_PAGE_POLICY  # its own: no script at all
    assert "Het is even te druk" in busy.content.decode()
    assert "Too busy for a moment" in busy.content.decode()
    assert not Participation.objects.filter(vote=vote).exists()

    first = client.post(url, ballot, headers={"HX-Request": "true"})
    again = client.post(url, ballot, headers={"HX-Request": "true"})
    assert first.status_code == again.status_code == 200
    assert Participation.objects.filter(vote=vote).count() == 1


def test_any_other_error_is_still_a_500(client_for, bob, monkeypatch):
    client = client_for(bob)
    client.raise_request_exception = False

    def broken(*args, **kwargs):
        raise ValueError("a defect")

    monkeypatch.setattr("panels.views.render", broken)
    response = client.get(reverse("panels:home"))

    assert response.status_code == 500
    assert "Er ging iets mis" in response.content.decode()
    assert "Retry-After" not in response
