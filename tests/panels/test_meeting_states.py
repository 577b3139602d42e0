"""Planning a meeting, starting and closing it, and another panel's moderator, who steers
nothing here.

Every refused call raises MeetingError with a message for the person, and
changes nothing: no row, no sequence number, no push (the `refused` fixture).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from panels import floor, meetings
from panels.models import Meeting, SpeakerRequest
from tests.conftest import MEETING_STARTS_AT
from tests.helpers import agenda
from tests.panels.meeting_rules import (
    NON_MODERATORS,
    seq_of,
    states,
)

pytestmark = pytest.mark.django_db


# --- planning -----------------------------------------------------------------------


def test_moderator_plans_a_meeting(alice):
    meeting = meetings.create_meeting(
        alice,
        title="Bewonersavond",
        starts_at=MEETING_STARTS_AT,
        description="Over de tuin.",
        duration_minutes=60,
        notify=False,
    )

    meeting.refresh_from_db()
    assert (meeting.panel, meeting.title, meeting.description) == (
        alice.panel,
        "Bewonersavond",
        "Over de tuin.",
    )
    assert meeting.starts_at == MEETING_STARTS_AT
    assert meeting.ends_at == MEETING_STARTS_AT + timedelta(minutes=60)
    assert (meeting.state, meeting.floor_open, meeting.created_by) == (
        "scheduled",
        False,
        alice.user,
    )
    record = meeting.history.get()
    assert (record.history_user, record.history_change_reason) == (alice.user, "planned")


@pytest.mark.parametrize("persona", NON_MODERATORS)
def test_only_moderators_plan_meetings(request, refused, persona, mailoutbox):
    actor = request.getfixturevalue(persona)

    refused(
        lambda: meetings.create_meeting(actor, title="Eigen avond", starts_at=MEETING_STARTS_AT)
    )

    assert mailoutbox == []


def test_deactivated_moderator_cannot_plan(refused, alice, martin):
    alice.is_active = False
    alice.save()

    refused(lambda: meetings.create_meeting(alice, title="Avond", starts_at=MEETING_STARTS_AT))


def test_planning_invites_the_members_after_commit(
    alice, bob, nora, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks() as callbacks:
        meetings.create_meeting(alice, title="Bewonersavond", starts_at=MEETING_STARTS_AT)

    assert mailoutbox == [], "nobody is emailed before the meeting is committed"
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mailoutbox) == [
        "alice@example.org",
        "bob@example.org",
        "nora@example.org",
    ]


def test_moderator_edits_a_planned_meeting(alice, martin, meeting):
    later = MEETING_STARTS_AT + timedelta(days=7)

    meetings.update_meeting(martin, meeting, title="Bewonersavond (verplaatst)", starts_at=later)

    meeting.refresh_from_db()
    assert (meeting.title, meeting.starts_at) == ("Bewonersavond (verplaatst)", later)
    assert meeting.description == "Over onderhoud en de huurverhoging."
    record = meeting.history.latest()
    assert (record.history_user, record.history_change_reason) == (martin.user, "edited")
    assert record.title == "Bewonersavond (verplaatst)"


def test_moderator_edits_a_live_meeting(alice, live_meeting):
    meetings.update_meeting(alice, live_meeting, duration_minutes=120)

    live_meeting.refresh_from_db()
    assert (live_meeting.duration_minutes, live_meeting.state) == (120, "live")


@pytest.mark.parametrize("persona", NON_MODERATORS)
def test_only_moderators_edit_meetings(request, refused, meeting, persona):
    actor = request.getfixturevalue(persona)

    refused(lambda: meetings.update_meeting(actor, meeting, title="Gekaapt"))


def test_closed_meeting_cannot_be_edited(refused, alice, live_meeting):
    meetings.close_meeting(alice, live_meeting)

    refused(lambda: meetings.update_meeting(alice, live_meeting, title="Te laat"))


def test_editing_only_takes_the_meeting_fields(alice, meeting):
    with pytest.raises(ValueError, match="state"):
        meetings.update_meeting(alice, meeting, state="closed")

    meeting.refresh_from_db()
    assert meeting.state == "scheduled"


# --- start and close ------------------------------------------------------------------


def test_starting_makes_the_first_pending_item_current(alice, meeting):
    for title in ("Opening", "Begroting", "Rondvraag"):
        meetings.add_item(alice, meeting, title=title)
    rondvraag = agenda(meeting)[2]
    meetings.move_item(alice, rondvraag, "up")
    meetings.move_item(alice, rondvraag, "up")
    before = timezone.now()

    started = meetings.start_meeting(alice, meeting)

    assert started.state == "live"
    meeting.refresh_from_db()
    assert meeting.state == "live"
    assert meeting.started_at >= before
    assert not meeting.floor_open
    assert states(meeting) == [
        ("Rondvraag", "current"),
        ("Opening", "pending"),
        ("Begroting", "pending"),
    ]
    assert meeting.history.latest().history_change_reason == "started"


def test_starting_a_meeting_without_agenda_leaves_nothing_current(alice, meeting):
    meetings.start_meeting(alice, meeting)

    meeting.refresh_from_db()
    assert meeting.state == "live"
    assert not meeting.items.exists()


def test_starting_twice_is_a_no_op(alice, martin, live_meeting):
    started_at, seq = live_meeting.started_at, seq_of(live_meeting)

    meetings.start_meeting(martin, live_meeting)

    live_meeting.refresh_from_db()
    assert (live_meeting.state, live_meeting.started_at) == ("live", started_at)
    assert live_meeting.seq == seq


def test_closing_ends_the_item_the_floor_and_the_speaker_list(alice, bob, nora, live_meeting):
    floor.raise_hand(bob, live_meeting)
    floor.give_floor(alice, live_meeting)
    floor.raise_hand(nora, live_meeting)

    meetings.close_meeting(alice, live_meeting)

    live_meeting.refresh_from_db()
    assert (live_meeting.state, live_meeting.floor_open) == ("closed", False)
    assert live_meeting.closed_at is not None
    assert [state for _, state in states(live_meeting)] == ["done", "pending", "pending"]
    requests = SpeakerRequest.objects.filter(meeting=live_meeting)
    assert {r.state for r in requests} == {"done"}
    assert all(r.ended_at == live_meeting.closed_at for r in requests)
    assert live_meeting.history.latest().history_change_reason == "closed"


def test_closing_twice_is_a_no_op(alice, live_meeting):
    meetings.close_meeting(alice, live_meeting)
    closed_at, seq = Meeting.objects.get(pk=live_meeting.pk).closed_at, seq_of(live_meeting)

    meetings.close_meeting(alice, live_meeting)

    live_meeting.refresh_from_db()
    assert (live_meeting.closed_at, live_meeting.seq) == (closed_at, seq)


def test_planned_meeting_cannot_be_closed(refused, alice, meeting):
    refused(lambda: meetings.close_meeting(alice, meeting))


def test_closed_meeting_cannot_be_started_again(refused, alice, live_meeting):
    meetings.close_meeting(alice, live_meeting)

    refused(lambda: meetings.start_meeting(alice, live_meeting))
    refused(lambda: meetings.cancel_meeting(alice, live_meeting))


def test_cancelled_meeting_cannot_be_started_edited_or_given_items(refused, alice, meeting):
    meetings.cancel_meeting(alice, meeting)

    refused(lambda: meetings.start_meeting(alice, meeting))
    refused(lambda: meetings.update_meeting(alice, meeting, title="Toch"))
    refused(lambda: meetings.add_item(alice, meeting, title="Nog een punt"))


@pytest.mark.parametrize("persona", NON_MODERATORS)
def test_only_moderators_start_and_close(request, refused, alice, meeting, persona):
    actor = request.getfixturevalue(persona)

    refused(lambda: meetings.start_meeting(actor, meeting))
    meetings.start_meeting(alice, meeting)
    refused(lambda: meetings.close_meeting(actor, meeting))


def test_meeting_moves_only_forward():
    allowed = {
        "scheduled": {"live", "cancelled"},
        "live": {"closed"},
        "closed": set(),
        "cancelled": set(),
    }

    assert allowed == Meeting.TRANSITIONS


# --- another panel's moderator ------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda oscar, meeting, message: meetings.update_meeting(oscar, meeting, title="Gekaapt"),
        lambda oscar, meeting, message: meetings.close_meeting(oscar, meeting),
        lambda oscar, meeting, message: floor.set_floor(oscar, meeting, False),
        lambda oscar, meeting, message: meetings.add_item(oscar, meeting, title="Eigen punt"),
        lambda oscar, meeting, message: floor.hide_message(oscar, message, "Zomaar"),
        lambda oscar, meeting, message: floor.raise_hand(oscar, meeting),
        lambda oscar, meeting, message: floor.post_message(oscar, meeting, "Ik ook"),
    ],
    ids=["update", "close", "floor", "add_item", "hide", "raise_hand", "post"],
)
def test_moderator_of_another_panel_cannot_steer_a_meeting_here(
    refused, oscar, bob, live_meeting, call
):
    message = floor.post_message(bob, live_meeting, "Iets")

    refused(lambda: call(oscar, live_meeting, message))
