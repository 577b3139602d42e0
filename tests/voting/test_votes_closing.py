"""Preparing, opening and closing votes: the result, the roll, what happens to the proposal
or amendment voted on, written rounds, and closing when time is up (voting/lifecycle.py)."""

from datetime import timedelta
from fractions import Fraction

import pytest
from django.utils import timezone

from panels import meetings
from panels.models import AgendaItem
from tests.voting.conftest import PROPOSAL_TEXT, be_present, cast, fresh, vote_spec
from voting import amendments, eligibility, lifecycle, methods, proposals, results
from voting.errors import VotingError
from voting.models import Amendment, Proposal, RollEntry, Vote

pytestmark = pytest.mark.django_db


def roll_of(vote: Vote) -> dict[int, bool]:
    """member id → took part."""
    return dict(RollEntry.objects.filter(vote=vote).values_list("member", "took_part"))


# --- results ---------------------------------------------------------------------------------


def test_a_named_yes_no_vote_result(make_vote, alice, bob, tina, voters):
    dave, erin, *_ = voters
    vote = make_vote(present=[alice, bob, tina, dave, erin])
    cast(alice, vote, "for")
    cast(bob, vote, "for")
    cast(tina, vote, "against")
    cast(dave, vote, "abstain")

    result = lifecycle.close_vote(alice, vote).result

    assert result == {
        "method": "yes_no",
        "secret": False,
        "counts": [["for", 2], ["against", 1], ["abstain", 1]],
        "winner": None,
        "cast": 4,
        "eligible": 5,
        "quorum_needed": 0,
        "outcome": "adopted",
        "named": [
            ["Alice Moderator", "for", alice.pk],
            ["Bob Member", "for", bob.pk],
            ["Dave Voter", "abstain", dave.pk],
            ["Tina Tenantorg", "against", tina.pk],
        ],
    }
    assert fresh(vote).result == result


def test_a_tie_between_for_and_against_is_rejected(make_vote, alice, bob, tina):
    vote = make_vote(present=[bob, tina])
    cast(bob, vote, "for")
    cast(tina, vote, "against")

    assert lifecycle.close_vote(alice, vote).result["outcome"] == "rejected"


def test_a_one_choice_vote_result(make_vote, alice, bob, tina, voters):
    dave = voters[0]
    vote = make_vote(
        method=Vote.Method.ONE_CHOICE,
        question="Welke kleur krijgen de deuren?",
        options=["Groen", "Blauw", "Rood"],
        present=[alice, bob, tina, dave],
    )
    option = {o.label: o.pk for o in vote.options.all()}
    cast(alice, vote, None, option_id=option["Groen"])
    cast(bob, vote, None, option_id=option["Blauw"])
    cast(tina, vote, None, option_id=option["Blauw"])
    cast(dave, vote, "abstain")

    result = lifecycle.close_vote(alice, vote).result

    assert {k: v for k, v in result.items() if k != "named"} == {
        "method": "one_choice",
        "secret": False,
        "counts": [["Groen", 1], ["Blauw", 2], ["Rood", 0], ["abstain", 1]],
        "winner": "Blauw",
        "cast": 4,
        "eligible": 4,
        "quorum_needed": 0,
        "outcome": "adopted",
    }
    assert ["Bob Member", "Blauw", bob.pk] in result["named"]


def test_a_ranked_vote_result(make_vote, alice, bob, tina, voters):
    dave = voters[0]
    vote = make_vote(
        method=Vote.Method.RANKED,
        question="Wat pakken we eerst aan?",
        options=["Speeltuin", "Bankjes", "Fietsenstalling"],
        secret=True,
        present=[alice, bob, tina, dave],
    )
    s, b, f = (o.pk for o in vote.options.all())
    cast(bob, vote, None, ranking=[s, b, f])
    cast(tina, vote, None, ranking=[b, s])
    cast(alice, vote, None, ranking=[s])
    cast(dave, vote, None, ranking=[])

    result = lifecycle.close_vote(alice, vote).result

    receipts = result.pop("receipts")
    assert result == {
        "method": "ranked",
        "secret": True,
        "ranking": ["Speeltuin", "Bankjes", "Fietsenstalling"],
        "tied_at_top": [],
        "winner": "Speeltuin",
        "counts": [["abstain", 1]],
        "cast": 4,
        "eligible": 4,
        "quorum_needed": 0,
        "outcome": "adopted",
    }
    # A receipt per ballot, naming no choice; the rankings stay in the sealed box.
    assert len(set(receipts)) == 4 and all(len(r) == 64 for r in receipts)
    assert sorted(ballot["ranking"] for ballot in results.ballots(vote)) == sorted(
        [[s, b, f], [b, s], [s], []]
    )


@pytest.mark.parametrize(
    ("quorum", "needed"),
    [({"quorum_count": 3}, 3), ({"quorum_percent": 60}, 3), ({"quorum_percent": 20}, 1)],
    ids=["count", "percent", "percent reached"],
)
def test_quorum(make_vote, alice, bob, tina, voters, quorum, needed):
    vote = make_vote(present=[alice, bob, tina, *voters[:2]], **quorum)  # a roll of 5
    cast(bob, vote, "for")
    cast(tina, vote, "for")

    result = lifecycle.close_vote(alice, vote).result

    assert (result["cast"], result["eligible"], result["quorum_needed"]) == (2, 5, needed)
    assert result["outcome"] == ("no_quorum" if needed > 2 else "adopted")


def test_an_absolute_majority_with_abstentions_counted(make_vote, alice, bob, tina, voters):
    vote = make_vote(
        majority=Vote.Majority.ABSOLUTE,
        abstentions_count=True,
        present=[alice, bob, tina, voters[0]],
    )
    cast(alice, vote, "for")
    cast(bob, vote, "for")
    cast(tina, vote, "against")
    cast(voters[0], vote, "abstain")

    assert lifecycle.close_vote(alice, vote).result["outcome"] == "rejected"  # 2 of 4 is not > half


def test_a_qualified_majority(make_vote, alice, bob, tina, voters):
    vote = make_vote(
        majority=Vote.Majority.QUALIFIED,
        qualified=Fraction(3, 4),
        present=[alice, bob, tina, voters[0]],
    )
    for member in (alice, bob, tina):
        cast(member, vote, "for")
    cast(voters[0], vote, "against")

    assert lifecycle.close_vote(alice, vote).result["outcome"] == "adopted"  # 3 of 4


def test_the_roll_is_who_could_vote_and_who_took_part(make_vote, alice, live_meeting, bob, tina):
    vote = make_vote(present=[alice, bob])
    be_present(live_meeting, tina)  # came in after the vote opened, and voted
    cast(bob, vote)
    cast(tina, vote)

    lifecycle.close_vote(alice, vote)

    assert roll_of(vote) == {alice.pk: False, bob.pk: True, tina.pk: True}
    assert fresh(vote).result["eligible"] == 3


def test_members_present_without_voting_rights_are_not_on_the_roll(
    make_vote, alice, bob, nora, olga, carl
):
    vote = make_vote(present=[alice, bob, nora, olga, carl])

    lifecycle.close_vote(alice, vote)

    assert set(roll_of(vote)) == {alice.pk, bob.pk}


def test_the_roll_of_a_timed_vote_is_every_eligible_member(make_vote, alice, bob, tina, nora):
    vote = make_vote(mode=Vote.Mode.TIMED)
    cast(bob, vote)

    lifecycle.close_vote(alice, vote)

    assert roll_of(vote) == {alice.pk: False, bob.pk: True, tina.pk: False}


def test_closing_twice_is_a_double_click(make_vote, alice, bob):
    vote = make_vote(present=[bob])
    cast(bob, vote)
    closed = lifecycle.close_vote(alice, vote)

    again = lifecycle.close_vote(alice, vote)

    assert (again.state, again.result, again.closed_at) == (
        Vote.State.CLOSED,
        closed.result,
        closed.closed_at,
    )
    assert vote.history.filter(history_change_reason="closed").count() == 1


def test_a_prepared_vote_cannot_be_closed(make_vote, alice, refused):
    vote = make_vote(opened=False)

    assert "not open" in refused(lambda: lifecycle.close_vote(alice, vote))


def test_a_closed_vote_cannot_be_opened_again(make_vote, alice, refused):
    vote = lifecycle.close_vote(alice, make_vote())

    assert "already been held" in refused(lambda: lifecycle.open_vote(alice, vote))


def test_opening_an_open_vote_is_a_double_click(make_vote, alice):
    vote = make_vote()

    assert lifecycle.open_vote(alice, vote).opened_at == vote.opened_at
    assert vote.history.filter(history_change_reason="opened").count() == 1


@pytest.mark.parametrize("persona", ["bob", "tina", "olga"])
def test_only_a_moderator_prepares_opens_and_closes(
    request, make_vote, live_meeting, refused, persona
):
    who = request.getfixturevalue(persona)
    draft = make_vote(opened=False)
    opened = make_vote(question="Een andere vraag")

    assert "not allowed" in refused(
        lambda: lifecycle.prepare_vote(who, vote_spec(), meeting=live_meeting)
    )
    assert "not allowed" in refused(lambda: lifecycle.open_vote(who, draft))
    assert "not allowed" in refused(lambda: lifecycle.close_vote(who, opened))


def test_another_panels_moderator_cannot_touch_the_vote(make_vote, oscar, live_meeting, refused):
    draft = make_vote(opened=False)
    opened = make_vote(question="Een andere vraag")

    assert "not allowed" in refused(
        lambda: lifecycle.prepare_vote(oscar, vote_spec(), meeting=live_meeting)
    )
    assert "not allowed" in refused(lambda: lifecycle.open_vote(oscar, draft))
    assert "not allowed" in refused(lambda: lifecycle.close_vote(oscar, opened))


def test_opening_and_closing_are_history_records(make_vote, alice, bob):
    vote = make_vote(present=[bob])
    cast(bob, vote)
    lifecycle.close_vote(alice, vote)

    records = vote.history.order_by("history_date", "history_id")
    assert [(r.state, r.history_user, r.history_change_reason) for r in records] == [
        ("draft", alice.user, "prepared"),
        ("open", alice.user, "opened"),
        ("closed", alice.user, "closed"),
    ]
    assert records.last().closed_at == fresh(vote).closed_at


# --- preparing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"question": "   "}, "Write the question"),
        ({"method": "plurality"}, "Choose a voting method"),
        ({"majority": "overwhelming"}, "Choose a voting method"),
        ({"method": Vote.Method.ONE_CHOICE, "options": ["Groen", "  "]}, "at least two options"),
        (
            {"method": Vote.Method.RANKED, "options": ["Groen", " Groen "]},
            "Every option must be different",
        ),
        ({"majority": Vote.Majority.QUALIFIED, "qualified": Fraction(1, 3)}, "between one half"),
        ({"quorum_percent": 101}, "between 0 and 100"),
        ({"mode": Vote.Mode.TIMED, "closes_at": None}, "deadline in the future"),
        (
            {"mode": Vote.Mode.TIMED, "closes_at": timezone.now() - timedelta(minutes=1)},
            "deadline in the future",
        ),
    ],
    ids=[
        "no question",
        "method",
        "majority",
        "one option",
        "same option twice",
        "qualified below half",
        "quorum percent",
        "timed without deadline",
        "timed deadline past",
    ],
)
def test_a_vote_is_prepared_only_when_it_makes_sense(alice, live_meeting, refused, fields, message):
    spec = vote_spec(**fields)
    if "closes_at" in fields:
        spec.closes_at = fields["closes_at"]

    assert message in refused(lambda: lifecycle.prepare_vote(alice, spec, meeting=live_meeting))


def test_a_live_vote_belongs_to_a_meeting(alice, refused):
    assert "belongs to a meeting" in refused(lambda: lifecycle.prepare_vote(alice, vote_spec()))


def test_a_proposal_is_decided_by_a_method_that_adopts_or_rejects(alice, proposal, refused):
    spec = vote_spec(method=Vote.Method.ONE_CHOICE, options=["Ja", "Nee"])

    assert "can adopt or reject" in refused(
        lambda: lifecycle.prepare_vote(alice, spec, proposal=proposal)
    )


def test_a_vote_is_about_one_thing(alice, proposal, amend, tina, refused):
    amendment = amend(tina)

    assert "about one thing" in refused(
        lambda: lifecycle.prepare_vote(alice, vote_spec(), proposal=proposal, amendment=amendment)
    )


def test_a_vote_on_an_amendment_is_named_after_it(make_vote, proposal, amend, tina):
    amendment = amend(tina)

    vote = make_vote(opened=False, question="", amendment=amendment)

    assert vote.question == f"Amendment #{amendment.pk} to “Groen in de wijk”"
    assert (vote.meeting, vote.amendment, vote.proposal) == (
        proposal.item.meeting,
        amendment,
        None,
    )


def test_a_prepared_vote_keeps_its_options_in_order(make_vote):
    vote = make_vote(
        opened=False,
        method=Vote.Method.ONE_CHOICE,
        options=["  Groen ", "", "Blauw   en  wit"],
    )

    assert list(vote.options.values_list("label", "position")) == [
        ("Groen", 0),
        ("Blauw en wit", 1),
    ]


def test_a_vote_has_at_most_fifty_options(make_vote, alice, live_meeting, refused):
    fifty = [f"Datum {n}" for n in range(1, methods.OPTIONS_MAX + 1)]
    spec = vote_spec(method=Vote.Method.RANKED, options=[*fifty, "Nog een datum"])

    refusal = refused(lambda: lifecycle.prepare_vote(alice, spec, meeting=live_meeting))

    assert refusal == "A vote can have at most 50 options; this one has 51."
    vote = make_vote(opened=False, method=Vote.Method.RANKED, options=fifty)
    assert vote.options.count() == 50


def test_three_thousand_options_are_refused_not_stored(alice, live_meeting, refused):
    spec = vote_spec(method=Vote.Method.ONE_CHOICE, options=[str(n) for n in range(3000)])

    refusal = refused(lambda: lifecycle.prepare_vote(alice, spec, meeting=live_meeting))

    assert refusal == "A vote can have at most 50 options; this one has 3,000."


def test_an_option_over_200_characters_is_refused_not_cut(make_vote, alice, live_meeting, refused):
    spec = vote_spec(method=Vote.Method.ONE_CHOICE, options=["Groen", "b" * 1_048_576])

    refusal = refused(lambda: lifecycle.prepare_vote(alice, spec, meeting=live_meeting))

    assert refusal == "An option can be at most 200 characters; option 2 has 1,048,576."
    vote = make_vote(opened=False, method=Vote.Method.ONE_CHOICE, options=["Groen", "b" * 200])
    assert vote.options.get(position=1).label == "b" * 200


def test_a_question_over_200_characters_is_refused_not_cut(alice, live_meeting, refused):
    spec = vote_spec(question="Komen er bankjes? " + "x" * 300)

    refusal = refused(lambda: lifecycle.prepare_vote(alice, spec, meeting=live_meeting))

    assert refusal == "A question can be at most 200 characters; this one has 318."


def test_a_vote_named_after_a_long_proposal_title_is_shortened_to_fit(
    make_vote, proposal, amend, tina
):
    proposal.title = "Groen " * 33  # 198 characters: with "Amendment #1 to" it is longer
    proposal.save(update_fields=["title"])
    amendment = amend(tina)

    vote = make_vote(opened=False, question="", amendment=amendment)

    assert len(vote.question) == 200
    assert vote.question.startswith(f"Amendment #{amendment.pk} to “Groen Groen")
    assert vote.question.endswith("…")


@pytest.fixture
def their_proposal(oscar):
    """A proposal in oscar's panel."""
    meeting = meetings.create_meeting(
        oscar, title="Elders", starts_at=timezone.now() + timedelta(days=1), notify=False
    )
    item = meetings.add_item(oscar, meeting, title="Punt")
    return proposals.create_proposal(oscar, item, title="Hun voorstel", text="Tekst.")


def test_a_vote_on_another_panels_proposal_is_refused(alice, their_proposal, refused):
    assert "not allowed" in refused(
        lambda: lifecycle.prepare_vote(alice, vote_spec(), proposal=their_proposal)
    )


def test_a_vote_on_another_panels_proposal_is_refused_even_with_an_own_meeting(
    alice, live_meeting, their_proposal, refused
):
    refused(
        lambda: lifecycle.prepare_vote(
            alice, vote_spec(), meeting=live_meeting, proposal=their_proposal
        )
    )


# --- opening: the meeting and the order rule ------------------------------------------------


def test_only_one_live_vote_is_open_in_a_meeting(make_vote, alice, refused):
    make_vote()
    second = make_vote(opened=False, question="Tweede vraag")

    assert "Close the open vote first" in refused(lambda: lifecycle.open_vote(alice, second))


def test_a_timed_vote_may_run_beside_a_live_one(make_vote, live_meeting):
    make_vote()

    timed = make_vote(mode=Vote.Mode.TIMED, meeting=live_meeting)

    assert timed.state == Vote.State.OPEN


def test_a_live_vote_opens_only_while_the_meeting_is_live(make_vote, alice, live_meeting, refused):
    next_month = meetings.create_meeting(
        alice, title="Volgende maand", starts_at=timezone.now() + timedelta(days=30), notify=False
    )
    scheduled = make_vote(opened=False, meeting=next_month)
    assert "while the meeting is live" in refused(lambda: lifecycle.open_vote(alice, scheduled))

    in_live = make_vote(opened=False, question="Te laat")
    meetings.close_meeting(alice, live_meeting)
    assert "while the meeting is live" in refused(lambda: lifecycle.open_vote(alice, in_live))


def test_a_live_vote_puts_the_members_present_on_the_roll_at_opening(make_vote, alice, bob, nora):
    vote = make_vote(present=[alice, bob, nora])

    assert roll_of(vote) == {alice.pk: False, bob.pk: False}


def test_an_amendment_is_decided_before_its_proposal(
    make_vote, alice, bob, tina, proposal, amend, refused
):
    amendment = amend(tina)
    on_proposal = make_vote(opened=False, proposal=proposal)

    message = refused(lambda: lifecycle.open_vote(alice, on_proposal))

    assert "open amendments" in message
    assert fresh(proposal).state == Proposal.State.SUBMITTED

    on_amendment = make_vote(question="", amendment=amendment, present=[bob])
    assert fresh(amendment).state == Amendment.State.TO_VOTE
    cast(bob, on_amendment, "against")
    lifecycle.close_vote(alice, on_amendment)

    lifecycle.open_vote(alice, on_proposal)
    assert fresh(proposal).state == Proposal.State.IN_VOTE


def test_a_withdrawn_amendment_is_not_voted_on(make_vote, alice, proposal, amend, tina, refused):
    amendment = amend(tina)
    on_amendment = make_vote(opened=False, question="", amendment=amendment)
    amendments.withdraw_amendment(tina, amendment)

    assert "can no longer be voted on" in refused(lambda: lifecycle.open_vote(alice, on_amendment))

    # A withdrawn amendment no longer holds up the vote on the proposal.
    make_vote(proposal=proposal)
    assert fresh(proposal).state == Proposal.State.IN_VOTE


def test_an_adopted_amendment_makes_a_new_version_of_the_proposal(
    make_vote, alice, bob, tina, proposal, amend
):
    amendment = amend(tina)
    vote = make_vote(question="", amendment=amendment, present=[alice, bob, tina])
    for member in (alice, bob, tina):
        cast(member, vote, "for")

    lifecycle.close_vote(alice, vote)

    proposal, amendment = fresh(proposal), fresh(amendment)
    assert amendment.state == Amendment.State.ADOPTED
    assert amendment.decided_at is not None
    assert (proposal.version, proposal.produced_by) == (2, amendment)
    assert proposal.text == amendment.proposed_text != PROPOSAL_TEXT
    assert "bomen" in proposal.text
    latest = proposal.history.order_by("history_date", "history_id").last()
    assert (latest.version, latest.history_user, latest.history_change_reason) == (
        2,
        alice.user,
        f"amendment #{amendment.pk} adopted",
    )


def test_a_rejected_amendment_leaves_the_proposal_as_it_was(
    make_vote, alice, bob, tina, proposal, amend
):
    amendment = amend(tina)
    vote = make_vote(question="", amendment=amendment, present=[bob, tina])
    cast(bob, vote, "against")
    cast(tina, vote, "for")

    lifecycle.close_vote(alice, vote)

    assert fresh(amendment).state == Amendment.State.REJECTED
    assert (fresh(proposal).version, fresh(proposal).text) == (1, PROPOSAL_TEXT)


def test_those_involved_hear_that_their_proposal_was_decided(
    make_vote, alice, bob, tina, nora, proposal, django_capture_on_commit_callbacks
):
    from django.core import mail

    proposals.admit_proposal(alice, proposal)
    proposal.supporters.add(nora)
    vote = make_vote(question="", proposal=proposal, present=[alice, bob, tina], secret=True)
    cast(alice, vote, "for")
    cast(tina, vote, "against")

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.close_vote(alice, vote)

    # bob brought it in, nora supported it, alice and tina voted (what: not used).
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        p.user.email for p in (alice, bob, tina, nora)
    )
    assert "Groen in de wijk" in mail.outbox[0].subject


@pytest.mark.parametrize(
    ("choices", "state"),
    [
        (["for", "for", "against"], Proposal.State.ADOPTED),
        (["for", "against", "against"], Proposal.State.REJECTED),
    ],
    ids=["adopted", "rejected"],
)
def test_a_proposal_vote_decides_the_proposal(
    make_vote, alice, bob, tina, proposal, choices, state
):
    proposals.admit_proposal(alice, proposal)
    vote = make_vote(question="", proposal=proposal, present=[alice, bob, tina])
    assert vote.question == "Groen in de wijk"
    assert fresh(proposal).state == Proposal.State.IN_VOTE
    for member, choice in zip((alice, bob, tina), choices, strict=True):
        cast(member, vote, choice)

    lifecycle.close_vote(alice, vote)

    proposal = fresh(proposal)
    assert proposal.state == state
    latest = proposal.history.order_by("history_date", "history_id").last()
    assert (latest.history_user, latest.history_change_reason) == (
        alice.user,
        f"vote: {state}",
    )


def test_a_withdrawn_proposal_is_not_voted_on(make_vote, alice, bob, proposal, refused):
    vote = make_vote(opened=False, proposal=proposal)
    proposals.withdraw_proposal(bob, proposal)

    assert "cannot be voted on now" in refused(lambda: lifecycle.open_vote(alice, vote))


# --- written rounds ------------------------------------------------------------------------


@pytest.fixture
def written_round(make_vote, alice, bob, tina, voters):
    """A secret live vote in which alice and bob were present and bob voted; then the
    written round for the others, until tomorrow."""
    vote = make_vote(secret=True, present=[alice, bob])
    cast(bob, vote, "for")
    until = timezone.now() + timedelta(days=1)
    return lifecycle.close_vote(alice, vote, written_round_until=until)


def test_a_written_round_keeps_the_vote_open_without_a_result(written_round):
    vote = fresh(written_round)

    assert vote.state == Vote.State.WRITTEN_ROUND
    assert vote.is_open
    assert vote.result is None
    assert vote.written_round_until is not None
    assert vote.closed_at is None


def test_the_written_round_is_for_those_who_did_not_vote_live(
    written_round, alice, bob, tina, voters, nora
):
    vote = fresh(written_round)

    assert eligibility.capacities(vote, bob) == []  # voted live
    for member in (alice, tina, *voters):  # present or not: no presence needed any more
        assert [m.pk for m in eligibility.capacities(vote, member)] == [member.pk]
    assert eligibility.capacities(vote, nora) == []
    with pytest.raises(VotingError, match="already been cast"):
        cast(bob, vote, "against")


def test_the_result_comes_only_at_the_final_close(written_round, alice, tina, voters):
    vote = fresh(written_round)
    cast(tina, vote, "against")
    cast(voters[0], vote, "against")
    assert fresh(vote).result is None

    result = lifecycle.close_vote(alice, vote).result

    assert dict(result["counts"]) == {"for": 1, "against": 2, "abstain": 0}
    assert result["outcome"] == "rejected"
    assert result["eligible"] == 3 + len(voters)  # every eligible member, present or not
    assert sum(roll_of(vote).values()) == 3


def test_a_holder_votes_in_the_written_round_for_both(make_vote, alice, live_meeting, bob, tina):
    eligibility.give_proxy(bob, live_meeting, tina)
    vote = make_vote(present=[alice])
    lifecycle.close_vote(alice, vote, written_round_until=timezone.now() + timedelta(hours=2))

    assert [m.pk for m in eligibility.capacities(fresh(vote), tina)] == [tina.pk, bob.pk]
    assert eligibility.capacities(fresh(vote), bob) == []


def test_a_written_round_history_record(written_round, alice):
    latest = written_round.history.order_by("history_date", "history_id").last()

    assert (latest.state, latest.history_user, latest.history_change_reason) == (
        "written_round",
        alice.user,
        "written round",
    )


@pytest.mark.parametrize("when", ["past", "now"])
def test_a_written_round_ends_in_the_future(make_vote, alice, refused, when):
    vote = make_vote()
    until = timezone.now() - (timedelta(minutes=1) if when == "past" else timedelta(0))

    assert "future" in refused(lambda: lifecycle.close_vote(alice, vote, written_round_until=until))


def test_only_a_live_vote_gets_a_written_round(make_vote, alice, refused):
    timed = make_vote(mode=Vote.Mode.TIMED)
    until = timezone.now() + timedelta(days=1)

    assert "Only a live vote" in refused(
        lambda: lifecycle.close_vote(alice, timed, written_round_until=until)
    )


def test_a_written_round_is_held_once(written_round, alice, refused):
    until = timezone.now() + timedelta(days=2)

    assert "Only a live vote" in refused(
        lambda: lifecycle.close_vote(alice, written_round, written_round_until=until)
    )


# --- closing when time is up -----------------------------------------------------------------


def test_close_due_votes_closes_what_is_due_and_nothing_else(
    make_vote, alice, live_meeting, bob, written_round
):
    soon = make_vote(mode=Vote.Mode.TIMED, closes_at=timezone.now() + timedelta(hours=1))
    later = make_vote(mode=Vote.Mode.TIMED, closes_at=timezone.now() + timedelta(days=3))
    cast(bob, soon)

    # An hour and a half from now: the first timed vote is due, the written round not yet.
    closed = lifecycle.close_due_votes(now=timezone.now() + timedelta(minutes=90))

    assert [v.pk for v in closed] == [soon.pk]
    assert fresh(soon).state == Vote.State.CLOSED
    assert fresh(soon).result["cast"] == 1
    assert fresh(later).state == Vote.State.OPEN
    assert fresh(written_round).state == Vote.State.WRITTEN_ROUND

    # Two days on: the written round is over too.
    closed = lifecycle.close_due_votes(now=timezone.now() + timedelta(days=2))

    assert [v.pk for v in closed] == [written_round.pk]
    vote = fresh(written_round)
    assert vote.state == Vote.State.CLOSED
    assert vote.result["cast"] == 1
    latest = vote.history.order_by("history_date", "history_id").last()
    assert (latest.history_user, latest.history_change_reason) == (None, "closed")


def test_close_due_votes_leaves_an_open_live_vote_alone(make_vote):
    vote = make_vote()

    assert lifecycle.close_due_votes(now=timezone.now() + timedelta(days=365)) == []
    assert fresh(vote).state == Vote.State.OPEN


def test_a_proposal_to_an_item_still_to_come_can_be_voted_on(make_vote, alice, bob, later_item):
    proposal = proposals.create_proposal(bob, later_item, title="Later", text="Tekst.")
    vote = make_vote(proposal=proposal, present=[bob])
    cast(bob, vote)

    lifecycle.close_vote(alice, vote)

    assert fresh(proposal).state == Proposal.State.ADOPTED
    assert later_item.state == AgendaItem.State.PENDING
