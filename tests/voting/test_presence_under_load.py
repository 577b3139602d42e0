"""Presence when a server is slow or busy: written in batches, and never silently lost.

A worker that misses heartbeats (a reconnect storm, a long pause, or killed) must not cost
its members their vote: the presence list shows them gone while it is silent and back as
soon as it beats, but only closing the page, or a worker silent for a long time (dead and
forgotten), takes away the right to cast a live ballot. A worker whose process is known
to be gone (one beside it on the same machine sees that) takes its people off the list at
once, but not their vote: a killed server is no evidence that anyone left the room.
"""

import os
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from panels.live import presence
from panels.models import LiveWorker, Presence
from voting import eligibility

pytestmark = pytest.mark.django_db


def silent_for(worker_id: str, seconds: float) -> None:
    LiveWorker.objects.filter(pk=worker_id).update(
        seen_at=timezone.now() - timedelta(seconds=seconds)
    )


def test_a_batch_records_arrivals_and_departures_of_people_not_tabs(live_meeting, bob, nora):
    changed = presence.record(
        "w1", joins=[(live_meeting.pk, bob.pk, "b1"), (live_meeting.pk, bob.pk, "b2")]
    )
    assert changed == {live_meeting.pk}, "bob arrives (with two tabs at once)"
    assert presence.record("w1", joins=[(live_meeting.pk, bob.pk, "b3")]) == set(), (
        "a third tab is no arrival"
    )
    assert presence.record("w1", leaves=["b1", "b2"]) == set(), "bob still has a tab"

    # A socket that opens and closes within one batch leaves nothing behind.
    changed = presence.record("w1", joins=[(live_meeting.pk, nora.pk, "n1")], leaves=["n1"])
    assert sorted(Presence.objects.values_list("connection", flat=True)) == ["b3"]
    assert changed == set(), "nora came and went before anyone could see her"

    assert presence.record("w1", leaves=["b3", "never-opened"]) == {live_meeting.pk}
    assert not Presence.objects.exists()


def test_a_silent_worker_costs_nobody_their_vote(make_vote, live_meeting, bob):
    presence.record("slow", joins=[(live_meeting.pk, bob.pk, "b1")])
    vote = make_vote()
    assert eligibility.capacities(vote, bob) == [bob]

    silent_for("slow", presence.WORKER_TIMEOUT.total_seconds() + 5)
    assert presence.present_memberships(live_meeting.pk) == [], "the list shows bob gone"
    assert presence.heartbeat("other") == {live_meeting.pk}, "the others push the new list"
    assert Presence.objects.filter(connection="b1").exists(), "but nothing is deleted"
    assert eligibility.capacities(vote, bob) == [bob], "and a server's silence is no evidence"

    assert presence.heartbeat("slow") == {live_meeting.pk}, "back: pushed again"
    assert presence.present_memberships(live_meeting.pk) == [bob]
    assert presence.heartbeat("slow") == set(), "nothing changed since"


def test_closing_the_page_is_evidence_of_absence(make_vote, live_meeting, bob):
    presence.record("w1", joins=[(live_meeting.pk, bob.pk, "b1")])
    vote = make_vote()
    presence.record("w1", leaves=["b1"])
    assert eligibility.capacities(vote, bob) == []


def test_a_worker_silent_for_long_is_forgotten(make_vote, live_meeting, bob):
    presence.record("dead", joins=[(live_meeting.pk, bob.pk, "b1")])
    vote = make_vote()
    silent_for("dead", presence.FORGET_AFTER.total_seconds() - 60)
    assert presence.heartbeat("other") == set(), "long silent, already pushed, not yet forgotten"
    assert LiveWorker.objects.filter(pk="dead").exists()

    silent_for("dead", presence.FORGET_AFTER.total_seconds() + 1)
    assert presence.heartbeat("other") == {live_meeting.pk}
    assert not LiveWorker.objects.filter(pk="dead").exists()
    assert not Presence.objects.exists()
    assert eligibility.capacities(vote, bob) == [], "now bob must come back to vote"


# --- a worker whose process is gone -------------------------------------------------------------


@pytest.fixture
def processes():
    """A process id that ran and ended, and one of a process that runs (stopped afterwards)."""
    if presence.process_space() == "-":
        pytest.skip("no /proc here: no worker can tell another's process has ended")
    ended = subprocess.Popen(["true"])
    ended.wait()
    running = subprocess.Popen(["sleep", "60"])
    try:
        yield ended.pid, running.pid
    finally:
        running.kill()
        running.wait()


def worker(pid: int, space: str | None = None, token: str = "0000") -> str:
    """A worker id as `presence.worker_name` makes them, for another process."""
    return f"host:{space or presence.process_space()}:{pid}:{token}"


def test_a_worker_silences_at_once_the_workers_beside_it_whose_process_is_gone(
    make_vote, live_meeting, bob, nora, processes
):
    ended_pid, _running_pid = processes
    me = presence.worker_name()
    before_me = worker(os.getpid(), token="old")  # this process, before a restart
    killed = worker(ended_pid)  # a sibling killed a moment ago: its heartbeat is fresh
    presence.record(before_me, joins=[(live_meeting.pk, nora.pk, "n1")])
    presence.record(killed, joins=[(live_meeting.pk, bob.pk, "b1")])
    vote = make_vote()
    assert presence.present_memberships(live_meeting.pk) == [bob, nora]

    assert presence.heartbeat(me) == {live_meeting.pk}, "the presence list is pushed"

    assert presence.present_memberships(live_meeting.pk) == [], "their sockets are gone"
    assert eligibility.present_ids(live_meeting.pk) == set(), "and off the roll"
    assert eligibility.capacities(vote, bob) == [bob], "bob's phone is on its way back"
    assert eligibility._is_present(live_meeting.pk, nora.pk), "nora too (she has no vote)"
    assert LiveWorker.objects.filter(pk__in=[before_me, killed]).count() == 2, "not yet forgotten"

    for dead in (before_me, killed):
        silent_for(dead, presence.FORGET_AFTER.total_seconds() + 1)
    presence.heartbeat(me)
    assert not LiveWorker.objects.filter(pk__in=[before_me, killed]).exists()
    assert not Presence.objects.exists()
    assert eligibility.capacities(vote, bob) == [], "forgotten: bob must come back to vote"


def test_a_silenced_worker_stays_silent_and_its_people_count_once_they_are_back(
    live_meeting, bob, processes
):
    ended_pid, _running_pid = processes
    me = presence.worker_name()
    killed = worker(ended_pid)
    presence.record(killed, joins=[(live_meeting.pk, bob.pk, "b1")])
    presence.heartbeat(me)
    silenced_at = LiveWorker.objects.get(pk=killed).seen_at

    presence.heartbeat(me)
    assert LiveWorker.objects.get(pk=killed).seen_at == silenced_at, (
        "a later heartbeat does not move its silence (it would never be forgotten)"
    )
    presence.record(me, joins=[(live_meeting.pk, bob.pk, "b2")])  # bob's phone is back
    assert presence.present_memberships(live_meeting.pk) == [bob]
    assert presence.present_count(live_meeting.pk) == 1, "counted once, not for the dead row"


def test_a_sibling_that_runs_keeps_its_people_however_long_it_was_silent(
    make_vote, live_meeting, bob, processes
):
    _ended_pid, running_pid = processes
    slow = worker(running_pid)
    presence.record(slow, joins=[(live_meeting.pk, bob.pk, "b1")])
    vote = make_vote()
    silent_for(slow, presence.FORGET_AFTER.total_seconds() - 60)

    presence.heartbeat(presence.worker_name())

    assert Presence.objects.filter(connection="b1").exists()
    assert eligibility.capacities(vote, bob) == [bob], "slow, not dead"


def test_a_worker_elsewhere_is_forgotten_only_after_its_long_silence(live_meeting, bob, processes):
    ended_pid, _running_pid = processes
    # The same process id on another machine, or in another container, says nothing here.
    elsewhere = worker(ended_pid, space="0123456789")
    presence.record(elsewhere, joins=[(live_meeting.pk, bob.pk, "b1")])

    assert presence.heartbeat(presence.worker_name()) == set()
    assert Presence.objects.filter(connection="b1").exists()

    silent_for(elsewhere, presence.FORGET_AFTER.total_seconds() + 1)
    assert presence.heartbeat(presence.worker_name()) == {live_meeting.pk}
    assert not Presence.objects.exists()


def test_a_worker_id_says_where_its_process_runs_and_fits_its_column():
    name = presence.worker_name()
    host, space, pid, token = name.split(":")
    assert space == presence.process_space() and int(pid) == os.getpid() and token
    assert len(name) <= LiveWorker._meta.get_field("id").max_length


def test_a_long_presence_list_names_the_first_sixty_by_name_and_counts_everyone(
    live_meeting, panel, django_assert_max_num_queries
):
    """In a meeting of many, the list loads the names it shows, not everyone present."""
    from panels.live import fragments
    from panels.models import Membership, Role, User

    names = [f"Tenant {i:03d}" for i in range(fragments.PRESENCE_NAMES_SHOWN + 5)]
    members = [
        Membership.objects.create(
            panel=panel,
            role=Role.MEMBER,
            user=User.objects.create_user(email=f"t{i}@example.org", name=name, password="x"),
        )
        for i, name in enumerate(names)
    ]
    presence.record("w1", joins=[(live_meeting.pk, m.pk, f"c{m.pk}") for m in reversed(members)])
    presence.record("w1", joins=[(live_meeting.pk, members[0].pk, "second-tab")])

    state = fragments.LiveState(live_meeting.pk)
    with django_assert_max_num_queries(4):
        html = fragments.render_fragment(state, "presence", fragments.Audience.PARTICIPANT)
    assert f"{len(names)} present" in html, "everyone counted, each person once"
    shown = names[: fragments.PRESENCE_NAMES_SHOWN]
    assert [n for n in names if f"<li>{n}" in html or f">{n}<" in html] == shown
    assert "and 5 more" in html
    assert len(state.present) == fragments.PRESENCE_NAMES_SHOWN, "only the names shown loaded"
