"""The agenda of a meeting: adding, editing, moving and removing items, and the item
under discussion.

Every refused call raises MeetingError with a message for the person, and
changes nothing: no row, no sequence number, no push (the `refused` fixture).
"""

import pytest
from django.db import IntegrityError, transaction

from panels import floor, meetings
from panels.models import AgendaItem
from tests.conftest import MEETING_STARTS_AT
from tests.helpers import agenda
from tests.panels.meeting_rules import (
    NON_MODERATORS,
    Item,
    request_of,
    seq_of,
    states,
)

pytestmark = pytest.mark.django_db


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
    floor.post_message(bob, live_meeting, "Eerste punt")
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
    floor.raise_hand(bob, live_meeting)
    floor.give_floor(alice, live_meeting)
    floor.raise_hand(nora, live_meeting)

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
    floor.raise_hand(bob, live_meeting)
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
    floor.raise_hand(bob, live_meeting)

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
