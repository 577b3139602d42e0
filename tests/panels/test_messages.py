"""The discussion under the item being discussed: posting messages and hiding them.

Every refused call raises MeetingError with a message for the person, and
changes nothing: no row, no sequence number, no push (the `refused` fixture).
"""

import pytest

from panels import floor, meetings
from panels.models import Message
from tests.helpers import agenda
from tests.panels.meeting_rules import (
    NON_MODERATORS,
    PARTICIPANTS,
    seq_of,
)

pytestmark = pytest.mark.django_db


# --- the discussion ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", PARTICIPANTS)
def test_everyone_but_observers_posts_under_the_current_item(request, live_meeting, persona):
    actor = request.getfixturevalue(persona)

    message = floor.post_message(actor, live_meeting, "  Goed punt!\n ")

    message.refresh_from_db()
    assert (message.item, message.author, message.text) == (
        agenda(live_meeting)[0],
        actor,
        "Goed punt!",
    )
    record = message.history.get()
    assert (record.history_user, record.history_change_reason) == (actor.user, "posted")


def test_observer_cannot_post(refused, olga, live_meeting):
    refused(lambda: floor.post_message(olga, live_meeting, "Mag ik ook?"))


def test_posting_needs_an_open_floor(refused, alice, bob, live_meeting):
    floor.set_floor(alice, live_meeting, False)

    refused(lambda: floor.post_message(bob, live_meeting, "Hallo"))


def test_posting_needs_a_live_meeting(refused, alice, bob, meeting):
    refused(lambda: floor.post_message(bob, meeting, "Hallo"))


def test_posting_needs_an_item_under_discussion(refused, alice, bob, live_meeting):
    meetings.finish_current_item(alice, live_meeting)

    refused(lambda: floor.post_message(bob, live_meeting, "Hallo"))


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_empty_message_is_refused(refused, bob, live_meeting, text):
    refused(lambda: floor.post_message(bob, live_meeting, text))


def test_message_may_be_1000_characters_not_more(refused, bob, live_meeting):
    message = floor.post_message(bob, live_meeting, "x" * Message.MAX_LENGTH + "  ")
    assert len(message.text) == Message.MAX_LENGTH

    text = refused(lambda: floor.post_message(bob, live_meeting, "x" * 1001))
    assert "1000" in text


def test_message_written_for_an_earlier_item_is_not_filed_under_the_next(
    refused, alice, bob, live_meeting
):
    first, second, _ = agenda(live_meeting)
    meetings.set_current_item(alice, second)

    text = refused(lambda: floor.post_message(bob, live_meeting, "Over de opening", first.pk))

    assert second.title in text
    message = floor.post_message(bob, live_meeting, "Over onderhoud", second.pk)
    assert message.item == second


def test_hostile_html_is_stored_as_text(bob, live_meeting):
    text = '<script>alert(1)</script><img src=x onerror="alert(2)"> {{ 7|add:1 }}'

    message = floor.post_message(bob, live_meeting, text)

    message.refresh_from_db()
    assert message.text == text


def test_moderator_hides_a_message_with_a_reason(alice, bob, live_meeting):
    message = floor.post_message(bob, live_meeting, "Iets kwetsends")

    floor.hide_message(alice, message, "  Persoonlijke aanval ")

    message.refresh_from_db()
    assert message.is_hidden
    assert (message.hidden_by, message.hidden_reason) == (alice, "Persoonlijke aanval")
    assert message.text == "Iets kwetsends", "hidden, never deleted"
    record = message.history.latest()
    assert (record.history_user, record.history_change_reason) == (alice.user, "hidden")


def test_long_reason_is_cut_to_fit(alice, bob, live_meeting):
    message = floor.post_message(bob, live_meeting, "Iets")

    floor.hide_message(alice, message, "r" * 400)

    message.refresh_from_db()
    assert len(message.hidden_reason) == 300


@pytest.mark.parametrize("reason", ["", "   "])
def test_hiding_needs_a_reason(refused, alice, bob, live_meeting, reason):
    message = floor.post_message(bob, live_meeting, "Iets")

    refused(lambda: floor.hide_message(alice, message, reason))


@pytest.mark.parametrize("persona", NON_MODERATORS)
def test_only_moderators_hide_messages(request, refused, bob, live_meeting, persona):
    actor = request.getfixturevalue(persona)
    message = floor.post_message(bob, live_meeting, "Iets")

    refused(lambda: floor.hide_message(actor, message, "Weg ermee"))


def test_hiding_twice_keeps_the_first_reason(alice, martin, bob, live_meeting):
    message = floor.post_message(bob, live_meeting, "Iets")
    floor.hide_message(alice, message, "Eerste reden")
    hidden_at, seq = Message.objects.get(pk=message.pk).hidden_at, seq_of(live_meeting)

    floor.hide_message(martin, message, "Tweede reden")

    message.refresh_from_db()
    assert (message.hidden_at, message.hidden_by, message.hidden_reason) == (
        hidden_at,
        alice,
        "Eerste reden",
    )
    assert message.history.count() == 2
    assert seq_of(live_meeting) == seq


def test_messages_can_be_hidden_after_the_meeting(alice, bob, live_meeting):
    message = floor.post_message(bob, live_meeting, "Iets")
    meetings.close_meeting(alice, live_meeting)

    floor.hide_message(alice, message, "Achteraf gemeld")

    message.refresh_from_db()
    assert message.is_hidden
