"""Advice requests under the Overlegwet: the steps, who takes them, the deadlines (six
weeks for the advice, two weeks for a reasoned response), the reminders and the pages."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from agreements import advice, services
from agreements.models import AdviceRequest
from tests.agreements.test_services import FIELDS
from tests.voting.conftest import make_vote as make_vote  # a fixture, for make_vote_closed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def filed(carl):
    return advice.file_request(carl, title="Huurverhoging 2027", intended_change="2,5 % erbij.")


def test_the_advice_is_due_six_weeks_after_the_request_at_the_earliest(carl):
    today = timezone.localdate()

    filed = advice.file_request(carl, title="Groen", intended_change="Minder maaien.")
    assert filed.advice_due == today + timedelta(weeks=6)
    with pytest.raises(advice.AdviceError, match="at least 6 weeks"):
        advice.file_request(
            carl, title="Te snel", intended_change="Nu.", advice_due=today + timedelta(days=41)
        )
    assert AdviceRequest.objects.count() == 1


def test_a_title_over_200_characters_is_refused_not_cut(carl):
    with pytest.raises(advice.AdviceError, match="The title can be at most 200 characters."):
        advice.file_request(carl, title="Huurverhoging " * 20, intended_change="2,5 %.")

    assert not AdviceRequest.objects.exists()


@pytest.mark.parametrize("who", ["tina", "alice", "bob"])
def test_only_the_corporation_files(request, who):
    with pytest.raises(advice.AdviceError, match="corporation"):
        advice.file_request(request.getfixturevalue(who), title="X", intended_change="Y")


def test_the_whole_timeline(filed, carl, tina, alice, live_meeting, make_vote_closed):
    assert advice.stage(filed).key == "awaiting_advice"
    assert advice.stage(filed).party == advice.TENANTS
    agreement = services.create_agreement(alice, **FIELDS)

    with pytest.raises(advice.AdviceError, match="tenant organisation"):
        advice.give_advice(carl, filed, advice="Zelf advies geven mag niet.")
    advised = advice.give_advice(
        tina, filed, advice="Niet meer dan inflatie.",
        meetings=[live_meeting.pk], votes=[make_vote_closed.pk], agreements=[agreement.pk],
    )  # fmt: skip
    assert advice.stage(advised).key == "awaiting_decision"
    assert advice.response_due(advised) == timezone.localdate() + timedelta(days=14)
    assert list(advised.meetings.all()) == [live_meeting]
    assert list(advised.votes.all()) == [make_vote_closed]
    assert list(advised.agreements.all()) == [agreement]
    with pytest.raises(advice.AdviceError, match="already"):
        advice.give_advice(tina, filed, advice="Nog eens.")

    with pytest.raises(advice.AdviceError, match="reasons"):
        advice.decide(carl, advised, decision="not_followed", response="")
    decided = advice.decide(carl, advised, decision="partly", response="Inflatie plus 0,5 %.")
    assert advice.stage(decided).key == "answered"
    assert advice.stage(decided).due is None
    assert decided.history.count() == 3  # filed, advised, decided


@pytest.fixture
def make_vote_closed(make_vote, alice, bob):
    from tests.voting.conftest import cast
    from voting import lifecycle

    vote = make_vote(present=[alice, bob])
    cast(bob, vote)
    return lifecycle.close_vote(alice, vote)


def test_links_only_to_the_panel_s_own_closed_things(filed, tina, oscar, other_panel):
    from panels import meetings

    elsewhere = meetings.create_meeting(
        oscar, title="Elders", starts_at=timezone.now() + timedelta(days=1), notify=False
    )
    advised = advice.give_advice(tina, filed, advice="Goed.", meetings=[elsewhere.pk, 99999])

    assert list(advised.meetings.all()) == []


def test_no_decision_before_the_advice(filed, carl):
    with pytest.raises(advice.AdviceError, match="no advice"):
        advice.decide(carl, filed, decision="followed")


def test_reminders_go_once_a_week_before_and_once_when_overdue(filed, carl, tina):
    due = filed.advice_due

    assert advice.send_reminders(due - timedelta(days=8)) == 0
    assert advice.send_reminders(due - timedelta(days=7)) == 1
    assert advice.send_reminders(due - timedelta(days=6)) == 0  # once
    assert [m.to for m in mail.outbox] == [[tina.user.email]]
    assert advice.send_reminders(due + timedelta(days=1)) == 1
    assert "Huurverhoging 2027" in mail.outbox[-1].subject

    advised = advice.give_advice(tina, filed, advice="Niet doen.")
    response_due = advice.response_due(advised)
    assert advice.send_reminders(response_due + timedelta(days=1)) == 1
    assert mail.outbox[-1].to == [carl.user.email]
    advice.decide(carl, advised, decision="followed")
    assert advice.send_reminders(response_due + timedelta(days=30)) == 0


def test_overdue_shows_on_the_list(client_for, filed, bob, panel):
    AdviceRequest.objects.filter(pk=filed.pk).update(advice_due=date(2020, 1, 1))

    page = client_for(bob).get(reverse("agreements:advice_list", args=[panel.pk]))

    text = page.content.decode()
    assert "Huurverhoging 2027" in text and "overdue" in text


def test_the_pages_take_each_step(client_for, carl, tina, panel):
    due = (timezone.localdate() + timedelta(weeks=7)).isoformat()

    response = client_for(carl).post(
        reverse("agreements:advice_new", args=[panel.pk]),
        {"title": "Servicekosten", "intended_change": "Nieuwe verdeling.", "advice_due": due},
    )
    item = AdviceRequest.objects.get()
    assert response.url == reverse("agreements:advice", args=[panel.pk, item.pk])
    tenants = client_for(tina)
    assert "Give the advice" in tenants.get(response.url).content.decode()
    tenants.post(
        reverse("agreements:advice_give", args=[panel.pk, item.pk]), {"advice": "Eerlijker."}
    )
    client_for(carl).post(
        reverse("agreements:advice_decide", args=[panel.pk, item.pk]),
        {"decision": "not_followed", "response": "De wet staat het niet toe."},
    )

    item.refresh_from_db()
    assert (item.advice, item.decision) == ("Eerlijker.", "not_followed")
    page = client_for(tina).get(reverse("agreements:advice", args=[panel.pk, item.pk]))
    assert "De wet staat het niet toe." in page.content.decode()


def test_a_bad_date_is_a_clear_error_and_files_nothing(client_for, carl, panel):
    response = client_for(carl).post(
        reverse("agreements:advice_new", args=[panel.pk]),
        {"title": "X", "intended_change": "Y", "advice_due": "31-02-2027"},
        follow=True,
    )

    assert "year-month-day" in response.content.decode()
    assert not AdviceRequest.objects.exists()
