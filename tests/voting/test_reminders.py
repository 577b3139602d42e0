"""The scheduled command's reminders (close_due_votes --remind-hours): those who have not
voted in a timed vote that closes soon get one email, once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.voting.conftest import cast
from voting import lifecycle
from voting.models import Vote

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_reminder_reaches_exactly_those_who_have_not_voted_once(
    make_vote, alice, bob, tina, carl, nora
):
    vote = make_vote(mode=Vote.Mode.TIMED, closes_at=timezone.now() + timedelta(hours=10))
    later = make_vote(
        mode=Vote.Mode.TIMED, question="Later", closes_at=timezone.now() + timedelta(days=5)
    )
    cast(bob, vote, "for")
    mail.outbox.clear()  # (that the votes opened)

    call_command("close_due_votes", "--remind-hours", "24")

    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "tina@example.org"]
    assert all(vote.question in m.subject for m in mail.outbox)
    assert all(f"/votes/{vote.pk}/" in m.body for m in mail.outbox)
    mail.outbox.clear()
    call_command("close_due_votes", "--remind-hours", "24")
    assert mail.outbox == []  # once
    assert Vote.objects.get(pk=later.pk).reminded_at is None


def choose(client, language: str) -> None:
    response = client.post(reverse("set_language"), {"language": language, "next": "/"})
    assert response.status_code == 302


def mails_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def test_a_vote_reminder_is_in_the_member_s_language(
    client_for, make_vote, alice, bob, tina, django_capture_on_commit_callbacks
):
    choose(client_for(tina), "en")
    vote = make_vote(mode=Vote.Mode.TIMED, closes_at=timezone.now() + timedelta(hours=3))
    cast(bob, vote, "for")
    mail.outbox.clear()  # (that the vote opened)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.send_reminders(timedelta(hours=24))

    assert mails_to(tina.user.email)[0].subject.startswith("Reminder: vote on")
    assert mails_to(alice.user.email)[0].subject.startswith("Herinnering")
    assert mails_to(bob.user.email) == []
