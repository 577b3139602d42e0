"""The meeting pages and actions over HTTP: without JavaScript, and with htmx.

Without JavaScript every action is a form POST that redirects back to the
live page, with the outcome as a message. With htmx (`HX-Request: true`) the
answer is the actor's fresh fragments, swapped out-of-band, or a notice
saying why not.
"""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains

from panels import floor, meetings
from panels.models import AgendaItem, Meeting, Message, SpeakerRequest
from tests.conftest import MEETING_STARTS_AT
from tests.helpers import agenda, meetings_snapshot

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
FLOOR_CLOSED = "The floor is closed. Wait until the moderator opens it."


def url(name: str, meeting: Meeting, *args) -> str:
    return reverse(f"panels:{name}", args=[meeting.panel_id, meeting.pk, *args])


def translated(message: str, language: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


def messages_in(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def textarea(html: str) -> str:
    match = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.DOTALL)
    assert match, "no textarea"
    return match.group(1).strip()


# --- the live page ------------------------------------------------------------------------


def test_moderator_sees_the_controls(client_for, alice, live_meeting):
    response = client_for(alice).get(live_meeting.get_absolute_url())

    assert response.status_code == 200
    for control in ('id="btn-floor"', 'id="btn-close"', 'id="btn-finish"', 'id="btn-current-'):
        assertContains(response, control)
    assertContains(response, 'id="item-form"')
    assertContains(response, 'id="message-form"')


def test_member_sees_the_hand_and_the_message_box_but_no_controls(client_for, bob, live_meeting):
    response = client_for(bob).get(live_meeting.get_absolute_url())

    assert response.status_code == 200
    assertContains(response, 'id="btn-hand"')
    assertContains(response, 'id="message-form"')
    for control in ('id="btn-floor"', 'id="btn-close"', 'id="item-form"', "btn-current-"):
        assertNotContains(response, control)


def test_observer_reads_along_only(client_for, olga, live_meeting):
    response = client_for(olga).get(live_meeting.get_absolute_url())

    assert response.status_code == 200
    assertContains(response, translated("You are following this meeting as an observer.", "nl"))
    for control in ('id="btn-hand"', 'id="message-form"', 'id="btn-floor"'):
        assertNotContains(response, control)


def test_big_screen_shows_the_item_and_the_speaker_without_controls(
    client_for, alice, bob, live_meeting
):
    floor.raise_hand(bob, live_meeting)
    floor.give_floor(alice, live_meeting)

    response = client_for(alice).get(url("meeting_screen", live_meeting))

    assert response.status_code == 200
    assertContains(response, 'id="screen-status"')
    assertContains(response, "Opening en mededelingen")
    assertContains(response, "Bob Member")
    assertContains(response, f"/ws/meetings/{live_meeting.pk}/screen/")
    main = re.search(r"<main\b.*</main>", response.content.decode(), re.DOTALL).group(0)
    for control in ("btn-floor", "btn-close", "<form"):
        assert control not in main


def test_closed_meeting_page_opens_no_socket(client_for, alice, bob, live_meeting):
    meetings.close_meeting(alice, live_meeting)

    response = client_for(bob).get(live_meeting.get_absolute_url())

    assert response.status_code == 200
    assertNotContains(response, "ws-connect")
    assertNotContains(response, 'id="message-form"')


# --- actions without JavaScript -------------------------------------------------------------


def test_member_raises_a_hand_and_returns_to_the_page(client_for, bob, live_meeting):
    client = client_for(bob)

    response = client.post(url("hand", live_meeting), {"raise": "1"})

    assert response.status_code == 302
    assert response.url == live_meeting.get_absolute_url()
    request = SpeakerRequest.objects.get(meeting=live_meeting)
    assert (request.membership, request.state) == (bob, "waiting")
    page = client.get(response.url)
    assertContains(page, 'name="raise" value="0"')


def test_member_lowers_a_hand(client_for, bob, live_meeting):
    raised = floor.raise_hand(bob, live_meeting)

    response = client_for(bob).post(url("hand", live_meeting), {"raise": "0"})

    assert response.status_code == 302
    raised.refresh_from_db()
    assert raised.state == "withdrawn"


def test_member_made_observer_can_still_lower_a_raised_hand(client_for, alice, bob, live_meeting):
    raised = floor.raise_hand(bob, live_meeting)
    bob.role = "observer"
    bob.save()
    client = client_for(bob)

    refused = client.post(url("hand", live_meeting), {"raise": "1"})
    lowered = client.post(url("hand", live_meeting), {"raise": "0"})

    assert refused.status_code == 403
    assert lowered.status_code == 302
    raised.refresh_from_db()
    assert raised.state == "withdrawn"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_raising_a_hand_on_a_closed_floor_says_why(
    client_for, alice, bob, panel, live_meeting, language
):
    floor.set_floor(alice, live_meeting, False)
    before = meetings_snapshot(panel)

    response = client_for(bob).post(
        url("hand", live_meeting),
        {"raise": "1"},
        headers={"Accept-Language": language},
        follow=True,
    )

    assert response.redirect_chain == [(live_meeting.get_absolute_url(), 302)]
    expected = translated(FLOOR_CLOSED, language)
    assert messages_in(response) == [("error", expected)]
    assertContains(response, expected)
    assert meetings_snapshot(panel) == before
    if language == "nl":
        assert expected != FLOOR_CLOSED, "the Dutch message is translated"


def test_moderator_starts_a_meeting_and_is_told(client_for, alice, meeting):
    meetings.add_item(alice, meeting, title="Opening")

    response = client_for(alice).post(
        url("meeting_state", meeting), {"action": "start"}, follow=True
    )

    meeting.refresh_from_db()
    assert meeting.state == "live"
    assert messages_in(response) == [("success", translated("The meeting is live.", "nl"))]


def test_moderator_gives_the_floor_with_a_speaking_time(client_for, alice, bob, live_meeting):
    floor.raise_hand(bob, live_meeting)

    response = client_for(alice).post(url("speaker_next", live_meeting), {"minutes": "3"})

    assert response.status_code == 302
    speaking = SpeakerRequest.objects.get(meeting=live_meeting, state="speaking")
    assert speaking.membership == bob
    assert (speaking.speaking_until - speaking.speaking_since).total_seconds() == 180


def test_moderator_hides_a_message_with_a_reason(client_for, alice, bob, live_meeting):
    message = floor.post_message(bob, live_meeting, "Iets kwetsends")
    client = client_for(alice)

    form = client.get(url("message_hide", live_meeting, message.pk))
    response = client.post(url("message_hide", live_meeting, message.pk), {"reason": "Kwetsend"})

    assertContains(form, "Iets kwetsends")
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.hidden_reason, message.hidden_by) == ("Kwetsend", alice)


def test_moderator_edits_an_agenda_item(client_for, alice, live_meeting):
    item = agenda(live_meeting)[1]
    client = client_for(alice)

    form = client.get(url("item_edit", live_meeting, item.pk))
    response = client.post(url("item_edit", live_meeting, item.pk), {"title": "Lift"})

    assertContains(form, 'value="Onderhoud en reparaties"')
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "Lift"


def test_handled_item_cannot_be_edited_and_the_form_says_why(client_for, alice, live_meeting):
    item = agenda(live_meeting)[0]
    meetings.finish_current_item(alice, live_meeting)

    response = client_for(alice).post(url("item_edit", live_meeting, item.pk), {"title": "Anders"})

    assert response.status_code == 400
    assertContains(
        response,
        translated("This agenda item has been handled and cannot be changed.", "nl"),
        status_code=400,
    )
    item.refresh_from_db()
    assert item.title == "Opening en mededelingen"


def test_closed_meeting_cannot_be_edited_and_the_form_says_why(client_for, alice, live_meeting):
    meetings.close_meeting(alice, live_meeting)

    response = client_for(alice).post(
        url("meeting_edit", live_meeting),
        {"title": "Te laat", "starts_at": "2030-05-01T19:30", "duration_minutes": "90"},
    )

    assertContains(response, translated("This meeting has been closed.", "nl"), status_code=400)
    live_meeting.refresh_from_db()
    assert live_meeting.title == "Bewonersavond"


# --- actions with htmx ---------------------------------------------------------------------


def oob_ids(html: str) -> set[str]:
    """Ids of the top-level elements swapped out-of-band."""
    return set(re.findall(r'<\w+ id="([\w-]+)"[^>]*hx-swap-oob="', html))


def test_htmx_raise_answers_with_the_members_fragments(client_for, bob, live_meeting):
    response = client_for(bob).post(url("hand", live_meeting), {"raise": "1"}, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert {"live-speakers", "live-my-hand"} <= oob_ids(html)
    # What the change touched, as the socket gets it; not the whole page again.
    assert not {"live-status", "live-discussion", "live-presence"} & oob_ids(html)
    assert "live-notice" in oob_ids(html)
    assert "<html" not in html
    assert "btn-floor" not in html, "a member gets the members' fragments"
    assert 'name="raise" value="0"' in html, "the member sees the hand is up"
    assert SpeakerRequest.objects.filter(meeting=live_meeting, membership=bob).exists()


def test_htmx_next_item_answers_with_what_follows_the_item_and_nothing_else(
    client_for, alice, live_meeting
):
    pending = live_meeting.items.filter(state=AgendaItem.State.PENDING).first()
    response = client_for(alice).post(
        url("item_current", live_meeting, pending.pk), {}, headers=HTMX
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-current-item="{pending.pk}"' in html
    assert {"live-status", "live-agenda", "live-speakers", "live-discussion"} <= oob_ids(html)
    # Who is present and the votes did not change: the answer does not render them again.
    assert not {"live-presence", "live-vote"} & oob_ids(html)
    assert "live-notice" in oob_ids(html)


def test_htmx_action_that_changes_nothing_answers_with_the_notice_only(
    client_for, alice, live_meeting
):
    current = live_meeting.items.get(state=AgendaItem.State.CURRENT)
    response = client_for(alice).post(
        url("item_current", live_meeting, current.pk), {}, headers=HTMX
    )

    assert response.status_code == 200
    assert oob_ids(response.content.decode()) == {"live-notice"}


def test_htmx_moderator_action_answers_with_the_moderators_fragments(
    client_for, alice, live_meeting
):
    response = client_for(alice).post(
        url("meeting_floor", live_meeting), {"open": "0"}, headers=HTMX
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="btn-floor"' in html
    assert 'name="open" value="1"' in html, "the button now opens the floor"
    live_meeting.refresh_from_db()
    assert not live_meeting.floor_open


def test_htmx_refusal_is_a_notice_and_changes_nothing(client_for, alice, bob, panel, live_meeting):
    floor.set_floor(alice, live_meeting, False)
    before = meetings_snapshot(panel)

    response = client_for(bob).post(url("hand", live_meeting), {"raise": "1"}, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert oob_ids(html) == {"live-notice"}
    assert translated(FLOOR_CLOSED, "nl") in html
    assert "message--error" in html
    assert meetings_snapshot(panel) == before


def test_htmx_success_notice_is_shown(client_for, alice, meeting):
    response = client_for(alice).post(
        url("meeting_state", meeting), {"action": "start"}, headers=HTMX
    )

    html = response.content.decode()
    assert translated("The meeting is live.", "nl") in html
    assert "message--success" in html


def test_htmx_item_add_answers_with_the_agenda_and_a_fresh_form(client_for, alice, live_meeting):
    response = client_for(alice).post(
        url("item_add", live_meeting), {"title": "Groenonderhoud"}, headers=HTMX
    )

    html = response.content.decode()
    assert {"live-agenda", "item-form"} <= oob_ids(html)
    assert "Groenonderhoud" in html
    assert agenda(live_meeting)[-1].title == "Groenonderhoud"
    form = html[html.index('id="item-form"') :]
    assert 'value="Groenonderhoud"' not in form


def test_htmx_invalid_item_keeps_the_form_open(client_for, alice, panel, live_meeting):
    before = meetings_snapshot(panel)

    response = client_for(alice).post(url("item_add", live_meeting), {"title": ""}, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert oob_ids(html) == {"item-form"}
    assert re.search(r'<details id="item-form"[^>]* open', html)
    assert meetings_snapshot(panel) == before


# --- posting a message -----------------------------------------------------------------------


def test_member_posts_a_message(client_for, bob, live_meeting):
    response = client_for(bob).post(url("message_post", live_meeting), {"text": "Goed plan"})

    assert response.status_code == 302
    assert Message.objects.get().text == "Goed plan"


def test_htmx_posted_message_appears_and_the_box_empties(client_for, bob, live_meeting):
    response = client_for(bob).post(
        url("message_post", live_meeting), {"text": "Goed plan"}, headers=HTMX
    )

    html = response.content.decode()
    assert {"live-discussion", "message-form"} <= oob_ids(html)
    discussion = html[html.index('id="live-discussion"') :]
    assert "Goed plan" in discussion
    form = html[html.index('id="message-form"') :]
    assert textarea(form) == ""


def test_posting_too_fast_waits_a_moment_and_keeps_the_text(client_for, bob, live_meeting):
    client = client_for(bob)
    for number in range(floor.MESSAGES_PER_MINUTE):
        client.post(url("message_post", live_meeting), {"text": f"Punt {number}"})

    response = client.post(url("message_post", live_meeting), {"text": "Nog eentje"}, headers=HTMX)

    html = response.content.decode()
    assert "U plaatst snel achter elkaar" in html
    assert textarea(html[html.index('id="message-form"') :]) == "Nog eentje"
    assert Message.objects.count() == floor.MESSAGES_PER_MINUTE


def test_a_hand_going_up_and_down_too_often_waits_a_minute(client_for, bob, live_meeting):
    client = client_for(bob)
    for number in range(floor.HAND_CHANGES_PER_MINUTE):
        client.post(url("hand", live_meeting), {"raise": "1" if number % 2 == 0 else "0"})

    response = client.post(url("hand", live_meeting), {"raise": "1"}, follow=True)

    assertContains(response, "Wacht een minuut")
    assert not SpeakerRequest.objects.filter(
        membership=bob, state__in=SpeakerRequest.OPEN_STATES
    ).exists()


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_refused_message_keeps_the_typed_text(client_for, alice, bob, panel, live_meeting, htmx):
    floor.set_floor(alice, live_meeting, False)
    typed = 'Wat ik wil zeggen: </textarea><script>alert("x")</script>'

    response = client_for(bob).post(
        url("message_post", live_meeting), {"text": typed}, headers=HTMX if htmx else {}
    )

    html = response.content.decode()
    assert response.status_code == (200 if htmx else 400)
    assert "<script>alert" not in html
    form = html[html.index('id="message-form"') :]
    assert textarea(form) == (
        "Wat ik wil zeggen: &lt;/textarea&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    )
    assert translated(FLOOR_CLOSED, "nl") in html
    assert not Message.objects.exists()


def test_message_for_an_item_that_is_no_longer_current_is_kept(
    client_for, alice, bob, live_meeting
):
    first, second, _ = agenda(live_meeting)
    meetings.set_current_item(alice, second)

    response = client_for(bob).post(
        url("message_post", live_meeting),
        {"text": "Over de opening", "item": str(first.pk)},
        headers=HTMX,
    )

    html = response.content.decode()
    assert "Onderhoud en reparaties" in html, "the notice names the item now discussed"
    form = html[html.index('id="message-form"') :]
    assert textarea(form) == "Over de opening"
    assert f'name="item" value="{second.pk}"' in form, "the box now aims at the current item"
    assert not Message.objects.exists()


def test_a_page_opened_before_any_item_was_current_does_not_file_a_message_under_one(
    client_for, alice, bob, meeting
):
    """The box of a page shown while nothing was under discussion says so (item 0): a
    message sent from it once an item is current is refused, text kept, as for a page
    shown under another item. (It used to carry no item, and the message was filed under
    whatever had become current: issue 18.)"""
    for title in ("Opening", "Onderhoud en reparaties"):
        meetings.add_item(alice, meeting, title=title)
    meetings.start_meeting(alice, meeting)  # the opening is current
    floor.set_floor(alice, meeting, True)
    meetings.finish_current_item(alice, meeting)  # and done: nothing is current
    second = meeting.items.get(title="Onderhoud en reparaties")
    client = client_for(bob)

    page = client.get(meeting.get_absolute_url()).content.decode()
    form = page[page.index('id="message-form"') :]
    assert 'name="item" value="0"' in form
    assert 'data-current-item="0"' in page
    meetings.set_current_item(alice, second)

    response = client.post(
        url("message_post", meeting), {"text": "Tussen twee punten", "item": "0"}, headers=HTMX
    )

    html = response.content.decode()
    assert "Onderhoud en reparaties" in html, "the notice names the item now discussed"
    assert textarea(html[html.index('id="message-form"') :]) == "Tussen twee punten"
    assert not Message.objects.exists()
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert f'data-current-item="{second.pk}"' in page, "the status tells the page's script"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "Write a message first."),
        ("   ", "Write a message first."),
        ("x" * 1001, "A message can be at most %(max)s characters; yours has %(count)s."),
    ],
    ids=["empty", "spaces", "too long"],
)
def test_invalid_message_is_refused_with_the_page_saying_why(
    client_for, bob, live_meeting, text, error
):
    response = client_for(bob).post(url("message_post", live_meeting), {"text": text})

    assert response.status_code == 400
    assert not Message.objects.exists()
    said = translated(error, "nl") % {"max": "1.000", "count": "1.001"}
    assert messages_in(response) == [("error", said)]


# --- planning and the calendar ---------------------------------------------------------------


def test_planning_a_meeting_emails_every_active_member_a_calendar_file(
    client_for, alice, bob, nora, olga, carl, panel, django_capture_on_commit_callbacks, mailoutbox
):
    carl.is_active = False
    carl.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(
            reverse("panels:meeting_new", args=[panel.pk]),
            {
                "title": "Bewonersavond, najaar",
                "starts_at": "2030-05-01T19:30",
                "duration_minutes": "90",
                "description": "Over de tuin.",
            },
        )

    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response.url == meeting.get_absolute_url()
    assert meeting.starts_at == MEETING_STARTS_AT
    assert meeting.created_by == alice.user
    assert sorted(mail.to[0] for mail in mailoutbox) == [
        "alice@example.org",
        "bob@example.org",
        "nora@example.org",
        "olga@example.org",
    ]
    for mail in mailoutbox:
        assert len(mail.to) == 1, "nobody sees the others' addresses"
        assert "Bewonersavond, najaar" in mail.subject
        assert meeting.get_absolute_url() in mail.body
        (attachment,) = mail.attachments
        assert attachment.filename.endswith(".ics")
        assert attachment.mimetype.split(";")[0] == "text/calendar"
        assert "BEGIN:VEVENT" in attachment.content
        assert "SUMMARY:Bewonersavond\\, najaar" in attachment.content
        assert "DTSTART:20300501T173000Z" in attachment.content


def test_calendar_attachment_names_its_charset_once(
    alice, bob, meeting, django_capture_on_commit_callbacks, mailoutbox
):
    from panels import emails

    emails.send_meeting_notice(meeting.pk, "planned")

    part = next(
        p for p in mailoutbox[0].message().walk() if p.get_content_type() == "text/calendar"
    )
    params = [name for name, _ in part.get_params()]
    assert params.count("charset") == 1, part["Content-Type"]
    assert part.get_param("method") == "PUBLISH"


@pytest.mark.parametrize(
    "data",
    [
        {"title": "", "starts_at": "2030-05-01T19:30", "duration_minutes": "90"},
        {"title": "x" * 201, "starts_at": "2030-05-01T19:30", "duration_minutes": "90"},
        {"title": "Avond", "starts_at": "morgen", "duration_minutes": "90"},
        {"title": "Avond", "starts_at": "2030-05-01T19:30", "duration_minutes": "abc"},
        {"title": "Avond", "starts_at": "2030-05-01T19:30", "duration_minutes": "5"},
        {"title": "Avond", "starts_at": "2030-05-01T19:30", "duration_minutes": "100000"},
    ],
    ids=["no title", "long title", "bad date", "bad duration", "too short", "too long"],
)
def test_invalid_meeting_form_is_shown_again(client_for, alice, panel, mailoutbox, data):
    response = client_for(alice).post(reverse("panels:meeting_new", args=[panel.pk]), data)

    assert response.status_code == 400
    assert not Meeting.objects.exists()
    assert mailoutbox == []


def test_calendar_download(client_for, bob, meeting):
    response = client_for(bob).get(url("meeting_calendar", meeting))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="bijeenkomst-{meeting.pk}.ics"'
    )
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert "BEGIN:VEVENT\r\n" in body
    assert "SUMMARY:Bewonersavond\r\n" in body
    assert "DTSTART:20300501T173000Z\r\n" in body
    assert "DTEND:20300501T190000Z\r\n" in body
    assert f"URL:http://testserver{meeting.get_absolute_url()}\r\n" in body


# --- malformed input never breaks a page -------------------------------------------------------

TOO_BIG = str(2**70)

# (url name, which id to use in the URL, form data, whether the request changes something)
MALFORMED = {
    "minutes not a number": ("speaker_next", None, {"minutes": "abc"}, False),
    "minutes negative": ("speaker_next", None, {"minutes": "-5"}, False),
    "minutes over an hour": ("speaker_next", None, {"minutes": "61"}, False),
    "minutes huge": ("speaker_next", None, {"minutes": TOO_BIG}, False),
    "request not a number": ("speaker_next", None, {"request": "x"}, False),
    "request unknown": ("speaker_next", None, {"request": "999999"}, False),
    "request huge": ("speaker_next", None, {"request": TOO_BIG}, False),
    "direction sideways": ("item_move", "item", {"direction": "sideways"}, False),
    "direction missing": ("item_move", "item", {}, False),
    "state unknown": ("meeting_state", None, {"action": "explode"}, False),
    "title huge": ("item_add", None, {"title": "x" * 100_000}, False),
    "title missing": ("item_add", None, {}, False),
    "edit title huge": ("item_edit", "item", {"title": "x" * 100_000}, False),
    "item unknown (move)": ("item_move", "missing", {"direction": "up"}, False),
    "item unknown (current)": ("item_current", "missing", {}, False),
    "item unknown (remove)": ("item_remove", "missing", {}, False),
    "item unknown (edit)": ("item_edit", "missing", {"title": "Nieuw"}, False),
    "item huge": ("item_current", "huge", {}, False),
    "request unknown (remove)": ("speaker_remove", "missing", {}, False),
    "request huge (remove)": ("speaker_remove", "huge", {}, False),
    "message unknown (hide)": ("message_hide", "missing", {"reason": "Weg"}, False),
    "message huge (hide)": ("message_hide", "huge", {"reason": "Weg"}, False),
    "reason missing": ("message_hide", "message", {"reason": "  "}, False),
    "reason huge": ("message_hide", "message", {"reason": "r" * 10_000}, False),
    "message item not a number": ("message_post", None, {"text": "Hoi", "item": "abc"}, False),
    "message item unknown": ("message_post", None, {"text": "Hoi", "item": "999999"}, False),
    "message huge": ("message_post", None, {"text": "x" * 100_000}, False),
}


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_input_is_refused_without_an_error_page(
    client_for, alice, bob, nora, panel, live_meeting, case, htmx
):
    name, which, data, changes = MALFORMED[case]
    floor.raise_hand(bob, live_meeting)
    floor.raise_hand(nora, live_meeting)
    message = floor.post_message(bob, live_meeting, "Iets")
    ids = {
        None: (),
        "item": (agenda(live_meeting)[2].pk,),
        "message": (message.pk,),
        "missing": (999_999,),
        "huge": (TOO_BIG,),
    }[which]
    before = meetings_snapshot(panel, seq=True)

    response = client_for(alice).post(
        url(name, live_meeting, *ids), data, headers=HTMX if htmx else {}
    )

    assert response.status_code in (200, 302, 400, 404), response.status_code
    if changes:
        assert meetings_snapshot(panel, seq=True) != before
    else:
        assert meetings_snapshot(panel, seq=True) == before
