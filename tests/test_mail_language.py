"""Each email in its recipient's language (the one they last chose on the site), with a
plain-text and an HTML part (panels/mail.py)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from panels import meetings
from panels.models import Meeting, User

pytestmark = pytest.mark.django_db


def choose(client, language: str) -> None:
    response = client.post(reverse("set_language"), {"language": language, "next": "/"})
    assert response.status_code == 302


def mails_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def test_the_language_switch_is_remembered_for_email(client_for, bob, tina, client):
    choose(client_for(bob), "en")
    assert User.objects.get(pk=bob.user_id).language == "en"
    choose(client_for(bob), "xx")  # not a language of the site: nothing changes
    assert User.objects.get(pk=bob.user_id).language == "en"
    choose(client, "en")  # nobody logged in: only the cookie
    assert User.objects.get(pk=tina.user_id).language == "nl"


def test_a_meeting_invitation_goes_in_each_member_s_language_with_an_html_part(
    client_for, alice, bob, tina, django_capture_on_commit_callbacks
):
    choose(client_for(bob), "en")
    with django_capture_on_commit_callbacks(execute=True):
        meetings.create_meeting(
            alice,
            title="Avond <script>alert(1)</script>",
            starts_at=timezone.now() + timedelta(days=7),
            venue=Meeting.Venue.HYBRID,
            location="Buurthuis De Linde, Lindelaan 12",
        )

    english, dutch = mails_to(bob.user.email)[0], mails_to(tina.user.email)[0]
    assert english.subject.startswith("Meeting of") and "Where: " in english.body
    assert dutch.subject.startswith("Bijeenkomst van") and "Waar: " in dutch.body
    assert english.extra_headers["Content-Language"] == "en"
    html, kind = english.alternatives[0]
    assert kind == "text/html"
    assert '<html lang="en">' in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    url = f"http://testserver/panels/{alice.panel_id}/meetings/"
    assert f'<a href="{url}' in html  # the link is clickable
    assert english.attachments[0][0] == "bijeenkomst.ics"
    assert "Buurthuis De Linde" in english.attachments[0][1]  # the room is the location
