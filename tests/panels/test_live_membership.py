"""Who a live socket belongs to: one query finds the membership through the meeting, and a
connect storm's arrivals are found together (their sessions and memberships in one query
each; each user as Django reads it)."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.functional import LazyObject

from panels import meetings
from panels.live.consumers import identify_many, live_memberships, load_sessions
from panels.models import Meeting
from tests.conftest import MEETING_STARTS_AT
from tests.live_helpers import session_cookie

pytestmark = pytest.mark.django_db


def live_membership(user, meeting_id: int):
    """`live_memberships` for one socket."""
    return live_memberships([(user, meeting_id)])[0]


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


# --- a connect storm's arrivals, in one batch ----------------------------------------------------


def test_many_sockets_find_their_memberships_in_one_query(
    meeting, bob, carl, oscar, django_assert_num_queries
):
    asked = [
        (bob.user, meeting.pk),
        (carl.user, meeting.pk),
        (bob.user, meeting.pk),  # a second tab
        (oscar.user, meeting.pk),  # another panel's
        (bob.user, meeting.pk + 1000),  # no such meeting
        (bob.user, 2**70),  # out of any integer's range
    ]
    with django_assert_num_queries(1):
        answers = live_memberships(asked)
    assert answers == [(bob, False), (carl, False), (bob, False), None, None, None]
    assert [live_membership(user, meeting_id) for user, meeting_id in asked] == answers
    assert answers[0][0] is not answers[2][0], "each socket has a membership of its own"
    assert answers[0][0].user is bob.user and answers[1][0].user is carl.user


def scope_of(session_key: str | None) -> dict:
    """A socket's scope as channels' SessionMiddleware leaves it: the store, wrapped."""
    session = LazyObject()
    session._wrapped = SessionStore(session_key)
    return {"session": session}


def test_a_batch_of_arrivals_reads_their_sessions_in_one_query_and_each_user_as_django_does(
    meeting, bob, carl, alice, django_assert_num_queries
):
    expired = session_cookie(carl)
    Session.objects.filter(session_key=expired).update(expire_date=timezone.now())
    changed_password = session_cookie(alice)
    alice.user.set_password("a new one")
    alice.user.save()
    sockets = [
        (scope_of(session_cookie(bob)), meeting.pk),
        (scope_of(expired), meeting.pk),
        (scope_of("no-such-session-key"), meeting.pk),
        (scope_of(None), meeting.pk),  # no cookie
        (scope_of(changed_password), meeting.pk),  # logged out everywhere by the change
    ]
    # The sessions in one query; the users the two live sessions name; alice's session,
    # which her new password no longer verifies, deleted as Django does (two); the
    # memberships in one.
    with django_assert_num_queries(6):
        answers = identify_many(sockets)
    assert answers == [(bob, False), None, None, None, None]
    assert [scope["user"].is_authenticated for scope, _ in sockets] == [True] + [False] * 4
    assert not Session.objects.filter(session_key=changed_password).exists()

    # Read once: asking again reads the users and memberships, not the sessions.
    with django_assert_num_queries(2):
        assert identify_many(sockets[:1]) == [(bob, False)]


def test_sessions_are_read_as_each_would_read_its_own(bob):
    key = session_cookie(bob)
    batch, alone = SessionStore(key), SessionStore(key)
    load_sessions([batch, SessionStore("no-such-session-key")])
    assert dict(batch.items()) == dict(alone.items())
    assert batch[SESSION_KEY] == str(bob.user.pk)
