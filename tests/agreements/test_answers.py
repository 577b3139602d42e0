"""Terugkoppeling: the corporation answers what the panel adopted, with reasons when it
does not follow it; those involved hear of it; the share of known outcomes is counted."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from agreements import services
from agreements.models import InputResponse
from panels.models import AuditAction, AuditEntry
from tests.agreements.test_views import _adopted_proposal
from voting.models import Proposal

pytestmark = pytest.mark.django_db
NOT = InputResponse.Status.NOT_FOLLOWED


@pytest.fixture(autouse=True)
def english(client):
    """These tests read English messages and pages (the app is Dutch first)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def adopted(alice, bob, tina):
    proposal = _adopted_proposal(alice)
    Proposal.objects.filter(pk=proposal.pk).update(submitter=bob)
    proposal.supporters.add(tina)
    return Proposal.objects.get(pk=proposal.pk)


def test_the_corporation_answers_and_those_involved_hear_of_it(
    adopted, carl, bob, tina, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = services.answer_input(
            carl, adopted, status=NOT, reasons="Het budget voor 2027 is al verdeeld."
        )

    assert (response.status, response.answered_by) == (NOT, carl)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([bob.user.email, tina.user.email])
    assert "Het budget voor 2027 is al verdeeld." in mail.outbox[0].body
    entry = AuditEntry.objects.get(action=AuditAction.INPUT_ANSWERED)
    assert (entry.subject, entry.details) == (f"proposal:{adopted.pk}", {"status": NOT})


def test_not_following_needs_reasons(adopted, carl):
    with pytest.raises(services.AgreementError, match="reasons"):
        services.answer_input(carl, adopted, status=NOT, reasons="  ")
    assert not InputResponse.objects.exists()


@pytest.mark.parametrize("who", ["alice", "tina", "bob", "olga"])
def test_only_the_corporation_answers(request, adopted, who):
    with pytest.raises(services.AgreementError):
        services.answer_input(request.getfixturevalue(who), adopted, status="followed", reasons="")
    assert not InputResponse.objects.exists()


def test_only_an_adopted_proposal_is_answered(adopted, carl):
    Proposal.objects.filter(pk=adopted.pk).update(state=Proposal.State.REJECTED)

    with pytest.raises(services.AgreementError, match="adopted"):
        services.answer_input(carl, adopted, status="followed", reasons="")


def test_a_changed_answer_keeps_the_earlier_one_in_its_history(adopted, carl):
    services.answer_input(carl, adopted, status=NOT, reasons="Te duur.")
    services.answer_input(carl, adopted, status="partly", reasons="Half: alleen de binnentuin.")
    services.answer_input(carl, adopted, status="partly", reasons="Half: alleen de binnentuin.")

    response = InputResponse.objects.get()
    assert [h.status for h in response.history.order_by("history_date")] == [NOT, "partly"]
    assert AuditEntry.objects.filter(action=AuditAction.INPUT_ANSWERED).count() == 2


def test_known_outcomes_count_answered_rejected_and_withdrawn(adopted, carl, alice):
    from agreements.services import known_outcomes

    panel_proposals = Proposal.objects.filter(item__meeting__panel=carl.panel)
    assert known_outcomes(panel_proposals) == (0, 1)  # adopted, not answered yet

    services.answer_input(carl, adopted, status="followed", reasons="")
    assert known_outcomes(panel_proposals) == (1, 1)

    other = _adopted_proposal(alice)
    Proposal.objects.filter(pk=other.pk).update(state=Proposal.State.ON_FLOOR)
    assert known_outcomes(panel_proposals) == (1, 2)  # still open: not known
    Proposal.objects.filter(pk=other.pk).update(state=Proposal.State.WITHDRAWN)
    assert known_outcomes(panel_proposals) == (2, 2)


def test_the_page_shows_the_answer_and_the_headline(client_for, adopted, carl, bob, panel):
    url = reverse("agreements:answer", args=[panel.pk])
    carl_client = client_for(carl)
    assert (
        "Answer for the corporation"
        in carl_client.get(reverse("agreements:feedback", args=[panel.pk])).content.decode()
    )

    response = carl_client.post(
        url, {"proposal": adopted.pk, "status": NOT, "reasons": "Geen budget."}
    )
    assert response.status_code == 302

    page = client_for(bob).get(reverse("agreements:feedback", args=[panel.pk])).content.decode()
    assert "Not followed" in page and "Geen budget." in page
    assert "1 of 1 proposal has a known outcome." in page
    assert "Answer for the corporation" not in page  # bob cannot answer


def test_a_member_posting_an_answer_changes_nothing(client_for, adopted, bob, panel):
    response = client_for(bob).post(
        reverse("agreements:answer", args=[panel.pk]),
        {"proposal": adopted.pk, "status": "followed"},
    )

    assert response.status_code == 302
    assert not InputResponse.objects.exists()
