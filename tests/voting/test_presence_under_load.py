"""Presence when a server is slow or busy: written in batches, and never silently lost.

A worker that misses heartbeats (a reconnect storm, a long pause) must not cost its
members their place: their connections stop counting while it is silent, and count again
as soon as it beats. Only a worker silent for a long time is dead and forgotten.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from panels import presence
from panels.models import LiveWorker, Presence
from voting import votes

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


def test_a_slow_worker_loses_its_members_only_while_it_is_silent(make_vote, live_meeting, bob):
    presence.record("slow", joins=[(live_meeting.pk, bob.pk, "b1")])
    vote = make_vote()
    assert votes.capacities(vote, bob) == [bob]

    silent_for("slow", presence.WORKER_TIMEOUT.total_seconds() + 5)
    assert votes.capacities(vote, bob) == [], "a silent worker's sockets do not count"
    assert presence.heartbeat("other") == {live_meeting.pk}, "the others push the new presence"
    assert Presence.objects.filter(connection="b1").exists(), "but nothing is deleted"

    assert presence.heartbeat("slow") == {live_meeting.pk}, "back: pushed again"
    assert votes.capacities(vote, bob) == [bob], "and bob may vote again"
    assert presence.heartbeat("slow") == set(), "nothing changed since"


def test_a_worker_silent_for_long_is_forgotten(live_meeting, bob):
    presence.record("dead", joins=[(live_meeting.pk, bob.pk, "b1")])
    silent_for("dead", presence.FORGET_AFTER.total_seconds() - 60)
    assert presence.heartbeat("other") == set(), "long silent, already pushed, not yet forgotten"
    assert LiveWorker.objects.filter(pk="dead").exists()

    silent_for("dead", presence.FORGET_AFTER.total_seconds() + 1)
    assert presence.heartbeat("other") == {live_meeting.pk}
    assert not LiveWorker.objects.filter(pk="dead").exists()
    assert not Presence.objects.exists()
