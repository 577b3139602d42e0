"""Votes on the live meeting page: what each vote service pushes after commit (and never on
rollback), and what the pushed fragments show (turnout, never a running result)."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from panels.live import changes, fragments
from panels.live.fragments import Audience
from tests.live_helpers import record_notices
from tests.voting.conftest import ballot_key, be_present, cast, fresh
from voting import eligibility, lifecycle
from voting.errors import VotingError
from voting.models import Participation, Vote

pytestmark = pytest.mark.django_db

PAGE_AUDIENCES = [Audience.MODERATOR, Audience.PARTICIPANT, Audience.OBSERVER]


@pytest.fixture
def sent(monkeypatch) -> list[dict]:
    """The notices the vote services send after commit, in order, as ("push" or "burst",
    meeting id, fragment names, personal user ids)."""
    return record_notices(monkeypatch)


def summary(notices: list[dict]) -> list[tuple]:
    """Each notice as ("push" or "burst", meeting id, fragment names, personal user ids)."""
    return [
        ("burst" if n["burst"] else "push", n["meeting"], tuple(n["names"]), tuple(n["personal"]))
        for n in notices
    ]


def run_after_commit(capture, sent, call):
    """Run the call; check nothing went out before the commit; then run the callbacks."""
    with capture() as callbacks:
        result = call()
        assert sent == [], "nothing is sent before the commit"
    assert callbacks, "something is scheduled for after the commit"
    for callback in callbacks:
        callback()
    return result


# --- what is sent, when ----------------------------------------------------------------------


def test_preparing_a_vote_pushes_the_vote_fragment(
    django_capture_on_commit_callbacks, sent, alice, live_meeting, make_vote
):
    run_after_commit(django_capture_on_commit_callbacks, sent, lambda: make_vote(opened=False))

    assert summary(sent) == [("push", live_meeting.pk, ("vote",), ())]


def test_opening_pushes_the_vote_and_the_ballot(
    django_capture_on_commit_callbacks, sent, alice, live_meeting, make_vote
):
    vote = make_vote(opened=False)
    seq = fresh(live_meeting).seq

    run_after_commit(
        django_capture_on_commit_callbacks, sent, lambda: lifecycle.open_vote(alice, vote)
    )

    assert summary(sent) == [("push", live_meeting.pk, ("vote", "ballot"), ())]
    assert fresh(live_meeting).seq == seq + 1


def test_closing_pushes_the_vote_and_the_ballot(
    django_capture_on_commit_callbacks, sent, alice, live_meeting, make_vote
):
    vote = make_vote()

    run_after_commit(
        django_capture_on_commit_callbacks, sent, lambda: lifecycle.close_vote(alice, vote)
    )

    assert summary(sent) == [("push", live_meeting.pk, ("vote", "ballot"), ())]


def test_a_written_round_pushes_the_vote_and_the_ballot(
    django_capture_on_commit_callbacks, sent, alice, live_meeting, make_vote
):
    vote = make_vote()
    until = timezone.now() + timedelta(days=1)

    run_after_commit(
        django_capture_on_commit_callbacks,
        sent,
        lambda: lifecycle.close_vote(alice, vote, written_round_until=until),
    )

    assert summary(sent) == [("push", live_meeting.pk, ("vote", "ballot"), ())]


def test_a_ballot_marks_the_turnout_dirty_and_nudges_the_voter(
    django_capture_on_commit_callbacks, sent, live_meeting, make_vote, bob
):
    vote = make_vote(secret=True, present=[bob])
    seq = fresh(live_meeting).seq

    run_after_commit(django_capture_on_commit_callbacks, sent, lambda: cast(bob, vote))

    assert summary(sent) == [("burst", live_meeting.pk, ("vote",), (bob.user_id,))]
    assert fresh(live_meeting).seq == seq, "a ballot is coalesced, not counted as a change"


def test_changing_a_named_ballot_pushes_the_vote_and_the_voters_own_bits(
    django_capture_on_commit_callbacks, sent, live_meeting, make_vote, bob
):
    vote = make_vote(present=[bob])
    cast(bob, vote, "for")

    run_after_commit(django_capture_on_commit_callbacks, sent, lambda: cast(bob, vote, "against"))

    assert summary(sent) == [("push", live_meeting.pk, ("vote",), (bob.user_id,))]


def test_a_repeated_submission_sends_nothing(
    django_capture_on_commit_callbacks, sent, make_vote, bob
):
    vote = make_vote(present=[bob])
    key = ballot_key()
    cast(bob, vote, key=key)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert cast(bob, vote, key=key).repeated

    assert (callbacks, sent) == ([], [])


def test_nothing_is_sent_when_a_ballot_rolls_back(
    django_capture_on_commit_callbacks, sent, make_vote, bob
):
    vote = make_vote(present=[bob])

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        cast(bob, vote)
        raise RuntimeError("rolled back")

    assert (callbacks, sent) == ([], [])
    assert not Participation.objects.filter(vote=vote).exists()


def test_a_refused_ballot_sends_nothing(
    django_capture_on_commit_callbacks, sent, make_vote, bob, tina
):
    vote = make_vote(present=[bob])  # tina is absent

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(VotingError),
    ):
        cast(tina, vote)

    assert (callbacks, sent) == ([], [])


@pytest.mark.parametrize("action", ["give", "revoke"])
def test_a_proxy_pushes_the_vote_and_both_peoples_own_bits(
    django_capture_on_commit_callbacks, sent, live_meeting, bob, tina, action
):
    if action == "give":
        call = lambda: eligibility.give_proxy(bob, live_meeting, tina)  # noqa: E731
    else:
        proxy = eligibility.give_proxy(bob, live_meeting, tina)
        sent.clear()
        call = lambda: eligibility.revoke_proxy(bob, proxy)  # noqa: E731

    run_after_commit(django_capture_on_commit_callbacks, sent, call)

    assert summary(sent) == [("push", live_meeting.pk, ("vote",), (bob.user_id, tina.user_id))]


def test_a_ballot_in_a_vote_without_a_meeting_goes_to_no_meeting(
    django_capture_on_commit_callbacks, monkeypatch, make_vote, bob
):
    group_sends = []

    async def group_send(group, message):
        group_sends.append((group, message))

    monkeypatch.setattr(changes.get_channel_layer(), "group_send", group_send)
    vote = make_vote(mode=Vote.Mode.TIMED)

    with django_capture_on_commit_callbacks(execute=True):
        cast(bob, vote)

    assert group_sends == []


def test_the_turnout_reaches_the_workers_as_one_burst_notice(
    django_capture_on_commit_callbacks, monkeypatch, live_meeting, make_vote, bob
):
    group_sends = []

    async def group_send(group, message):
        group_sends.append((group, message))

    monkeypatch.setattr(changes.get_channel_layer(), "group_send", group_send)
    vote = make_vote(present=[bob])

    with django_capture_on_commit_callbacks(execute=True):
        cast(bob, vote)

    assert group_sends == [
        (
            changes.meeting_group(live_meeting.pk),
            {
                "type": "live.changed",
                "meeting": live_meeting.pk,
                "names": ["vote"],
                "personal": [bob.user_id],
                "personal_names": ["my_vote"],
                "burst": True,
                "ends": False,
            },
        )
    ]


# --- what the fragments show -----------------------------------------------------------------


def frames(meeting, *names: str, language: str = "en") -> dict[Audience, dict[str, str]]:
    _seq, rendered = fragments.render_frames(meeting.pk, names, languages=[language])
    return {
        audience: rendered[fragments.frame_key(audience, language)]
        for audience in Audience
        if fragments.frame_key(audience, language) in rendered
    }


def test_during_a_secret_vote_the_page_shows_turnout_and_no_result(
    make_vote, alice, bob, tina, voters, live_meeting
):
    vote = make_vote(secret=True, present=[alice, bob, tina, voters[0]])
    cast(bob, vote, "for")
    cast(tina, vote, "against")

    seen = frames(live_meeting, "vote", "screen-vote")

    for audience in PAGE_AUDIENCES:
        html = seen[audience]["vote"]
        assert "2 of 4 have voted" in html
        assert vote.question in html
        assert "secret ballot" in html
    screen = seen[Audience.SCREEN]["screen-vote"]
    assert "2 of 4 have voted" in screen
    for html in [*(seen[a]["vote"] for a in PAGE_AUDIENCES), screen]:
        for result in ('class="result"', "Adopted", "Rejected", "Against", "<table"):
            assert result not in html


def test_only_the_moderator_gets_the_close_button(make_vote, live_meeting):
    vote = make_vote()
    close = f"/panels/{vote.panel_id}/votes/{vote.pk}/close/"

    seen = frames(live_meeting, "vote")

    assert close in seen[Audience.MODERATOR]["vote"]
    assert close not in seen[Audience.PARTICIPANT]["vote"]
    assert close not in seen[Audience.OBSERVER]["vote"]


def test_the_pushed_ballot_is_for_those_who_take_part_and_carries_no_key(make_vote, live_meeting):
    vote = make_vote()

    seen = frames(live_meeting, "ballot")

    for audience in (Audience.MODERATOR, Audience.PARTICIPANT):
        html = seen[audience]["ballot"]
        assert f'id="btn-cast-{vote.pk}"' in html
        assert 'name="key" value=""' in html  # every browser fills in a key of its own
    assert "btn-cast" not in seen[Audience.OBSERVER]["ballot"]


def test_after_closing_everyone_sees_the_result(make_vote, alice, bob, tina, live_meeting):
    vote = make_vote(present=[bob, tina])
    cast(bob, vote, "for")
    cast(tina, vote, "for")
    lifecycle.close_vote(alice, vote)

    seen = frames(live_meeting, "vote", "ballot", "screen-vote")

    for audience in PAGE_AUDIENCES:
        assert "Adopted" in seen[audience]["vote"]
        assert "2 of 2 who could vote took part." in seen[audience]["vote"]
        assert "btn-cast" not in seen[audience]["ballot"]
    assert "Adopted" in seen[Audience.SCREEN]["screen-vote"]


def test_a_written_round_is_not_voted_in_from_the_live_page(make_vote, alice, live_meeting):
    vote = make_vote()
    lifecycle.close_vote(alice, vote, written_round_until=timezone.now() + timedelta(days=1))

    seen = frames(live_meeting, "ballot")

    assert "btn-cast" not in seen[Audience.PARTICIPANT]["ballot"]


def test_the_next_live_vote_is_shown_while_an_earlier_one_has_its_written_round(
    make_vote, alice, bob, live_meeting
):
    first = make_vote(present=[alice, bob])
    lifecycle.close_vote(alice, first, written_round_until=timezone.now() + timedelta(days=1))
    second = make_vote(question="De volgende vraag")
    assert [m.pk for m in eligibility.capacities(second, bob)] == [bob.pk]

    seen = frames(live_meeting, "vote", "ballot")[Audience.PARTICIPANT]

    assert "De volgende vraag" in seen["vote"]
    assert f'id="btn-cast-{second.pk}"' in seen["ballot"]


# --- the personal bits -----------------------------------------------------------------------


def test_the_personal_bits_say_whether_and_for_whom_one_votes(
    make_vote, live_meeting, bob, tina, voters
):
    dave = voters[0]
    eligibility.give_proxy(bob, live_meeting, tina)
    vote = make_vote(present=[tina, dave])
    be_present(live_meeting, bob)

    holder = fragments.render_personal(live_meeting.pk, tina)
    principal = fragments.render_personal(live_meeting.pk, bob)
    cast(dave, vote)
    voted = fragments.render_personal(live_meeting.pk, dave)

    assert f'data-vote="{vote.pk}"' in holder
    assert "You hold a proxy for <bdi>Bob Member</bdi>." in holder
    assert "You cannot vote in this vote." in principal
    assert "You have voted." in voted
    assert 'data-voted="1"' in voted
