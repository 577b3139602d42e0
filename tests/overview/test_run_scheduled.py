"""All scheduled work in one command (`run_scheduled`): each job runs through call_command,
what the jobs write to the mail queue goes out in the same run, and a second run at the
same moment does nothing."""

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from agreements import advice
from agreements.models import AdviceRequest
from overview.management.commands.run_scheduled import JOBS
from overview.scheduled import exclusive
from panels import meetings
from panels.models import Meeting
from voting import lifecycle
from voting.models import Vote

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queued(settings):
    """The production mail setup, delivered to Django's in-memory outbox."""
    settings.EMAIL_BACKEND = "post_office.EmailBackend"
    settings.POST_OFFICE = {
        **settings.POST_OFFICE,
        "BACKENDS": {"default": "django.core.mail.backends.locmem.EmailBackend"},
        "DEFAULT_PRIORITY": "medium",
    }


def test_one_run_closes_reminds_and_sends_the_mail_it_wrote(queued, alice, bob, carl, tina):
    due = lifecycle.open_vote(
        alice,
        lifecycle.prepare_vote(
            alice,
            lifecycle.VoteSpec(
                question="Bankjes?",
                method="yes_no",
                options=[],
                mode=Vote.Mode.TIMED,
                closes_at=timezone.now() + timedelta(hours=1),
            ),
        ),
    )
    Vote.objects.filter(pk=due.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    soon = lifecycle.open_vote(
        alice,
        lifecycle.prepare_vote(
            alice,
            lifecycle.VoteSpec(
                question="Zonnepanelen?",
                method="yes_no",
                options=[],
                mode=Vote.Mode.TIMED,
                closes_at=timezone.now() + timedelta(hours=5),
            ),
        ),
    )
    tomorrow = meetings.create_meeting(
        alice, title="Avond morgen", starts_at=timezone.now() + timedelta(hours=20), notify=False
    )
    filed = advice.file_request(carl, title="Huurverhoging 2027", intended_change="2,5 %.")
    AdviceRequest.objects.filter(pk=filed.pk).update(
        advice_due=timezone.localdate() + timedelta(days=7)
    )

    call_command("run_scheduled")

    assert Vote.objects.get(pk=due.pk).state == Vote.State.CLOSED
    assert Vote.objects.get(pk=soon.pk).reminded_at is not None
    subjects = {(m.to[0], m.subject) for m in mail.outbox}
    assert {to for to, subject in subjects if "Zonnepanelen?" in subject} == {
        alice.user.email,
        bob.user.email,
        tina.user.email,
    }
    assert any("Huurverhoging 2027" in subject for _to, subject in subjects)
    assert {to for to, subject in subjects if "Avond morgen" in subject} == {
        m.user.email for m in (alice, bob, carl, tina)
    }
    assert Meeting.objects.get(pk=tomorrow.pk).reminded_at is not None

    sent = len(mail.outbox)
    call_command("run_scheduled")
    assert len(mail.outbox) == sent, "nothing twice"


def test_a_failing_job_does_not_stop_the_others(queued, monkeypatch, alice):
    def broken() -> int:
        raise RuntimeError("the advice table went away")

    monkeypatch.setattr(advice, "send_reminders", broken)
    ran = []
    monkeypatch.setattr(
        "panels.management.commands.apply_retention.Command.handle",
        lambda self, *a, **o: ran.append("apply_retention"),
    )
    with pytest.raises(Exception, match="remind_advice"):
        call_command("run_scheduled")
    assert ran == ["apply_retention"]


def test_a_second_run_at_the_same_moment_does_nothing():
    held, release = threading.Event(), threading.Event()

    def first_run():
        try:
            with exclusive() as mine:
                assert mine
                held.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=first_run)
    thread.start()
    assert held.wait(10)
    try:
        with exclusive() as mine:
            assert mine is False
    finally:
        release.set()
        thread.join(10)
    with exclusive() as mine:
        assert mine, "free again once the first run ended"


def test_the_readme_names_every_job_in_its_scheduled_work_section():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Scheduled work", 1)[1].split("\n## ", 1)[0]

    assert "manage.py run_scheduled" in section
    for name, _options in JOBS:
        assert f"`{name}" in section, name


def test_remind_advice_on_its_own_reminds_once(queued, carl, tina):
    filed = advice.file_request(carl, title="Servicekosten 2027", intended_change="Hoger.")
    AdviceRequest.objects.filter(pk=filed.pk).update(
        advice_due=timezone.localdate() + timedelta(days=5)
    )

    call_command("remind_advice")
    call_command("remind_advice")
    call_command("send_queued_mail")

    told = [m.to[0] for m in mail.outbox if "Servicekosten 2027" in m.subject]
    assert told == [tina.user.email]


def test_mail_sent_long_ago_is_forgotten_and_recent_mail_kept(queued, alice):
    from post_office import mail as post_office_mail
    from post_office.models import Email

    for subject in ["Oud", "Nieuw"]:
        post_office_mail.send(
            "bob@example.org", "noreply@example.org", subject=subject, message="."
        )
    Email.objects.filter(subject="Oud").update(created=timezone.now() - timedelta(days=91))

    call_command("run_scheduled")

    assert list(Email.objects.values_list("subject", flat=True)) == ["Nieuw"]
