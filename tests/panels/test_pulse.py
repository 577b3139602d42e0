"""The satisfaction pulse: once per person, anonymous, open for a while after the meeting,
and its results per meeting."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from panels import floor, meetings, pulse, sealing
from panels.models import Meeting, PulseBox, PulseParticipation
from panels.services import PanelError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def answers(meeting) -> list:
    return sealing.read(PulseBox, meeting.pk).get("answers", [])


def test_an_answer_is_stored_apart_from_who_gave_it(live_meeting, bob):
    pulse.answer(bob, live_meeting, heard=4, comment="Fijne avond.")

    assert PulseParticipation.objects.filter(meeting=live_meeting, membership=bob).exists()
    assert answers(live_meeting) == [[4, "Fijne avond."]]
    # The box is the meeting's, sealed: no column of its own points to a person or a time.
    assert {f.name for f in PulseBox._meta.get_fields()} == {"meeting", "sealed"}
    assert b"Fijne avond" not in bytes(PulseBox.objects.get().sealed)


def test_a_person_answers_once(live_meeting, bob):
    pulse.answer(bob, live_meeting, heard=4)

    with pytest.raises(PanelError, match="already answered"):
        pulse.answer(bob, live_meeting, heard=1)
    assert answers(live_meeting) == [[4, ""]]


@pytest.mark.parametrize("heard", [0, 6, "x", "", None, "4.5"])
def test_only_1_to_5_counts(live_meeting, bob, heard):
    with pytest.raises(PanelError, match="1 to 5"):
        pulse.answer(bob, live_meeting, heard=heard)
    assert not PulseParticipation.objects.exists()


def test_a_long_comment_is_refused(live_meeting, bob):
    with pytest.raises(PanelError, match="at most"):
        pulse.answer(bob, live_meeting, heard=3, comment="x" * 1001)
    assert not PulseParticipation.objects.exists()


def test_open_while_live_and_for_two_weeks_after(live_meeting, meeting, alice, bob, tina, nora):
    meetings.close_meeting(alice, live_meeting)
    live_meeting.refresh_from_db()
    pulse.answer(bob, live_meeting, heard=5)  # just closed: open

    Meeting.objects.filter(pk=live_meeting.pk).update(
        closed_at=timezone.now() - timedelta(days=pulse.OPEN_DAYS + 1)
    )
    live_meeting.refresh_from_db()
    with pytest.raises(PanelError, match="closed"):
        pulse.answer(tina, live_meeting, heard=5)


def test_not_before_the_meeting(meeting, bob):
    with pytest.raises(PanelError, match="closed"):
        pulse.answer(bob, meeting, heard=5)


def test_not_for_a_meeting_of_another_panel(live_meeting, oscar):
    with pytest.raises(PanelError, match="not allowed"):
        pulse.answer(oscar, live_meeting, heard=5)


def test_results_per_meeting(live_meeting, alice, bob, tina, nora):
    for person, heard, comment in [
        (alice, 5, ""),
        (bob, 4, "Goed."),
        (tina, 4, ""),
        (nora, 2, "Te kort."),
    ]:
        pulse.answer(person, live_meeting, heard=heard, comment=comment)

    result = pulse.results([live_meeting.pk])[live_meeting.pk]

    assert result.answers == 4
    assert result.counts == {1: 0, 2: 1, 3: 0, 4: 2, 5: 1}
    assert result.mean == (5 + 4 + 4 + 2) / 4
    assert sorted(result.comments) == ["Goed.", "Te kort."]


def test_the_page_asks_once_then_thanks(client_for, live_meeting, bob):
    client = client_for(bob)
    url = reverse("panels:meeting_pulse", args=[live_meeting.panel_id, live_meeting.pk])
    meeting_page = live_meeting.get_absolute_url()
    assert url in client.get(meeting_page).content.decode()

    assert "Did you feel heard" in client.get(url).content.decode()
    response = client.post(url, {"heard": "3", "comment": "Prima."})

    assert response.status_code == 302 and response.url == meeting_page
    assert "already answered" in client.get(url).content.decode()
    assert url not in client.get(meeting_page).content.decode()
    wrong = client.post(url, {"heard": "9"})
    assert wrong.status_code == 200
    assert answers(live_meeting) == [[3, "Prima."]]


def test_the_dashboard_shows_the_pulse_and_comments_only_to_those_who_see_detail(
    client_for, live_meeting, alice, bob, tina
):
    pulse.answer(bob, live_meeting, heard=4, comment="Geheim commentaar")
    pulse.answer(tina, live_meeting, heard=2)
    url = reverse("voting:participation", args=[live_meeting.panel_id])

    member_page = client_for(bob).get(url).content.decode()
    moderator_page = client_for(alice).get(url).content.decode()

    assert "Did people feel heard?" in member_page and "3.0" in member_page
    assert "Geheim commentaar" not in member_page
    assert "Geheim commentaar" in moderator_page


def test_closing_the_meeting_asks_those_who_were_there(
    live_meeting, alice, bob, tina, nora, django_capture_on_commit_callbacks
):
    from django.core import mail

    from tests.voting.conftest import be_present

    be_present(live_meeting, tina)  # connected when it closes
    floor.post_message(bob, live_meeting, "Ik was er.")  # spoke up, has left since
    # nora was never there.

    with django_capture_on_commit_callbacks(execute=True):
        meetings.close_meeting(alice, live_meeting)

    assert sorted(m.to[0] for m in mail.outbox) == sorted([bob.user.email, tina.user.email])
    url = reverse("panels:meeting_pulse", args=[live_meeting.panel_id, live_meeting.pk])
    assert url in mail.outbox[0].body
