"""A form sent without a valid CSRF token does nothing, and a person who pressed a button
on one of our own pages goes back to it with a notice instead of landing on an error page
(issue 18: a quick second click on a pushed button used to end on "CSRF verification
failed"). The browser side, that such a click is sent by htmx with its token, is tested in
tests/e2e/test_double_click.py."""

import pytest
from django.test import Client

from panels.models import SpeakerRequest

pytestmark = pytest.mark.django_db


def csrf_checked(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def hand_url(meeting) -> str:
    return f"/panels/{meeting.panel_id}/meetings/{meeting.pk}/hand/"


def test_a_click_from_the_live_page_without_a_token_goes_back_there_and_does_nothing(
    live_meeting, bob
):
    page = "http://testserver" + live_meeting.get_absolute_url()
    client = csrf_checked(bob.user)

    response = client.post(hand_url(live_meeting), {"raise": "1"}, headers={"referer": page})

    assert response.status_code == 302
    assert response["Location"] == page
    assert not SpeakerRequest.objects.exists()
    shown = client.get(response["Location"])
    assert "Er is niets gedaan: de pagina was nog niet klaar." in shown.content.decode()


def test_a_forged_post_from_another_site_gets_the_refusal_page(live_meeting, bob):
    client = csrf_checked(bob.user)

    response = client.post(
        hand_url(live_meeting), {"raise": "1"}, headers={"referer": "https://evil.example/x"}
    )

    assert response.status_code == 403
    assert "403_csrf.html" in [t.name for t in response.templates]  # ours, not Django's
    assert not SpeakerRequest.objects.exists()


def test_without_a_referer_or_from_htmx_the_refusal_page(live_meeting, bob):
    page = "http://testserver" + live_meeting.get_absolute_url()
    client = csrf_checked(bob.user)

    plain = client.post(hand_url(live_meeting), {"raise": "1"})
    htmx = client.post(
        hand_url(live_meeting), {"raise": "1"}, headers={"referer": page, "hx-request": "true"}
    )

    assert plain.status_code == htmx.status_code == 403
    assert not SpeakerRequest.objects.exists()
