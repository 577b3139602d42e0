"""Who a live socket belongs to: one query finds the membership through the meeting."""

import pytest

from panels import meetings
from panels.live.consumers import live_membership
from panels.models import Meeting
from tests.conftest import MEETING_STARTS_AT

pytestmark = pytest.mark.django_db


def test_a_socket_finds_its_membership_and_the_state_of_its_own_meeting(
    meeting, alice, bob, django_assert_num_queries
):
    earlier = meetings.create_meeting(
        alice, title="Vorige keer", starts_at=MEETING_STARTS_AT, notify=False
    )
    Meeting.objects.filter(pk=earlier.pk).update(state=Meeting.State.CLOSED)
    with django_assert_num_queries(1):
        membership, over = live_membership(bob.user, meeting.pk)
    assert (membership, over) == (bob, False)
    assert membership.user is bob.user  # the user the session named, not loaded again
    # The same panel's other meeting, over: its own state, not the first the join finds.
    assert live_membership(bob.user, earlier.pk) == (bob, True)


def test_a_socket_of_someone_outside_the_meeting_belongs_to_nobody(meeting, bob, oscar):
    assert live_membership(oscar.user, meeting.pk) is None  # a member of another panel
    assert live_membership(bob.user, meeting.pk + 1000) is None  # no such meeting
    bob.is_active = False
    bob.save()
    assert live_membership(bob.user, meeting.pk) is None  # no longer a member
    bob.is_active = True
    bob.save()
    bob.user.is_active = False
    assert live_membership(bob.user, meeting.pk) is None  # the account was blocked
