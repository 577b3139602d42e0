"""Written proxies (volmacht): one per principal per meeting, never to oneself, no chains,
changed only while no vote is open; the holder votes for both (voting/eligibility.py,
voting/casting.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from panels import meetings
from panels import services as panel_services
from tests.voting.conftest import ballot_key, cast, fresh
from voting import casting, eligibility, lifecycle
from voting.models import Participation, Proxy, RollEntry, Vote

pytestmark = pytest.mark.django_db


def pks(members) -> set[int]:
    return {m.pk for m in members}


# --- giving and revoking -------------------------------------------------------------------


def test_a_member_gives_a_proxy_for_one_meeting_with_a_history_record(live_meeting, bob, tina):
    proxy = eligibility.give_proxy(bob, live_meeting, tina)

    assert (proxy.meeting, proxy.principal, proxy.holder, proxy.revoked_at) == (
        live_meeting,
        bob,
        tina,
        None,
    )
    (record,) = proxy.history.all()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        bob.user,
        "given",
    )


def test_the_principal_revokes_with_a_history_record(live_meeting, bob, tina):
    proxy = eligibility.give_proxy(bob, live_meeting, tina)

    eligibility.revoke_proxy(bob, proxy)

    proxy = fresh(proxy)
    assert proxy.revoked_at is not None
    assert not eligibility.standing_proxies(live_meeting.pk).exists()
    latest = proxy.history.order_by("history_date", "history_id").last()
    assert (latest.history_user, latest.history_change_reason) == (bob.user, "revoked")
    assert latest.revoked_at == proxy.revoked_at


def test_revoking_twice_is_a_double_click(live_meeting, bob, tina):
    proxy = eligibility.give_proxy(bob, live_meeting, tina)
    eligibility.revoke_proxy(bob, proxy)
    first = fresh(proxy).revoked_at

    eligibility.revoke_proxy(bob, proxy)

    assert fresh(proxy).revoked_at == first
    assert proxy.history.count() == 2


def test_a_moderator_may_revoke_a_proxy(live_meeting, alice, bob, tina):
    proxy = eligibility.give_proxy(bob, live_meeting, tina)

    eligibility.revoke_proxy(alice, proxy)

    assert fresh(proxy).revoked_at is not None
    assert proxy.history.order_by("history_date").last().history_user == alice.user


@pytest.mark.parametrize("who", ["tina", "dave"], ids=["the holder", "another member"])
def test_only_the_principal_or_a_moderator_revokes(live_meeting, bob, tina, voters, refused, who):
    proxy = eligibility.give_proxy(bob, live_meeting, tina)
    actor = tina if who == "tina" else voters[0]

    assert "Only the member who gave" in refused(lambda: eligibility.revoke_proxy(actor, proxy))


def test_another_panels_moderator_cannot_revoke(live_meeting, bob, tina, oscar, refused):
    proxy = eligibility.give_proxy(bob, live_meeting, tina)

    refused(lambda: eligibility.revoke_proxy(oscar, proxy))


def test_one_proxy_per_principal_per_meeting(live_meeting, bob, tina, voters, refused):
    eligibility.give_proxy(bob, live_meeting, tina)

    assert "already given a proxy" in refused(
        lambda: eligibility.give_proxy(bob, live_meeting, voters[0])
    )


def test_after_revoking_the_principal_may_give_a_new_proxy(live_meeting, bob, tina, voters):
    eligibility.revoke_proxy(bob, eligibility.give_proxy(bob, live_meeting, tina))

    eligibility.give_proxy(bob, live_meeting, voters[0])

    assert [(p.principal, p.holder) for p in eligibility.standing_proxies(live_meeting.pk)] == [
        (bob, voters[0])
    ]
    assert Proxy.objects.filter(meeting=live_meeting, principal=bob).count() == 2


def test_a_proxy_is_for_one_meeting_only(alice, live_meeting, bob, tina, voters):
    later = meetings.create_meeting(
        alice, title="Volgende keer", starts_at=timezone.now() + timedelta(days=30), notify=False
    )
    eligibility.give_proxy(bob, live_meeting, tina)

    eligibility.give_proxy(bob, later, voters[0])

    assert eligibility.standing_proxies(later.pk).get().holder == voters[0]


def test_a_holder_holds_at_most_as_many_proxies_as_the_panel_allows(
    panel, live_meeting, tina, voters, refused
):
    dave, erin, fay, _gert = voters
    assert panel.max_proxies_per_holder == 1
    eligibility.give_proxy(dave, live_meeting, tina)

    assert "as many proxies as allowed" in refused(
        lambda: eligibility.give_proxy(erin, live_meeting, tina)
    )

    panel.max_proxies_per_holder = 2
    panel.save()
    eligibility.give_proxy(erin, live_meeting, tina)
    assert "as many proxies as allowed" in refused(
        lambda: eligibility.give_proxy(fay, live_meeting, tina)
    )


def test_a_revoked_proxy_does_not_count_towards_the_maximum(live_meeting, tina, voters):
    dave, erin, *_ = voters
    eligibility.revoke_proxy(dave, eligibility.give_proxy(dave, live_meeting, tina))

    eligibility.give_proxy(erin, live_meeting, tina)

    assert eligibility.standing_proxies(live_meeting.pk).get().principal == erin


def test_nobody_gives_a_proxy_to_themselves(live_meeting, bob, refused):
    assert "yourself" in refused(lambda: eligibility.give_proxy(bob, live_meeting, bob))


@pytest.mark.parametrize("principal", ["nora", "olga", "carl"])
def test_only_a_member_who_may_vote_gives_a_proxy(request, live_meeting, tina, refused, principal):
    who = request.getfixturevalue(principal)

    assert "Only a member who may vote" in refused(
        lambda: eligibility.give_proxy(who, live_meeting, tina)
    )


@pytest.mark.parametrize("holder", ["nora", "olga", "carl"])
def test_the_holder_must_be_a_member_who_may_vote(request, live_meeting, bob, refused, holder):
    who = request.getfixturevalue(holder)

    assert "holder must be a member who may vote" in refused(
        lambda: eligibility.give_proxy(bob, live_meeting, who)
    )


def test_no_chains_a_holder_who_gave_their_own_vote_away(live_meeting, bob, tina, voters, refused):
    eligibility.give_proxy(tina, live_meeting, voters[0])

    assert "given their own vote to someone else" in refused(
        lambda: eligibility.give_proxy(bob, live_meeting, tina)
    )


def test_no_chains_a_principal_who_holds_a_proxy(live_meeting, bob, tina, voters, refused):
    eligibility.give_proxy(voters[0], live_meeting, bob)

    assert "cannot pass on your vote" in refused(
        lambda: eligibility.give_proxy(bob, live_meeting, tina)
    )


def test_no_proxy_in_a_closed_meeting(alice, live_meeting, bob, tina, refused):
    meetings.close_meeting(alice, live_meeting)

    assert "closed" in refused(lambda: eligibility.give_proxy(bob, live_meeting, tina))


def test_no_proxy_across_panels(live_meeting, bob, oscar, make_member, other_panel, refused):
    stranger = make_member("Stella", for_panel=other_panel)

    assert "not allowed" in refused(lambda: eligibility.give_proxy(bob, live_meeting, stranger))
    assert "not allowed" in refused(lambda: eligibility.give_proxy(stranger, live_meeting, bob))


@pytest.mark.parametrize("state", ["open", "written round", "timed"])
def test_proxies_do_not_change_while_a_vote_is_open(
    make_vote, alice, live_meeting, bob, tina, voters, refused, state
):
    given = eligibility.give_proxy(voters[0], live_meeting, voters[1])
    if state == "timed":
        make_vote(mode=Vote.Mode.TIMED, meeting=live_meeting)
    else:
        vote = make_vote()
        if state == "written round":
            lifecycle.close_vote(
                alice, vote, written_round_until=timezone.now() + timedelta(hours=1)
            )

    assert "while no vote is open" in refused(
        lambda: eligibility.give_proxy(bob, live_meeting, tina)
    )
    assert "while no vote is open" in refused(lambda: eligibility.revoke_proxy(voters[0], given))


def test_proxies_change_again_once_the_vote_is_closed(make_vote, alice, live_meeting, bob, tina):
    lifecycle.close_vote(alice, make_vote())

    eligibility.give_proxy(bob, live_meeting, tina)

    assert eligibility.standing_proxies(live_meeting.pk).count() == 1


# --- voting with a proxy ---------------------------------------------------------------------


def test_the_principal_cannot_vote_while_the_proxy_stands(
    make_vote, live_meeting, bob, tina, refused
):
    eligibility.give_proxy(bob, live_meeting, tina)
    vote = make_vote(present=[bob, tina])

    assert eligibility.capacities(vote, bob) == []
    assert "cannot vote" in refused(lambda: cast(bob, vote))


def test_the_holder_casts_for_both_in_one_action(make_vote, alice, live_meeting, bob, tina):
    eligibility.give_proxy(bob, live_meeting, tina)
    vote = make_vote(present=[tina])
    assert [m.pk for m in eligibility.capacities(vote, tina)] == [tina.pk, bob.pk]

    # One submitted form, one key per person (as the view does).
    key = ballot_key()
    cast(tina, vote, "for", key=key)
    cast(tina, vote, "for", on_behalf_of=bob, key=f"{key}:1")

    assert sorted(
        Participation.objects.filter(vote=vote).values_list("voter", "on_behalf_of")
    ) == sorted([(tina.pk, tina.pk), (tina.pk, bob.pk)])
    assert casting.voted_for(vote, tina) == {tina.pk, bob.pk}
    result = lifecycle.close_vote(alice, vote).result
    assert dict(result["counts"])["for"] == 2
    assert result["named"] == [["Bob Member", "for", bob.pk], ["Tina Tenantorg", "for", tina.pk]]


def test_the_holder_may_vote_differently_for_the_principal(
    make_vote, alice, live_meeting, bob, tina
):
    eligibility.give_proxy(bob, live_meeting, tina)
    vote = make_vote(present=[tina])

    cast(tina, vote, "against")
    cast(tina, vote, "for", on_behalf_of=bob)

    assert lifecycle.close_vote(alice, vote).result["named"] == [
        ["Bob Member", "for", bob.pk],
        ["Tina Tenantorg", "against", tina.pk],
    ]


def test_in_a_secret_vote_the_holder_gets_a_receipt_per_person(make_vote, live_meeting, bob, tina):
    eligibility.give_proxy(bob, live_meeting, tina)
    vote = make_vote(secret=True, present=[tina])

    own = cast(tina, vote, "for")
    for_bob = cast(tina, vote, "against", on_behalf_of=bob)

    assert own.receipt and for_bob.receipt and own.receipt != for_bob.receipt


def test_a_proxy_counts_only_while_the_holder_may_vote(make_vote, live_meeting, bob, tina, refused):
    eligibility.give_proxy(bob, live_meeting, tina)
    vote = make_vote(present=[bob])  # the principal came after all; the holder did not

    assert eligibility.capacities(vote, tina) == []
    assert "cannot vote" in refused(lambda: cast(tina, vote, on_behalf_of=bob))


def test_a_holder_who_lost_the_right_to_vote_carries_no_proxy(
    make_vote, alice, live_meeting, bob, tina
):
    eligibility.give_proxy(bob, live_meeting, tina)
    panel_services.set_active(alice, tina, False)
    vote = make_vote(present=[tina])

    assert eligibility.capacities(vote, fresh(tina)) == []


def test_a_principal_who_lost_the_right_to_vote_is_not_voted_for(
    make_vote, alice, live_meeting, bob, tina
):
    eligibility.give_proxy(bob, live_meeting, tina)
    panel_services.set_active(alice, bob, False)
    vote = make_vote(present=[tina])

    assert pks(eligibility.capacities(vote, tina)) == {tina.pk}


def test_after_revoking_the_principal_votes_again_themselves(make_vote, live_meeting, bob, tina):
    eligibility.revoke_proxy(bob, eligibility.give_proxy(bob, live_meeting, tina))
    vote = make_vote(present=[bob, tina])

    assert pks(eligibility.capacities(vote, bob)) == {bob.pk}
    assert pks(eligibility.capacities(vote, tina)) == {tina.pk}


def test_a_proxy_applies_to_a_timed_vote_of_its_meeting(make_vote, live_meeting, bob, tina):
    eligibility.give_proxy(bob, live_meeting, tina)
    in_meeting = make_vote(mode=Vote.Mode.TIMED, meeting=live_meeting)
    without_meeting = make_vote(mode=Vote.Mode.TIMED, question="Los van de bijeenkomst")

    assert pks(eligibility.capacities(in_meeting, tina)) == {tina.pk, bob.pk}
    assert pks(eligibility.capacities(without_meeting, tina)) == {tina.pk}
    assert pks(eligibility.capacities(without_meeting, bob)) == {bob.pk}


def test_a_principal_represented_by_a_present_holder_is_on_the_roll(
    make_vote, alice, live_meeting, bob, tina
):
    eligibility.give_proxy(bob, live_meeting, tina)
    vote = make_vote(present=[alice, tina])
    cast(tina, vote)  # only for herself

    lifecycle.close_vote(alice, vote)

    roll = dict(RollEntry.objects.filter(vote=vote).values_list("member", "took_part"))
    assert roll == {alice.pk: False, tina.pk: True, bob.pk: False}
    assert fresh(vote).result["eligible"] == 3
