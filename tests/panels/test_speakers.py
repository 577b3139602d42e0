"""The floor, raised hands and the speaker list of a live meeting.

Every refused call raises MeetingError with a message for the person, and
changes nothing: no row, no sequence number, no push (the `refused` fixture).
"""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from panels import floor, meetings
from panels.meetings import MAX_SPEAKING_SECONDS
from panels.models import Meeting, SpeakerRequest
from tests.conftest import MEETING_STARTS_AT
from tests.panels.meeting_rules import (
    NON_MODERATORS,
    PARTICIPANTS,
    Speaker,
    request_of,
    seq_of,
)

pytestmark = pytest.mark.django_db


# --- the floor ------------------------------------------------------------------------


def test_moderator_opens_and_closes_the_floor(alice, live_meeting):
    floor.set_floor(alice, live_meeting, False)
    live_meeting.refresh_from_db()
    assert not live_meeting.floor_open
    assert live_meeting.history.latest().history_change_reason == "floor closed"

    floor.set_floor(alice, live_meeting, True)
    live_meeting.refresh_from_db()
    assert live_meeting.floor_open
    record = live_meeting.history.latest()
    assert (record.history_user, record.history_change_reason) == (alice.user, "floor opened")


def test_opening_an_open_floor_does_nothing(alice, live_meeting):
    seq = seq_of(live_meeting)

    floor.set_floor(alice, live_meeting, True)

    assert seq_of(live_meeting) == seq


def test_floor_opens_only_in_a_live_meeting(refused, alice, meeting, live_meeting):
    planned = meetings.create_meeting(
        alice, title="Later", starts_at=MEETING_STARTS_AT, notify=False
    )
    meetings.close_meeting(alice, live_meeting)

    refused(lambda: floor.set_floor(alice, planned, True))
    refused(lambda: floor.set_floor(alice, live_meeting, True))


@pytest.mark.parametrize("persona", NON_MODERATORS)
def test_only_moderators_open_the_floor(request, refused, live_meeting, persona):
    actor = request.getfixturevalue(persona)

    refused(lambda: floor.set_floor(actor, live_meeting, False))


# --- hands and the speaker list -----------------------------------------------------------


@pytest.mark.parametrize("persona", PARTICIPANTS)
def test_everyone_but_observers_raises_a_hand(request, live_meeting, persona):
    actor = request.getfixturevalue(persona)

    raised = floor.raise_hand(actor, live_meeting)

    assert (raised.membership, raised.state) == (actor, "waiting")


def test_observer_cannot_raise_a_hand(refused, olga, live_meeting):
    refused(lambda: floor.raise_hand(olga, live_meeting))


def test_hand_is_raised_only_when_the_floor_is_open(refused, alice, bob, live_meeting):
    floor.set_floor(alice, live_meeting, False)

    message = refused(lambda: floor.raise_hand(bob, live_meeting))

    assert "moderator" in message or "gespreksleider" in message


def test_hand_is_raised_only_in_a_live_meeting(refused, alice, bob, meeting, live_meeting):
    planned = meetings.create_meeting(
        alice, title="Later", starts_at=MEETING_STARTS_AT, notify=False
    )
    meetings.close_meeting(alice, live_meeting)

    refused(lambda: floor.raise_hand(bob, planned))
    refused(lambda: floor.raise_hand(bob, live_meeting))


def test_raising_twice_keeps_one_hand_up(bob, live_meeting):
    first = floor.raise_hand(bob, live_meeting)
    seq = seq_of(live_meeting)

    second = floor.raise_hand(bob, live_meeting)

    assert second.pk == first.pk
    assert SpeakerRequest.objects.filter(meeting=live_meeting).count() == 1
    assert seq_of(live_meeting) == seq


def test_speaker_raising_again_keeps_the_turn(alice, bob, live_meeting):
    speaking = floor.raise_hand(bob, live_meeting)
    floor.give_floor(alice, live_meeting)

    again = floor.raise_hand(bob, live_meeting)

    assert (again.pk, again.state) == (speaking.pk, "speaking")


def test_hand_can_be_raised_again_after_speaking(alice, bob, live_meeting):
    first = floor.raise_hand(bob, live_meeting)
    floor.give_floor(alice, live_meeting)
    floor.end_speaker(alice, live_meeting)

    second = floor.raise_hand(bob, live_meeting)

    assert second.pk != first.pk
    assert second.state == "waiting"


def test_database_allows_one_open_request_per_person(bob, live_meeting):
    floor.raise_hand(bob, live_meeting)

    with pytest.raises(IntegrityError), transaction.atomic():
        SpeakerRequest.objects.create(meeting=live_meeting, membership=bob)

    assert SpeakerRequest.objects.filter(meeting=live_meeting, membership=bob).count() == 1


def test_database_allows_one_speaker_per_meeting(alice, bob, nora, live_meeting):
    floor.raise_hand(bob, live_meeting)
    floor.give_floor(alice, live_meeting)
    waiting = floor.raise_hand(nora, live_meeting)

    with pytest.raises(IntegrityError), transaction.atomic():
        SpeakerRequest.objects.filter(pk=waiting.pk).update(state=Speaker.SPEAKING)


def test_lowering_a_waiting_hand_withdraws_it(bob, live_meeting):
    raised = floor.raise_hand(bob, live_meeting)

    floor.lower_hand(bob, live_meeting)

    raised.refresh_from_db()
    assert raised.state == "withdrawn"
    assert raised.ended_at is not None


def test_lowering_the_hand_while_speaking_ends_the_turn(alice, bob, live_meeting):
    raised = floor.raise_hand(bob, live_meeting)
    floor.give_floor(alice, live_meeting)

    floor.lower_hand(bob, live_meeting)

    raised.refresh_from_db()
    assert raised.state == "done"
    assert raised.ended_at is not None


def test_lowering_without_a_raised_hand_does_nothing(bob, olga, live_meeting):
    seq = seq_of(live_meeting)

    floor.lower_hand(bob, live_meeting)
    floor.lower_hand(olga, live_meeting)

    assert seq_of(live_meeting) == seq


def test_hand_can_be_lowered_after_the_floor_closed(alice, bob, live_meeting):
    raised = floor.raise_hand(bob, live_meeting)
    floor.set_floor(alice, live_meeting, False)

    floor.lower_hand(bob, live_meeting)

    raised.refresh_from_db()
    assert raised.state == "withdrawn"


def test_floor_goes_to_the_first_in_the_queue(alice, bob, nora, carl, live_meeting):
    for person in (nora, bob, carl):
        floor.raise_hand(person, live_meeting)

    speaking = floor.give_floor(alice, live_meeting)

    assert (speaking.membership, speaking.state) == (nora, "speaking")
    assert speaking.speaking_since is not None
    assert speaking.speaking_until is None


def test_next_speaker_ends_the_previous_turn(alice, bob, nora, live_meeting):
    first = floor.raise_hand(bob, live_meeting)
    floor.raise_hand(nora, live_meeting)
    floor.give_floor(alice, live_meeting)

    second = floor.give_floor(alice, live_meeting)

    first.refresh_from_db()
    assert (first.state, second.membership, second.state) == ("done", nora, "speaking")
    assert first.ended_at == second.speaking_since


def test_moderator_gives_the_floor_to_a_chosen_person(alice, bob, nora, carl, live_meeting):
    for person in (bob, nora, carl):
        floor.raise_hand(person, live_meeting)
    chosen = request_of(carl, live_meeting)

    speaking = floor.give_floor(alice, live_meeting, request_id=chosen.pk)

    assert (speaking.pk, speaking.state) == (chosen.pk, "speaking")
    assert request_of(bob, live_meeting).state == "waiting"


@pytest.mark.parametrize("seconds", [1, 120, MAX_SPEAKING_SECONDS])
def test_speaking_time_sets_the_end_of_the_turn(alice, bob, live_meeting, seconds):
    floor.raise_hand(bob, live_meeting)

    speaking = floor.give_floor(alice, live_meeting, seconds=seconds)

    speaking.refresh_from_db()
    assert speaking.speaking_until - speaking.speaking_since == timedelta(seconds=seconds)


@pytest.mark.parametrize("seconds", [0, -1, MAX_SPEAKING_SECONDS + 1])
def test_speaking_time_must_be_sensible(refused, alice, bob, live_meeting, seconds):
    floor.raise_hand(bob, live_meeting)

    refused(lambda: floor.give_floor(alice, live_meeting, seconds=seconds))


def test_floor_cannot_be_given_to_an_empty_queue(refused, alice, live_meeting):
    refused(lambda: floor.give_floor(alice, live_meeting))


def test_floor_cannot_be_given_to_a_removed_request(refused, alice, bob, live_meeting):
    raised = floor.raise_hand(bob, live_meeting)
    floor.remove_speaker(alice, live_meeting, raised.pk)

    refused(lambda: floor.give_floor(alice, live_meeting, request_id=raised.pk))


def test_floor_cannot_be_given_to_a_request_of_another_meeting(
    refused, alice, bob, nora, live_meeting
):
    other = meetings.create_meeting(alice, title="Twee", starts_at=MEETING_STARTS_AT, notify=False)
    meetings.start_meeting(alice, other)
    floor.set_floor(alice, other, True)
    elsewhere = floor.raise_hand(bob, other)
    floor.raise_hand(nora, live_meeting)

    refused(lambda: floor.give_floor(alice, live_meeting, request_id=elsewhere.pk))


def test_floor_is_given_only_in_a_live_meeting(refused, alice, bob, live_meeting):
    floor.raise_hand(bob, live_meeting)
    # A raw state: a hand left up in a closed meeting.
    Meeting.objects.filter(pk=live_meeting.pk).update(state=Meeting.State.CLOSED)

    refused(lambda: floor.give_floor(alice, live_meeting))


@pytest.mark.parametrize("persona", NON_MODERATORS)
def test_only_moderators_steer_the_speaker_list(request, refused, alice, live_meeting, persona):
    actor = request.getfixturevalue(persona)
    floor.raise_hand(alice, live_meeting)
    floor.give_floor(alice, live_meeting)
    waiting = floor.raise_hand(request.getfixturevalue("martin"), live_meeting)

    refused(lambda: floor.give_floor(actor, live_meeting))
    refused(lambda: floor.end_speaker(actor, live_meeting))
    refused(lambda: floor.remove_speaker(actor, live_meeting, waiting.pk))


def test_moderator_ends_a_turn(alice, bob, live_meeting):
    raised = floor.raise_hand(bob, live_meeting)
    floor.give_floor(alice, live_meeting)

    floor.end_speaker(alice, live_meeting)

    raised.refresh_from_db()
    assert raised.state == "done"
    assert raised.ended_at is not None


def test_ending_a_turn_when_nobody_speaks_does_nothing(alice, bob, live_meeting):
    raised = floor.raise_hand(bob, live_meeting)
    seq = seq_of(live_meeting)

    floor.end_speaker(alice, live_meeting)

    raised.refresh_from_db()
    assert raised.state == "waiting"
    assert seq_of(live_meeting) == seq


def test_moderator_removes_someone_from_the_queue(alice, bob, nora, live_meeting):
    raised = floor.raise_hand(bob, live_meeting)
    floor.raise_hand(nora, live_meeting)

    floor.remove_speaker(alice, live_meeting, raised.pk)

    raised.refresh_from_db()
    assert raised.state == "removed"
    assert raised.ended_at is not None
    assert floor.give_floor(alice, live_meeting).membership == nora


def test_only_waiting_requests_are_removed(refused, alice, bob, live_meeting):
    raised = floor.raise_hand(bob, live_meeting)
    floor.give_floor(alice, live_meeting)

    refused(lambda: floor.remove_speaker(alice, live_meeting, raised.pk))
    refused(lambda: floor.remove_speaker(alice, live_meeting, raised.pk + 1000))
