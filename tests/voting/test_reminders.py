"""The scheduled command's reminders (close_due_votes --remind-hours): those who have not
voted in a timed vote that closes soon get one email, once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from tests.voting.conftest import cast
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

    call_command("close_due_votes", "--remind-hours", "24")

    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "tina@example.org"]
    assert all(vote.question in m.subject for m in mail.outbox)
    assert all(f"/votes/{vote.pk}/" in m.body for m in mail.outbox)
    mail.outbox.clear()
    call_command("close_due_votes", "--remind-hours", "24")
    assert mail.outbox == []  # once
    assert Vote.objects.get(pk=later.pk).reminded_at is None
