"""Who may vote, and casting a ballot: one member, one vote; retries are safe; refusals
change nothing (voting/eligibility.py: eligible_members, capacities; voting/casting.py:
cast_ballot)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from panels import services as panel_services
from panels.live import presence
from panels.models import LiveWorker, Presence
from tests.voting.conftest import ballot_key, be_present, cast, leave, votes_snapshot
from voting import casting, eligibility, lifecycle, results
from voting.errors import VotingError
from voting.models import Participation, RollEntry, Vote

pytestmark = pytest.mark.django_db


def pks(members) -> set[int]:
    return {m.pk for m in members}


def ballots(vote: Vote) -> list[str]:
    """What was voted in a yes/no vote, in no particular order."""
    return sorted(ballot["choice"] for ballot in results.ballots(vote))


# --- who may vote ------------------------------------------------------------------------


def test_eligible_are_active_members_with_voting_rights(panel, alice, bob, nora, olga, carl, tina):
    assert pks(eligibility.eligible_members(panel)) == pks([alice, bob, tina])


def test_an_observer_never_votes_even_with_the_voting_rights_flag_set(panel, alice, olga):
    olga.has_voting_rights = True
    olga.save()

    assert olga.pk not in pks(eligibility.eligible_members(panel))


def test_corporation_representatives_vote_only_when_the_panel_says_so(panel, carl):
    carl.has_voting_rights = True
    carl.save()
    assert carl.pk not in pks(eligibility.eligible_members(panel))

    panel.corporation_reps_vote = True
    panel.save()

    assert carl.pk in pks(eligibility.eligible_members(panel))


@pytest.mark.parametrize("reps_vote", [False, True])
@pytest.mark.parametrize("rights", [False, True])
def test_the_membership_says_what_the_database_says_about_voting(
    panel, alice, bob, nora, olga, carl, tina, rights, reps_vote
):
    """capacities trusts `Membership.can_vote` for the voter: it must match eligible_members."""
    panel.corporation_reps_vote = reps_vote
    panel.save()
    people = [alice, bob, nora, olga, carl, tina]
    for person in people:
        person.has_voting_rights = rights
        person.save()
    panel_services.set_active(alice, bob, False)  # bob loses his membership
    eligible = pks(eligibility.eligible_members(panel))
    for person in people:
        person.refresh_from_db()
        assert person.can_vote == (person.pk in eligible), person


def test_deactivated_members_do_not_vote(panel, alice, bob, tina):
    panel_services.set_active(alice, bob, False)
    tina.user.is_active = False
    tina.user.save()

    assert pks(eligibility.eligible_members(panel)) == {alice.pk}


@pytest.mark.parametrize(
    ("persona", "may_vote"),
    [
        ("alice", True),  # moderator
        ("bob", True),  # member
        ("tina", True),  # tenant-organisation representative
        ("nora", False),  # member without voting rights
        ("olga", False),  # observer
        ("carl", False),  # corporation representative (panel default)
    ],
)
def test_who_present_may_vote_in_a_live_vote(request, make_vote, persona, may_vote):
    people = {
        name: request.getfixturevalue(name) for name in ("alice", "bob", "tina", "nora", "olga")
    }
    people["carl"] = request.getfixturevalue("carl")
    vote = make_vote(present=people.values())
    me = people[persona]

    assert pks(eligibility.capacities(vote, me)) == ({me.pk} if may_vote else set())


def test_a_corporation_representative_votes_live_when_the_panel_allows_it(panel, make_vote, carl):
    panel.corporation_reps_vote = True
    panel.save()
    carl.has_voting_rights = True
    carl.save()
    vote = make_vote(present=[carl])

    cast(carl, vote)

    assert Participation.objects.filter(vote=vote, on_behalf_of=carl).exists()


def test_a_deactivated_member_cannot_vote_even_when_present(make_vote, alice, bob, live_meeting):
    vote = make_vote(present=[bob])
    panel_services.set_active(alice, bob, False)
    bob.refresh_from_db()

    assert eligibility.capacities(vote, bob) == []
    with pytest.raises(VotingError):
        cast(bob, vote)


def test_an_absent_member_gets_no_capacity_in_a_live_vote(make_vote, bob, tina, refused):
    vote = make_vote(present=[tina])

    assert eligibility.capacities(vote, bob) == []
    message = refused(lambda: cast(bob, vote))
    assert "cannot vote" in message


def test_a_connection_on_a_silent_worker_is_not_on_the_roll_but_may_still_vote(
    make_vote, live_meeting, bob
):
    be_present(live_meeting, bob, worker_id="worker-silent")
    LiveWorker.objects.filter(pk="worker-silent").update(
        seen_at=timezone.now() - timedelta(minutes=5)
    )
    vote = make_vote()

    assert not RollEntry.objects.filter(vote=vote, member=bob).exists()
    assert eligibility.capacities(vote, bob) == [bob], "a silent server is no evidence bob left"


def test_a_connection_on_a_forgotten_worker_does_not_count(make_vote, live_meeting, bob):
    be_present(live_meeting, bob, worker_id="worker-dead")
    LiveWorker.objects.filter(pk="worker-dead").update(
        seen_at=timezone.now() - presence.FORGET_AFTER - timedelta(seconds=1)
    )
    vote = make_vote()

    assert eligibility.capacities(vote, bob) == []
    assert not RollEntry.objects.filter(vote=vote, member=bob).exists()


def test_a_member_who_arrives_after_the_vote_opened_may_vote(make_vote, live_meeting, bob):
    vote = make_vote()
    assert not RollEntry.objects.filter(vote=vote, member=bob).exists()

    be_present(live_meeting, bob)
    cast(bob, vote)

    assert RollEntry.objects.filter(vote=vote, member=bob).exists()


def test_a_member_who_left_cannot_vote_any_more(make_vote, live_meeting, bob):
    vote = make_vote(present=[bob])
    leave(live_meeting, bob)

    assert eligibility.capacities(vote, bob) == []
    assert Presence.objects.filter(membership=bob).count() == 0


def test_a_timed_vote_is_open_to_every_eligible_member_without_presence(
    make_vote, alice, bob, tina, nora, olga
):
    vote = make_vote(mode=Vote.Mode.TIMED)

    assert [pks(eligibility.capacities(vote, m)) for m in (alice, bob, tina, nora, olga)] == [
        {alice.pk},
        {bob.pk},
        {tina.pk},
        set(),
        set(),
    ]
    cast(bob, vote)
    assert ballots(vote) == ["for"]


def test_a_timed_vote_closes_at_its_deadline_and_then_takes_no_ballots(make_vote, bob, tina):
    vote = make_vote(mode=Vote.Mode.TIMED)
    cast(bob, vote)

    closed = lifecycle.close_due_votes(now=vote.closes_at + timedelta(seconds=1))

    assert [v.pk for v in closed] == [vote.pk]
    vote.refresh_from_db()
    assert vote.state == Vote.State.CLOSED
    assert eligibility.capacities(vote, tina) == []
    with pytest.raises(VotingError, match="not open"):
        cast(tina, vote)


@pytest.mark.parametrize("kind", ["timed vote", "written round"])
def test_no_ballot_is_taken_after_the_deadline_even_before_the_vote_is_closed(
    make_vote, alice, bob, refused, kind
):
    past = timezone.now() - timedelta(seconds=1)
    if kind == "timed vote":
        vote = make_vote(mode=Vote.Mode.TIMED)
        Vote.objects.filter(pk=vote.pk).update(closes_at=past)
    else:
        vote = make_vote()
        lifecycle.close_vote(alice, vote, written_round_until=timezone.now() + timedelta(hours=1))
        Vote.objects.filter(pk=vote.pk).update(written_round_until=past)
    vote.refresh_from_db()

    refused(lambda: cast(bob, vote))


def test_nobody_may_vote_in_a_prepared_vote(make_vote, bob, refused):
    vote = make_vote(opened=False, present=[bob])

    assert eligibility.capacities(vote, bob) == []
    assert "not open" in refused(lambda: cast(bob, vote))


# --- one member, one vote ------------------------------------------------------------------


def test_in_a_secret_vote_a_second_submission_is_refused(make_vote, bob, refused):
    vote = make_vote(secret=True, present=[bob])
    cast(bob, vote, "for")

    message = refused(lambda: cast(bob, vote, "against"))

    assert "already been cast" in message
    assert ballots(vote) == ["for"]


def test_in_a_named_vote_a_second_submission_changes_the_ballot_until_close(
    make_vote, alice, bob, refused
):
    vote = make_vote(present=[bob])
    cast(bob, vote, "for")

    again = cast(bob, vote, "against")

    assert again == casting.Cast(None, repeated=False)
    assert ballots(vote) == ["against"]
    assert Participation.objects.filter(vote=vote).count() == 1

    lifecycle.close_vote(alice, vote)
    assert "not open" in refused(lambda: cast(bob, vote, "abstain"))
    assert Vote.objects.get(pk=vote.pk).result["named"] == [["Bob Member", "against", bob.pk]]


@pytest.mark.parametrize("secret", [True, False], ids=["secret", "named"])
def test_the_same_key_again_gets_the_same_answer_and_stores_nothing(panel, make_vote, bob, secret):
    vote = make_vote(secret=secret, present=[bob])
    key = ballot_key()
    first = cast(bob, vote, "for", key=key)
    before = votes_snapshot(panel)

    again = cast(bob, vote, "against", key=key)

    assert again == casting.Cast(first.receipt, repeated=True)
    assert (first.receipt is not None) is secret
    assert votes_snapshot(panel) == before
    assert ballots(vote) == ["for"]


def test_a_retry_that_arrives_after_close_gets_the_same_receipt(make_vote, alice, bob):
    vote = make_vote(secret=True, present=[bob])
    key = ballot_key()
    first = cast(bob, vote, key=key)
    lifecycle.close_vote(alice, vote)

    assert cast(bob, vote, key=key) == casting.Cast(first.receipt, repeated=True)


def test_a_key_is_stored_only_as_a_hash(make_vote, bob):
    vote = make_vote(present=[bob])
    key = ballot_key()
    cast(bob, vote, key=key)

    stored = Participation.objects.get(vote=vote).key_hash
    assert key not in stored
    assert len(stored) == 64


@pytest.mark.parametrize(
    ("key", "accepted"),
    [
        ("", False),
        (None, False),
        ("k" * 15, False),
        ("k" * 16, True),
        ("   " + "k" * 16 + "   ", True),  # surrounding spaces do not count
        ("   " + "k" * 15 + "   ", False),
        ("k" * casting.KEY_MAX, True),
        ("k" * (casting.KEY_MAX + 1), False),
    ],
    ids=["empty", "none", "15", "16", "16-padded", "15-padded", "max", "max+1"],
)
def test_key_length_limits(make_vote, bob, refused, key, accepted):
    vote = make_vote(present=[bob])

    if accepted:
        assert cast(bob, vote, key=key).repeated is False
        assert ballots(vote) == ["for"]
    else:
        assert "out of date" in refused(lambda: cast(bob, vote, key=key))


# --- what a ballot may say -------------------------------------------------------------------


@pytest.mark.parametrize("choice", [None, "", "yes", "FOR", "maybe"])
def test_a_yes_no_ballot_is_for_against_or_abstain(make_vote, bob, refused, choice):
    vote = make_vote(present=[bob])

    assert "for, against or abstain" in refused(lambda: cast(bob, vote, choice))


@pytest.mark.parametrize("choice", ["for", "against", "abstain"])
def test_each_yes_no_choice_is_recorded(make_vote, bob, choice):
    vote = make_vote(present=[bob])

    cast(bob, vote, choice)

    assert ballots(vote) == [choice]


def one_choice_vote(make_vote, **fields) -> Vote:
    fields.setdefault("question", "Welke kleur krijgen de deuren?")
    return make_vote(method=Vote.Method.ONE_CHOICE, options=["Groen", "Blauw", "Rood"], **fields)


def test_a_one_choice_ballot_names_one_of_its_options(make_vote, bob, tina, refused):
    vote = one_choice_vote(make_vote, present=[bob, tina])
    other = one_choice_vote(make_vote, opened=False, question="Andere stemming")
    foreign = other.options.first().pk

    for option_id in (None, foreign, 999_999):
        assert "one of the options" in refused(
            lambda option_id=option_id: cast(bob, vote, None, option_id=option_id)
        )

    blue = vote.options.get(label="Blauw")
    cast(bob, vote, None, option_id=blue.pk)
    cast(tina, vote, "abstain")
    assert {(b["option_id"], b["choice"]) for b in results.ballots(vote)} == {
        (blue.pk, ""),
        (None, "abstain"),
    }


def test_a_ranked_ballot_ranks_each_option_at_most_once(make_vote, bob, tina, alice, refused):
    vote = make_vote(
        method=Vote.Method.RANKED,
        question="Wat eerst?",
        options=["Speeltuin", "Bankjes", "Fietsenstalling"],
        present=[alice, bob, tina],
    )
    a, b, c = (o.pk for o in vote.options.all())
    foreign = one_choice_vote(make_vote, opened=False, question="Ander").options.first().pk

    for ranking in ([a, a], [a, foreign], [999_999]):
        assert "at most once" in refused(
            lambda ranking=ranking: cast(bob, vote, None, ranking=ranking)
        )

    cast(bob, vote, None, ranking=[c, a])  # leaving an option unranked is fine
    cast(tina, vote, None, ranking=[])  # ranking nothing is an abstention
    cast(alice, vote, None, ranking=[b, c, a])
    assert sorted((x["choice"], x["ranking"]) for x in results.ballots(vote)) == [
        ("", [b, c, a]),
        ("", [c, a]),
        ("abstain", []),
    ]


# --- refused: nothing recorded -------------------------------------------------------------


def test_nobody_votes_after_close(make_vote, alice, bob, refused):
    vote = make_vote(present=[bob])
    lifecycle.close_vote(alice, vote)

    assert "not open" in refused(lambda: cast(bob, vote))


def test_nobody_votes_in_another_panels_vote(
    make_vote, make_member, other_panel, oscar, bob, refused
):
    vote = make_vote(present=[bob])
    stranger = make_member("Stella", for_panel=other_panel)

    for outsider in (oscar, stranger):
        assert "not allowed" in refused(lambda outsider=outsider: cast(outsider, vote))
    assert "not allowed" in refused(lambda: cast(oscar, vote, on_behalf_of=bob))


def test_nobody_votes_for_a_member_whose_proxy_they_do_not_hold(make_vote, bob, tina, refused):
    vote = make_vote(present=[bob, tina])

    assert "for this person" in refused(lambda: cast(tina, vote, on_behalf_of=bob))


def test_a_revoked_proxy_lets_nobody_vote_for_the_principal(
    make_vote, live_meeting, bob, tina, refused
):
    proxy = eligibility.give_proxy(bob, live_meeting, tina)
    eligibility.revoke_proxy(bob, proxy)
    vote = make_vote(present=[tina])

    assert pks(eligibility.capacities(vote, tina)) == {tina.pk}
    assert "for this person" in refused(lambda: cast(tina, vote, on_behalf_of=bob))
