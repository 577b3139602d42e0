"""The rules of a live meeting: planning, the agenda, the floor, speakers and discussion.

Every refused call raises MeetingError with a message for the person, and
changes nothing: no row, no sequence number, no push.
"""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from panels import meetings
from panels.meetings import MAX_SPEAKING_SECONDS
from panels.models import AgendaItem, Meeting, Message, SpeakerRequest
from tests.conftest import MEETING_STARTS_AT
from tests.helpers import agenda

pytestmark = pytest.mark.django_db

NON_MODERATORS = ["bob", "nora", "olga", "carl", "tina"]
PARTICIPANTS = ["alice", "bob", "nora", "carl", "tina"]

Item = AgendaItem.State
Speaker = SpeakerRequest.State


def seq_of(meeting: Meeting) -> int:
    return Meeting.objects.get(pk=meeting.pk).seq


def states(meeting: Meeting) -> list[tuple[str, str]]:
    return [(item.title, item.state) for item in agenda(meeting)]


def request_of(membership, meeting) -> SpeakerRequest | None:
    return SpeakerRequest.objects.filter(
        meeting=meeting, membership=membership, state__in=SpeakerRequest.OPEN_STATES
    ).first()


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
    meetings.raise_hand(bob, live_meeting)
    meetings.give_floor(alice, live_meeting)
    meetings.raise_hand(nora, live_meeting)

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


@pytest.mark.parametrize("persona", NON_MODERATORS)
def test_only_moderators_start_and_close(request, refused, alice, meeting, persona):
    actor = request.getfixturevalue(persona)

    refused(lambda: meetings.start_meeting(actor, meeting))
    meetings.start_meeting(alice, meeting)
    refused(lambda: meetings.close_meeting(actor, meeting))


def test_meeting_moves_only_forward():
    allowed = {"scheduled": {"live"}, "live": {"closed"}, "closed": set()}

    assert allowed == Meeting.TRANSITIONS


# --- the agenda -------------------------------------------------------------------------


def test_items_are_added_at_the_end(alice, meeting):
    first = meetings.add_item(alice, meeting, title="Opening", description="Welkom.")
    second = meetings.add_item(alice, meeting, title="Rondvraag")

    assert (first.position, second.position) == (0, 1)
    assert [i.pk for i in agenda(meeting)] == [first.pk, second.pk]
    assert (first.state, first.description) == ("pending", "Welkom.")
    record = AgendaItem.history.get(id=first.pk)
    assert (record.history_user, record.history_change_reason) == (alice.user, "added")


def test_items_are_added_after_done_ones(alice, live_meeting):
    meetings.finish_current_item(alice, live_meeting)

    item = meetings.add_item(alice, live_meeting, title="Extra punt")

    assert item.position == max(i.position for i in agenda(live_meeting))
    assert agenda(live_meeting)[-1] == item


def test_items_cannot_be_added_to_a_closed_meeting(refused, alice, live_meeting):
    meetings.close_meeting(alice, live_meeting)

    refused(lambda: meetings.add_item(alice, live_meeting, title="Te laat"))


@pytest.mark.parametrize("persona", NON_MODERATORS)
def test_only_moderators_change_the_agenda(request, refused, live_meeting, persona):
    actor = request.getfixturevalue(persona)
    current, pending, last = agenda(live_meeting)

    refused(lambda: meetings.add_item(actor, live_meeting, title="Eigen punt"))
    refused(lambda: meetings.update_item(actor, pending, title="Anders"))
    refused(lambda: meetings.move_item(actor, last, "up"))
    refused(lambda: meetings.remove_item(actor, last))
    refused(lambda: meetings.set_current_item(actor, last))
    refused(lambda: meetings.finish_current_item(actor, live_meeting))


def test_moderator_edits_a_pending_and_the_current_item(alice, live_meeting):
    current, pending, _ = agenda(live_meeting)

    meetings.update_item(alice, pending, title="Onderhoud", description="Lift en galerij.")
    meetings.update_item(alice, current, title="Opening")

    pending.refresh_from_db()
    current.refresh_from_db()
    assert (pending.title, pending.description) == ("Onderhoud", "Lift en galerij.")
    assert current.title == "Opening"
    record = AgendaItem.history.filter(id=pending.pk).latest()
    assert (record.history_user, record.history_change_reason) == (alice.user, "edited")


def test_done_item_cannot_be_edited(refused, alice, live_meeting):
    done = agenda(live_meeting)[0]
    meetings.finish_current_item(alice, live_meeting)

    refused(lambda: meetings.update_item(alice, done, title="Achteraf"))


def test_removed_item_cannot_be_edited(refused, alice, live_meeting):
    last = agenda(live_meeting)[2]
    meetings.remove_item(alice, last)

    refused(lambda: meetings.update_item(alice, last, title="Weg"))


def test_moving_up_and_down_swaps_with_the_pending_neighbour(alice, meeting):
    for title in ("A", "B", "C", "D"):
        meetings.add_item(alice, meeting, title=title)
    a, b, c, d = agenda(meeting)

    meetings.move_item(alice, c, "up")
    assert [i.title for i in agenda(meeting)] == ["A", "C", "B", "D"]

    meetings.move_item(alice, a, "down")
    assert [i.title for i in agenda(meeting)] == ["C", "A", "B", "D"]
    assert [i.position for i in agenda(meeting)] == [0, 1, 2, 3]
    record = AgendaItem.history.filter(id=c.pk).latest()
    assert (record.history_user, record.history_change_reason) == (alice.user, "moved")


def test_moving_renumbers_tied_positions(alice, meeting):
    for title in ("A", "B", "C"):
        meetings.add_item(alice, meeting, title=title)
    # A raw state: positions that tie, as data from before renumbering could have.
    AgendaItem.objects.filter(meeting=meeting).update(position=5)
    a, b, c = agenda(meeting)

    meetings.move_item(alice, c, "up")

    assert [(i.title, i.position) for i in agenda(meeting)] == [("A", 0), ("C", 1), ("B", 2)]


@pytest.mark.parametrize(("index", "direction"), [(0, "up"), (2, "down")])
def test_moving_the_first_up_or_the_last_down_does_nothing(alice, meeting, index, direction):
    for title in ("A", "B", "C"):
        meetings.add_item(alice, meeting, title=title)
    item = agenda(meeting)[index]
    seq = seq_of(meeting)

    meetings.move_item(alice, item, direction)

    assert [i.title for i in agenda(meeting)] == ["A", "B", "C"]
    assert seq_of(meeting) == seq


def test_first_pending_item_is_first_even_after_a_current_one(alice, live_meeting):
    _, pending, _ = agenda(live_meeting)
    seq = seq_of(live_meeting)

    meetings.move_item(alice, pending, "up")

    assert [title for title, _ in states(live_meeting)] == [
        "Opening en mededelingen",
        "Onderhoud en reparaties",
        "Rondvraag",
    ]
    assert seq_of(live_meeting) == seq


def test_moving_keeps_positions_unique_around_the_current_item(alice, meeting):
    for title in ("A", "B", "C", "D"):
        meetings.add_item(alice, meeting, title=title)
    a, b, c, d = agenda(meeting)
    meetings.start_meeting(alice, meeting)
    meetings.set_current_item(alice, c)  # B is skipped for now and stays pending

    meetings.move_item(alice, d, "up")

    positions = [i.position for i in agenda(meeting)]
    assert len(set(positions)) == len(positions), positions
    assert [(i.title, i.state) for i in agenda(meeting)] == [
        ("A", "done"),
        ("D", "pending"),
        ("C", "current"),
        ("B", "pending"),
    ]


def test_only_pending_items_move(refused, alice, live_meeting):
    current = agenda(live_meeting)[0]

    refused(lambda: meetings.move_item(alice, current, "down"))
    meetings.finish_current_item(alice, live_meeting)
    refused(lambda: meetings.move_item(alice, current, "down"))


@pytest.mark.parametrize("direction", ["sideways", "", "UP"])
def test_moving_needs_up_or_down(refused, alice, live_meeting, direction):
    last = agenda(live_meeting)[2]

    refused(lambda: meetings.move_item(alice, last, direction))


def test_items_of_a_closed_meeting_do_not_move(refused, alice, live_meeting):
    last = agenda(live_meeting)[2]
    meetings.close_meeting(alice, live_meeting)

    refused(lambda: meetings.move_item(alice, last, "up"))


def test_moderator_removes_a_pending_item_and_history_keeps_it(alice, live_meeting):
    last = agenda(live_meeting)[2]

    meetings.remove_item(alice, last)

    assert not AgendaItem.objects.filter(pk=last.pk).exists()
    record = AgendaItem.history.filter(id=last.pk).latest()
    assert record.history_type == "-"
    assert (record.history_user, record.history_change_reason) == (alice.user, "removed")
    assert record.title == "Rondvraag"


def test_current_and_done_items_cannot_be_removed(refused, alice, live_meeting):
    current = agenda(live_meeting)[0]

    refused(lambda: meetings.remove_item(alice, current))
    meetings.finish_current_item(alice, live_meeting)
    refused(lambda: meetings.remove_item(alice, current))


def test_item_with_messages_cannot_be_removed(refused, alice, bob, live_meeting):
    current, pending, _ = agenda(live_meeting)
    meetings.post_message(bob, live_meeting, "Eerste punt")
    meetings.set_current_item(alice, pending)
    # A raw state: the discussed item put back on the agenda as not handled.
    AgendaItem.objects.filter(pk=current.pk).update(state=Item.PENDING)

    refused(lambda: meetings.remove_item(alice, current))


def test_items_of_a_closed_meeting_cannot_be_removed(refused, alice, live_meeting):
    last = agenda(live_meeting)[2]
    meetings.close_meeting(alice, live_meeting)

    refused(lambda: meetings.remove_item(alice, last))


def test_making_an_item_current_finishes_the_previous_one(alice, bob, nora, live_meeting):
    current, pending, last = agenda(live_meeting)
    meetings.raise_hand(bob, live_meeting)
    meetings.give_floor(alice, live_meeting)
    meetings.raise_hand(nora, live_meeting)

    made = meetings.set_current_item(alice, last)

    assert made.state == "current"
    assert [state for _, state in states(live_meeting)] == ["done", "pending", "current"]
    assert AgendaItem.objects.filter(meeting=live_meeting, state=Item.CURRENT).count() == 1
    assert request_of(bob, live_meeting) is None, "the speaker list ends with the item"
    assert request_of(nora, live_meeting) is None
    record = AgendaItem.history.filter(id=last.pk).latest()
    assert (record.history_user, record.history_change_reason) == (alice.user, "current")


def test_making_the_current_item_current_again_is_a_no_op(alice, bob, live_meeting):
    current = agenda(live_meeting)[0]
    meetings.raise_hand(bob, live_meeting)
    seq = seq_of(live_meeting)

    meetings.set_current_item(alice, current)

    assert [state for _, state in states(live_meeting)] == ["current", "pending", "pending"]
    assert request_of(bob, live_meeting) is not None
    assert seq_of(live_meeting) == seq


def test_done_item_cannot_be_made_current_again(refused, alice, live_meeting):
    first, second, _ = agenda(live_meeting)
    meetings.set_current_item(alice, second)

    refused(lambda: meetings.set_current_item(alice, first))


def test_items_become_current_only_in_a_live_meeting(refused, alice, meeting, live_meeting):
    planned = meetings.create_meeting(
        alice, title="Later", starts_at=MEETING_STARTS_AT, notify=False
    )
    item = meetings.add_item(alice, planned, title="Punt")
    last = agenda(live_meeting)[2]
    meetings.close_meeting(alice, live_meeting)

    refused(lambda: meetings.set_current_item(alice, item))
    refused(lambda: meetings.set_current_item(alice, last))


def test_database_allows_one_current_item_per_meeting(live_meeting):
    second = agenda(live_meeting)[1]

    with pytest.raises(IntegrityError), transaction.atomic():
        AgendaItem.objects.filter(pk=second.pk).update(state=Item.CURRENT)

    assert AgendaItem.objects.filter(meeting=live_meeting, state=Item.CURRENT).count() == 1


def test_finishing_the_current_item_opens_no_other(alice, bob, live_meeting):
    meetings.raise_hand(bob, live_meeting)

    meetings.finish_current_item(alice, live_meeting)

    assert [state for _, state in states(live_meeting)] == ["done", "pending", "pending"]
    assert request_of(bob, live_meeting) is None
    first = agenda(live_meeting)[0]
    record = AgendaItem.history.filter(id=first.pk).latest()
    assert (record.history_user, record.history_change_reason) == (alice.user, "done")


def test_finishing_without_a_current_item_does_nothing(alice, live_meeting):
    meetings.finish_current_item(alice, live_meeting)
    seq = seq_of(live_meeting)

    meetings.finish_current_item(alice, live_meeting)

    assert seq_of(live_meeting) == seq


def test_items_are_finished_only_in_a_live_meeting(refused, alice, meeting):
    meetings.add_item(alice, meeting, title="Punt")

    refused(lambda: meetings.finish_current_item(alice, meeting))


# --- the floor ------------------------------------------------------------------------


def test_moderator_opens_and_closes_the_floor(alice, live_meeting):
    meetings.set_floor(alice, live_meeting, False)
    live_meeting.refresh_from_db()
    assert not live_meeting.floor_open
    assert live_meeting.history.latest().history_change_reason == "floor closed"

    meetings.set_floor(alice, live_meeting, True)
    live_meeting.refresh_from_db()
    assert live_meeting.floor_open
    record = live_meeting.history.latest()
    assert (record.history_user, record.history_change_reason) == (alice.user, "floor opened")


def test_opening_an_open_floor_does_nothing(alice, live_meeting):
    seq = seq_of(live_meeting)

    meetings.set_floor(alice, live_meeting, True)

    assert seq_of(live_meeting) == seq


def test_floor_opens_only_in_a_live_meeting(refused, alice, meeting, live_meeting):
    planned = meetings.create_meeting(
        alice, title="Later", starts_at=MEETING_STARTS_AT, notify=False
    )
    meetings.close_meeting(alice, live_meeting)

    refused(lambda: meetings.set_floor(alice, planned, True))
    refused(lambda: meetings.set_floor(alice, live_meeting, True))


@pytest.mark.parametrize("persona", NON_MODERATORS)
def test_only_moderators_open_the_floor(request, refused, live_meeting, persona):
    actor = request.getfixturevalue(persona)

    refused(lambda: meetings.set_floor(actor, live_meeting, False))


# --- hands and the speaker list -----------------------------------------------------------


@pytest.mark.parametrize("persona", PARTICIPANTS)
def test_everyone_but_observers_raises_a_hand(request, live_meeting, persona):
    actor = request.getfixturevalue(persona)

    raised = meetings.raise_hand(actor, live_meeting)

    assert (raised.membership, raised.state) == (actor, "waiting")


def test_observer_cannot_raise_a_hand(refused, olga, live_meeting):
    refused(lambda: meetings.raise_hand(olga, live_meeting))


def test_hand_is_raised_only_when_the_floor_is_open(refused, alice, bob, live_meeting):
    meetings.set_floor(alice, live_meeting, False)

    message = refused(lambda: meetings.raise_hand(bob, live_meeting))

    assert "moderator" in message or "gespreksleider" in message


def test_hand_is_raised_only_in_a_live_meeting(refused, alice, bob, meeting, live_meeting):
    planned = meetings.create_meeting(
        alice, title="Later", starts_at=MEETING_STARTS_AT, notify=False
    )
    meetings.close_meeting(alice, live_meeting)

    refused(lambda: meetings.raise_hand(bob, planned))
    refused(lambda: meetings.raise_hand(bob, live_meeting))


def test_raising_twice_keeps_one_hand_up(bob, live_meeting):
    first = meetings.raise_hand(bob, live_meeting)
    seq = seq_of(live_meeting)

    second = meetings.raise_hand(bob, live_meeting)

    assert second.pk == first.pk
    assert SpeakerRequest.objects.filter(meeting=live_meeting).count() == 1
    assert seq_of(live_meeting) == seq


def test_speaker_raising_again_keeps_the_turn(alice, bob, live_meeting):
    speaking = meetings.raise_hand(bob, live_meeting)
    meetings.give_floor(alice, live_meeting)

    again = meetings.raise_hand(bob, live_meeting)

    assert (again.pk, again.state) == (speaking.pk, "speaking")


def test_hand_can_be_raised_again_after_speaking(alice, bob, live_meeting):
    first = meetings.raise_hand(bob, live_meeting)
    meetings.give_floor(alice, live_meeting)
    meetings.end_speaker(alice, live_meeting)

    second = meetings.raise_hand(bob, live_meeting)

    assert second.pk != first.pk
    assert second.state == "waiting"


def test_database_allows_one_open_request_per_person(bob, live_meeting):
    meetings.raise_hand(bob, live_meeting)

    with pytest.raises(IntegrityError), transaction.atomic():
        SpeakerRequest.objects.create(meeting=live_meeting, membership=bob)

    assert SpeakerRequest.objects.filter(meeting=live_meeting, membership=bob).count() == 1


def test_database_allows_one_speaker_per_meeting(alice, bob, nora, live_meeting):
    meetings.raise_hand(bob, live_meeting)
    meetings.give_floor(alice, live_meeting)
    waiting = meetings.raise_hand(nora, live_meeting)

    with pytest.raises(IntegrityError), transaction.atomic():
        SpeakerRequest.objects.filter(pk=waiting.pk).update(state=Speaker.SPEAKING)


def test_lowering_a_waiting_hand_withdraws_it(bob, live_meeting):
    raised = meetings.raise_hand(bob, live_meeting)

    meetings.lower_hand(bob, live_meeting)

    raised.refresh_from_db()
    assert raised.state == "withdrawn"
    assert raised.ended_at is not None


def test_lowering_the_hand_while_speaking_ends_the_turn(alice, bob, live_meeting):
    raised = meetings.raise_hand(bob, live_meeting)
    meetings.give_floor(alice, live_meeting)

    meetings.lower_hand(bob, live_meeting)

    raised.refresh_from_db()
    assert raised.state == "done"
    assert raised.ended_at is not None


def test_lowering_without_a_raised_hand_does_nothing(bob, olga, live_meeting):
    seq = seq_of(live_meeting)

    meetings.lower_hand(bob, live_meeting)
    meetings.lower_hand(olga, live_meeting)

    assert seq_of(live_meeting) == seq


def test_hand_can_be_lowered_after_the_floor_closed(alice, bob, live_meeting):
    raised = meetings.raise_hand(bob, live_meeting)
    meetings.set_floor(alice, live_meeting, False)

    meetings.lower_hand(bob, live_meeting)

    raised.refresh_from_db()
    assert raised.state == "withdrawn"


def test_floor_goes_to_the_first_in_the_queue(alice, bob, nora, carl, live_meeting):
    for person in (nora, bob, carl):
        meetings.raise_hand(person, live_meeting)

    speaking = meetings.give_floor(alice, live_meeting)

    assert (speaking.membership, speaking.state) == (nora, "speaking")
    assert speaking.speaking_since is not None
    assert speaking.speaking_until is None


def test_next_speaker_ends_the_previous_turn(alice, bob, nora, live_meeting):
    first = meetings.raise_hand(bob, live_meeting)
    meetings.raise_hand(nora, live_meeting)
    meetings.give_floor(alice, live_meeting)

    second = meetings.give_floor(alice, live_meeting)

    first.refresh_from_db()
    assert (first.state, second.membership, second.state) == ("done", nora, "speaking")
    assert first.ended_at == second.speaking_since


def test_moderator_gives_the_floor_to_a_chosen_person(alice, bob, nora, carl, live_meeting):
    for person in (bob, nora, carl):
        meetings.raise_hand(person, live_meeting)
    chosen = request_of(carl, live_meeting)

    speaking = meetings.give_floor(alice, live_meeting, request_id=chosen.pk)

    assert (speaking.pk, speaking.state) == (chosen.pk, "speaking")
    assert request_of(bob, live_meeting).state == "waiting"


@pytest.mark.parametrize("seconds", [1, 120, MAX_SPEAKING_SECONDS])
def test_speaking_time_sets_the_end_of_the_turn(alice, bob, live_meeting, seconds):
    meetings.raise_hand(bob, live_meeting)

    speaking = meetings.give_floor(alice, live_meeting, seconds=seconds)

    speaking.refresh_from_db()
    assert speaking.speaking_until - speaking.speaking_since == timedelta(seconds=seconds)


@pytest.mark.parametrize("seconds", [0, -1, MAX_SPEAKING_SECONDS + 1])
def test_speaking_time_must_be_sensible(refused, alice, bob, live_meeting, seconds):
    meetings.raise_hand(bob, live_meeting)

    refused(lambda: meetings.give_floor(alice, live_meeting, seconds=seconds))


def test_floor_cannot_be_given_to_an_empty_queue(refused, alice, live_meeting):
    refused(lambda: meetings.give_floor(alice, live_meeting))


def test_floor_cannot_be_given_to_a_removed_request(refused, alice, bob, live_meeting):
    raised = meetings.raise_hand(bob, live_meeting)
    meetings.remove_speaker(alice, live_meeting, raised.pk)

    refused(lambda: meetings.give_floor(alice, live_meeting, request_id=raised.pk))


def test_floor_cannot_be_given_to_a_request_of_another_meeting(
    refused, alice, bob, nora, live_meeting
):
    other = meetings.create_meeting(alice, title="Twee", starts_at=MEETING_STARTS_AT, notify=False)
    meetings.start_meeting(alice, other)
    meetings.set_floor(alice, other, True)
    elsewhere = meetings.raise_hand(bob, other)
    meetings.raise_hand(nora, live_meeting)

    refused(lambda: meetings.give_floor(alice, live_meeting, request_id=elsewhere.pk))


def test_floor_is_given_only_in_a_live_meeting(refused, alice, bob, live_meeting):
    meetings.raise_hand(bob, live_meeting)
    # A raw state: a hand left up in a closed meeting.
    Meeting.objects.filter(pk=live_meeting.pk).update(state=Meeting.State.CLOSED)

    refused(lambda: meetings.give_floor(alice, live_meeting))


@pytest.mark.parametrize("persona", NON_MODERATORS)
def test_only_moderators_steer_the_speaker_list(request, refused, alice, live_meeting, persona):
    actor = request.getfixturevalue(persona)
    meetings.raise_hand(alice, live_meeting)
    meetings.give_floor(alice, live_meeting)
    waiting = meetings.raise_hand(request.getfixturevalue("martin"), live_meeting)

    refused(lambda: meetings.give_floor(actor, live_meeting))
    refused(lambda: meetings.end_speaker(actor, live_meeting))
    refused(lambda: meetings.remove_speaker(actor, live_meeting, waiting.pk))


def test_moderator_ends_a_turn(alice, bob, live_meeting):
    raised = meetings.raise_hand(bob, live_meeting)
    meetings.give_floor(alice, live_meeting)

    meetings.end_speaker(alice, live_meeting)

    raised.refresh_from_db()
    assert raised.state == "done"
    assert raised.ended_at is not None


def test_ending_a_turn_when_nobody_speaks_does_nothing(alice, bob, live_meeting):
    raised = meetings.raise_hand(bob, live_meeting)
    seq = seq_of(live_meeting)

    meetings.end_speaker(alice, live_meeting)

    raised.refresh_from_db()
    assert raised.state == "waiting"
    assert seq_of(live_meeting) == seq


def test_moderator_removes_someone_from_the_queue(alice, bob, nora, live_meeting):
    raised = meetings.raise_hand(bob, live_meeting)
    meetings.raise_hand(nora, live_meeting)

    meetings.remove_speaker(alice, live_meeting, raised.pk)

    raised.refresh_from_db()
    assert raised.state == "removed"
    assert raised.ended_at is not None
    assert meetings.give_floor(alice, live_meeting).membership == nora


def test_only_waiting_requests_are_removed(refused, alice, bob, live_meeting):
    raised = meetings.raise_hand(bob, live_meeting)
    meetings.give_floor(alice, live_meeting)

    refused(lambda: meetings.remove_speaker(alice, live_meeting, raised.pk))
    refused(lambda: meetings.remove_speaker(alice, live_meeting, raised.pk + 1000))


# --- the discussion ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", PARTICIPANTS)
def test_everyone_but_observers_posts_under_the_current_item(request, live_meeting, persona):
    actor = request.getfixturevalue(persona)

    message = meetings.post_message(actor, live_meeting, "  Goed punt!\n ")

    message.refresh_from_db()
    assert (message.item, message.author, message.text) == (
        agenda(live_meeting)[0],
        actor,
        "Goed punt!",
    )
    record = message.history.get()
    assert (record.history_user, record.history_change_reason) == (actor.user, "posted")


def test_observer_cannot_post(refused, olga, live_meeting):
    refused(lambda: meetings.post_message(olga, live_meeting, "Mag ik ook?"))


def test_posting_needs_an_open_floor(refused, alice, bob, live_meeting):
    meetings.set_floor(alice, live_meeting, False)

    refused(lambda: meetings.post_message(bob, live_meeting, "Hallo"))


def test_posting_needs_a_live_meeting(refused, alice, bob, meeting):
    refused(lambda: meetings.post_message(bob, meeting, "Hallo"))


def test_posting_needs_an_item_under_discussion(refused, alice, bob, live_meeting):
    meetings.finish_current_item(alice, live_meeting)

    refused(lambda: meetings.post_message(bob, live_meeting, "Hallo"))


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_empty_message_is_refused(refused, bob, live_meeting, text):
    refused(lambda: meetings.post_message(bob, live_meeting, text))


def test_message_may_be_1000_characters_not_more(refused, bob, live_meeting):
    message = meetings.post_message(bob, live_meeting, "x" * Message.MAX_LENGTH + "  ")
    assert len(message.text) == Message.MAX_LENGTH

    text = refused(lambda: meetings.post_message(bob, live_meeting, "x" * 1001))
    assert "1000" in text


def test_message_written_for_an_earlier_item_is_not_filed_under_the_next(
    refused, alice, bob, live_meeting
):
    first, second, _ = agenda(live_meeting)
    meetings.set_current_item(alice, second)

    text = refused(lambda: meetings.post_message(bob, live_meeting, "Over de opening", first.pk))

    assert second.title in text
    message = meetings.post_message(bob, live_meeting, "Over onderhoud", second.pk)
    assert message.item == second


def test_hostile_html_is_stored_as_text(bob, live_meeting):
    text = '<script>alert(1)</script><img src=x onerror="alert(2)"> {{ 7|add:1 }}'

    message = meetings.post_message(bob, live_meeting, text)

    message.refresh_from_db()
    assert message.text == text


def test_moderator_hides_a_message_with_a_reason(alice, bob, live_meeting):
    message = meetings.post_message(bob, live_meeting, "Iets kwetsends")

    meetings.hide_message(alice, message, "  Persoonlijke aanval ")

    message.refresh_from_db()
    assert message.is_hidden
    assert (message.hidden_by, message.hidden_reason) == (alice.user, "Persoonlijke aanval")
    assert message.text == "Iets kwetsends", "hidden, never deleted"
    record = message.history.latest()
    assert (record.history_user, record.history_change_reason) == (alice.user, "hidden")


def test_long_reason_is_cut_to_fit(alice, bob, live_meeting):
    message = meetings.post_message(bob, live_meeting, "Iets")

    meetings.hide_message(alice, message, "r" * 400)

    message.refresh_from_db()
    assert len(message.hidden_reason) == 300


@pytest.mark.parametrize("reason", ["", "   "])
def test_hiding_needs_a_reason(refused, alice, bob, live_meeting, reason):
    message = meetings.post_message(bob, live_meeting, "Iets")

    refused(lambda: meetings.hide_message(alice, message, reason))


@pytest.mark.parametrize("persona", NON_MODERATORS)
def test_only_moderators_hide_messages(request, refused, bob, live_meeting, persona):
    actor = request.getfixturevalue(persona)
    message = meetings.post_message(bob, live_meeting, "Iets")

    refused(lambda: meetings.hide_message(actor, message, "Weg ermee"))


def test_hiding_twice_keeps_the_first_reason(alice, martin, bob, live_meeting):
    message = meetings.post_message(bob, live_meeting, "Iets")
    meetings.hide_message(alice, message, "Eerste reden")
    hidden_at, seq = Message.objects.get(pk=message.pk).hidden_at, seq_of(live_meeting)

    meetings.hide_message(martin, message, "Tweede reden")

    message.refresh_from_db()
    assert (message.hidden_at, message.hidden_by, message.hidden_reason) == (
        hidden_at,
        alice.user,
        "Eerste reden",
    )
    assert message.history.count() == 2
    assert seq_of(live_meeting) == seq


def test_messages_can_be_hidden_after_the_meeting(alice, bob, live_meeting):
    message = meetings.post_message(bob, live_meeting, "Iets")
    meetings.close_meeting(alice, live_meeting)

    meetings.hide_message(alice, message, "Achteraf gemeld")

    message.refresh_from_db()
    assert message.is_hidden


# --- another panel's moderator ------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda oscar, meeting, message: meetings.update_meeting(oscar, meeting, title="Gekaapt"),
        lambda oscar, meeting, message: meetings.close_meeting(oscar, meeting),
        lambda oscar, meeting, message: meetings.set_floor(oscar, meeting, False),
        lambda oscar, meeting, message: meetings.add_item(oscar, meeting, title="Eigen punt"),
        lambda oscar, meeting, message: meetings.hide_message(oscar, message, "Zomaar"),
        lambda oscar, meeting, message: meetings.raise_hand(oscar, meeting),
        lambda oscar, meeting, message: meetings.post_message(oscar, meeting, "Ik ook"),
    ],
    ids=["update", "close", "floor", "add_item", "hide", "raise_hand", "post"],
)
def test_moderator_of_another_panel_cannot_steer_a_meeting_here(
    refused, oscar, bob, live_meeting, call
):
    message = meetings.post_message(bob, live_meeting, "Iets")

    refused(lambda: call(oscar, live_meeting, message))
