"""Notices about votes and consultations: who hears that a vote opened, that it closes
tomorrow, and what came of it; in their own language, once, and never those who said no."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from panels.models import PendingNotice, User
from tests.voting.conftest import cast, vote_spec
from voting import consultations, lifecycle
from voting.models import Consultation, Vote

pytestmark = pytest.mark.django_db


def plain(text: str) -> str:
    """Without the marks that isolate a name's writing direction (panels/bidi.py)."""
    return text.replace("\u2068", "").replace("\u2069", "")


def addresses(outbox=None) -> list[str]:
    return sorted(address for m in (outbox or mail.outbox) for address in m.to)


def speaks(member, language: str) -> None:
    User.objects.filter(pk=member.user_id).update(language=language)


@pytest.fixture
def everyone(alice, bob, tina, nora, olga, carl, oscar):
    """Three who may vote (alice, bob, tina); nora without voting rights, olga an observer,
    carl the corporation's representative (who does not vote in this panel); oscar in
    another panel."""
    return [alice, bob, tina, nora, olga, carl, oscar]


def test_opening_a_timed_vote_tells_exactly_those_who_may_vote_each_in_their_language(
    make_vote, everyone, bob, django_capture_on_commit_callbacks
):
    speaks(bob, "en")
    with django_capture_on_commit_callbacks(execute=True):
        vote = make_vote(mode=Vote.Mode.TIMED, question="Bankjes in de tuin?")

    assert addresses() == ["alice@example.org", "bob@example.org", "tina@example.org"]
    by_address = {m.to[0]: m for m in mail.outbox}
    english, dutch = by_address["bob@example.org"], by_address["tina@example.org"]
    assert plain(english.subject) == "Vote now: “Bankjes in de tuin?”"
    assert "You can vote until" in english.body and "Vote with this link:" in english.body
    assert plain(dutch.subject) == "Stem nu: “Bankjes in de tuin?”"
    assert "U kunt stemmen tot" in dutch.body
    assert english.extra_headers["Content-Language"] == "en"
    assert f"/votes/{vote.pk}/" in english.body
    # A notice: the mail program's one-click unsubscribe, and the link in the text.
    unsubscribe = english.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://testserver/notices/off/") and unsubscribe.endswith(">")
    assert english.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[1:-1] in english.body
    assert english.alternatives[0][1] == "text/html"


def test_a_live_vote_tells_nobody_by_email(make_vote, everyone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_vote()  # those in the meeting see it there

    assert mail.outbox == []


def test_who_turned_votes_off_hears_nothing_and_who_reads_daily_finds_it_waiting(
    make_vote, everyone, bob, tina, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=bob.user_id).update(notify_votes=False)
    User.objects.filter(pk=tina.user_id).update(notice_digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        make_vote(mode=Vote.Mode.TIMED, question="Bankjes?")

    assert addresses() == ["alice@example.org"]
    (waiting,) = PendingNotice.objects.all()
    assert waiting.user_id == tina.user_id and "Bankjes?" in waiting.subject


def test_a_written_round_tells_those_who_have_not_voted(
    make_vote, everyone, bob, alice, django_capture_on_commit_callbacks
):
    vote = make_vote(present=[alice, bob])
    cast(bob, vote, "for")
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.close_vote(alice, vote, written_round_until=timezone.now() + timedelta(days=2))

    assert addresses() == ["alice@example.org", "tina@example.org"]
    assert all("schriftelijk" in m.body for m in mail.outbox)


def test_a_result_reaches_every_member_of_the_panel_once(
    make_vote, everyone, bob, alice, django_capture_on_commit_callbacks
):
    vote = make_vote(present=[alice, bob], question="Bankjes?")
    cast(bob, vote, "for")
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.close_vote(alice, vote)
        lifecycle.close_vote(alice, vote)  # a double click

    assert addresses() == sorted(
        f"{name}@example.org" for name in ["alice", "bob", "tina", "nora", "olga", "carl"]
    )
    assert all(plain(m.subject).startswith("Uitslag: “Bankjes?”") for m in mail.outbox)


def test_the_day_before_reminder_reaches_those_who_have_not_voted_once(
    make_vote, everyone, bob, django_capture_on_commit_callbacks
):
    vote = make_vote(mode=Vote.Mode.TIMED, closes_at=timezone.now() + timedelta(hours=20))
    cast(bob, vote, "for")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("close_due_votes", "--remind-hours", "24")
        call_command("close_due_votes", "--remind-hours", "24")

    assert addresses() == ["alice@example.org", "tina@example.org"]
    assert all(m.subject.startswith("Herinnering") for m in mail.outbox)


# --- consultations ---------------------------------------------------------------------------


@pytest.fixture
def consultation(alice) -> Consultation:
    made = consultations.create(
        alice, title="Onderhoud 2027", closes_at=timezone.now() + timedelta(hours=20)
    )
    for question in ["Akkoord met de planning?", "Eerst de daken?"]:
        consultations.add_question(alice, made, vote_spec(question=question, mode=Vote.Mode.TIMED))
    return made


def test_a_consultation_tells_of_its_opening_its_deadline_and_its_results_once_each(
    consultation, everyone, alice, bob, tina, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        consultations.open_consultation(alice, consultation)
    assert addresses() == ["alice@example.org", "bob@example.org", "tina@example.org"]
    assert all("Onderhoud 2027" in m.subject for m in mail.outbox)  # one, not one a question

    first, second = consultation.questions.order_by("pk")
    cast(bob, first, "for")
    cast(bob, second, "for")
    cast(tina, first, "for")  # one of two: still reminded
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("close_due_votes", "--remind-hours", "24")
        call_command("close_due_votes", "--remind-hours", "24")
    assert addresses() == ["alice@example.org", "tina@example.org"]

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        consultations.close_consultation(alice, consultation)
    assert len(mail.outbox) == 6  # every member, once: not a result per question
    assert all("Onderhoud 2027" in m.subject for m in mail.outbox)
