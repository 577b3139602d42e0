"""Many people at once, on PostgreSQL (row locks, real concurrent transactions): one member,
one vote; retries; casting while the vote closes; proxies and opening racing each other.

Run with a database of your own, e.g.
DATABASE_URL=postgres://postgres@127.0.0.1:5432/knoppen_votes pytest tests/voting -k votes
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone, translation

from panels import attendance
from panels.models import Attendance
from tests.live_helpers import record_notices
from tests.voting.conftest import ballot_key, cast, fresh
from voting import casting, desk, eligibility, lifecycle
from voting import results as vote_results
from voting.errors import VotingError
from voting.models import Ballot, Participation, Proxy, RollEntry, Vote

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks and concurrent transactions: set "
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/knoppen_votes",
    ),
    pytest.mark.django_db(transaction=True),
]


def at_once(*calls) -> list:
    """Run each call in its own thread, released together; results or exceptions, in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=20)
            with translation.override("en"):  # the language is per thread
                results[index] = call()
        except Exception as error:  # noqa: BLE001 - reported to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


@pytest.fixture
def sent(monkeypatch) -> list[tuple]:
    """What the services send after their commits (recorded, not sent)."""
    return record_notices(monkeypatch, lambda n: ("burst" if n["burst"] else "push", n))


@pytest.fixture
def crowd(make_member):
    """22 more members with voting rights."""
    return [make_member(f"Snel{number:02d}") for number in range(22)]


def test_a_crowd_votes_at_once_and_one_member_submits_three_times(sent, make_vote, crowd, bob):
    vote = make_vote(secret=True, present=[*crowd, bob])
    key_a, key_b = ballot_key(), ballot_key()
    sent.clear()

    results = at_once(
        *[lambda m=m: cast(m, vote, "for") for m in crowd],
        lambda: cast(bob, vote, "for", key=key_a),  # bob's first tab
        lambda: cast(bob, vote, "against", key=key_b),  # bob's second tab
        lambda: cast(bob, vote, "for", key=key_a),  # the first tab, retried
    )

    crowd_results, (a, b, a_again) = results[: len(crowd)], results[len(crowd) :]
    assert all(isinstance(r, casting.Cast) and not r.repeated for r in crowd_results), results
    errors = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(e, VotingError) for e in errors), errors
    assert all("already been cast" in str(e) for e in errors), errors
    mine = Participation.objects.get(vote=vote, on_behalf_of=bob)
    if isinstance(b, VotingError):
        # Tab A won: its retry gets the same receipt, tab B is refused.
        assert {a.repeated, a_again.repeated} == {False, True}
        assert a.receipt == a_again.receipt
        assert len(errors) == 1
    else:
        # Tab B won: both submissions of tab A are refused.
        assert isinstance(a, VotingError) and isinstance(a_again, VotingError)
        assert len(errors) == 2
    assert mine.voter == bob

    members = len(crowd) + 1
    assert Participation.objects.filter(vote=vote).count() == members
    assert len(vote_results.ballots(vote)) == members
    assert (
        Participation.objects.filter(vote=vote).values("on_behalf_of").distinct().count() == members
    )
    assert len({r.receipt for r in results if isinstance(r, casting.Cast)}) == members
    # One turnout mark per new ballot, each sent after its own commit.
    assert sum(1 for entry in sent if entry[0] == "burst") == members

    result = lifecycle.close_vote(fresh(vote.created_by), vote).result
    assert result["cast"] == members
    assert RollEntry.objects.filter(vote=vote, took_part=True).count() == members


def test_a_named_vote_changed_from_two_tabs_at_once_keeps_one_ballot(sent, make_vote, bob):
    vote = make_vote(present=[bob])

    results = at_once(*[lambda c=c: cast(bob, vote, c) for c in ("for", "against") * 5])

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Participation.objects.filter(vote=vote).count() == 1
    (ballot,) = Ballot.objects.filter(vote=vote)
    assert ballot.choice in ("for", "against")
    assert ballot.participation.on_behalf_of == bob


def test_a_ballot_cast_while_the_vote_closes_is_counted_or_refused(sent, make_vote, alice, crowd):
    vote = make_vote(secret=True, present=crowd)

    results = at_once(
        *[lambda m=m: cast(m, vote, "against") for m in crowd[:12]],
        lambda: lifecycle.close_vote(alice, vote),
    )

    vote = fresh(vote)
    counted = [r for r in results[:12] if isinstance(r, casting.Cast)]
    refused = [r for r in results[:12] if isinstance(r, Exception)]
    assert all(isinstance(e, VotingError) and "not open" in str(e) for e in refused), refused
    assert len(counted) + len(refused) == 12
    assert vote.state == Vote.State.CLOSED
    assert vote.result["cast"] == len(counted) == len(vote_results.ballots(vote))
    assert dict(vote.result["counts"])["against"] == len(counted)


def test_two_principals_give_their_proxy_to_one_holder_at_once(sent, live_meeting, tina, crowd):
    results = at_once(
        lambda: eligibility.give_proxy(crowd[0], live_meeting, tina),
        lambda: eligibility.give_proxy(crowd[1], live_meeting, tina),
    )

    assert sorted(type(r).__name__ for r in results) == ["Proxy", "VotingError"], results
    assert Proxy.objects.filter(holder=tina, revoked_at__isnull=True).count() == 1


def test_a_proxy_and_its_reverse_at_once_make_no_chain(sent, live_meeting, bob, tina):
    results = at_once(
        lambda: eligibility.give_proxy(bob, live_meeting, tina),
        lambda: eligibility.give_proxy(tina, live_meeting, bob),
    )

    assert sorted(type(r).__name__ for r in results) == ["Proxy", "VotingError"], results
    assert Proxy.objects.count() == 1


def test_two_live_votes_opened_at_once_leave_one_open(sent, make_vote, alice, martin):
    first = make_vote(opened=False, question="Eerste")
    second = make_vote(opened=False, question="Tweede")

    results = at_once(
        lambda: lifecycle.open_vote(alice, first), lambda: lifecycle.open_vote(martin, second)
    )

    assert sum(isinstance(r, Vote) for r in results) == 1, results
    assert Vote.objects.filter(state=Vote.State.OPEN).count() == 1


def test_closing_twice_at_once_counts_once(sent, make_vote, alice, martin, crowd):
    vote = make_vote(present=crowd[:5])
    for member in crowd[:5]:
        cast(member, vote)

    results = at_once(
        lambda: lifecycle.close_vote(alice, vote), lambda: lifecycle.close_vote(martin, vote)
    )

    assert all(isinstance(r, Vote) for r in results), results
    assert fresh(vote).history.filter(history_change_reason="closed").count() == 1
    assert RollEntry.objects.filter(vote=vote).count() == 5


def test_close_due_votes_from_two_workers_at_once_closes_once(sent, make_vote, bob):
    vote = make_vote(mode=Vote.Mode.TIMED, closes_at=timezone.now() + timedelta(hours=1))
    cast(bob, vote)
    later = timezone.now() + timedelta(hours=2)

    results = at_once(
        lambda: lifecycle.close_due_votes(now=later), lambda: lifecycle.close_due_votes(now=later)
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert fresh(vote).state == Vote.State.CLOSED
    assert fresh(vote).history.filter(history_change_reason="closed").count() == 1
    assert fresh(vote).result["cast"] == 1


def test_ballots_go_in_side_by_side_not_one_at_a_time(sent, make_vote, crowd, monkeypatch):
    """At a hundred ballots a second, one ballot must not wait for another to commit."""
    vote = make_vote(present=crowd[:2])
    first_inside, second_done = threading.Event(), threading.Event()
    real_capacities = eligibility.capacities

    def slow_for_the_first(vote_, voter):
        if voter == crowd[0]:
            first_inside.set()
            # Holds its transaction open until the second ballot is in.
            assert second_done.wait(10), "the second ballot waited for the first"
        return real_capacities(vote_, voter)

    monkeypatch.setattr(casting, "capacities", slow_for_the_first)

    def second():
        assert first_inside.wait(10)
        result = cast(crowd[1], vote, "against")
        second_done.set()
        return result

    results = at_once(lambda: cast(crowd[0], vote, "for"), second)

    assert all(isinstance(r, casting.Cast) for r in results), results
    assert Participation.objects.filter(vote=vote).count() == 2


def test_a_ballot_in_the_app_and_one_at_the_desk_for_the_same_people_at_once_count_once(
    sent, make_vote, live_meeting, alice, crowd
):
    """Ten members on the phone to the desk also vote in the app, at the same moment as the
    desk enters their ballot: each counts once, whichever came first."""
    people = crowd[:10]
    for person in people:
        attendance.mark_present(alice, live_meeting, person.pk, Attendance.How.PHONE)
    vote = make_vote(secret=True, present=people)

    results = at_once(
        *[lambda m=m: cast(m, vote, "for") for m in people],
        *[
            lambda m=m: desk.cast_at_desk(
                alice, vote, m.pk, {"choice": "against"}, key=ballot_key()
            )
            for m in people
        ],
    )

    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == len(people), results
    assert all("already been cast" in str(e) for e in errors), errors
    for person in people:
        assert Participation.objects.filter(vote=vote, on_behalf_of=person).count() == 1
    assert len(vote_results.ballots(vote)) == len(people)
    result = lifecycle.close_vote(fresh(vote.created_by), vote).result
    assert result["cast"] == len(people)
    at_desk = Participation.objects.filter(vote=vote, at_desk=True).count()
    assert dict(result["counts"])["against"] == at_desk
