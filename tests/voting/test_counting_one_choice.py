"""Counting a choice among options (voting/counting.py): plurality, the absolute and
qualified majorities, ties and the quorum.

Property tests compare each result with the plain re-implementation in
counting_reference.py.
"""

from fractions import Fraction

import pytest
from hypothesis import given

from tests.voting.counting_reference import (
    choice_elections,
    eligibles,
    no_quorum_rules,
    reference_one_choice,
    reference_quorum,
    rules,
)
from voting.counting import (
    ABSOLUTE,
    ADOPTED,
    NO_QUORUM,
    QUALIFIED,
    REJECTED,
    SIMPLE,
    TIE,
    Rule,
    count_one_choice,
)

# --- one choice ------------------------------------------------------------------------

OPTIONS = ["Zuid", "Noord", "Oost"]  # deliberately not alphabetical


def test_one_choice_counts_in_ballot_order():
    result = count_one_choice(["Oost", "Noord", None, "Oost"], OPTIONS, 10, Rule())
    assert list(result.counts) == OPTIONS
    assert result.counts == {"Zuid": 0, "Noord": 1, "Oost": 2}
    assert result.abstain == 1
    assert result.cast == 4
    assert result.eligible == 10
    assert result.outcome == ADOPTED
    assert result.winner == "Oost"


@given(election=choice_elections(), rule=rules, eligible=eligibles)
def test_one_choice_totals(election, rule, eligible):
    options, ballots = election
    result = count_one_choice(ballots, options, eligible, rule)
    assert list(result.counts) == options
    assert result.counts == {option: ballots.count(option) for option in options}
    assert result.abstain == ballots.count(None)
    assert result.cast == len(ballots)
    assert sum(result.counts.values()) + result.abstain == result.cast
    assert result.quorum_needed == reference_quorum(rule, eligible)


@pytest.mark.parametrize("bad", ["West", "zuid", "", 3])
def test_one_choice_unknown_option_raises(bad):
    with pytest.raises(ValueError):
        count_one_choice(["Zuid", bad], OPTIONS, 10, Rule())


def test_one_choice_any_vote_with_no_options_raises():
    with pytest.raises(ValueError):
        count_one_choice(["Zuid"], [], 10, Rule())


@pytest.mark.parametrize("rule", [Rule(), Rule(majority=ABSOLUTE), Rule(majority=QUALIFIED)])
def test_one_choice_tie_for_first_has_no_winner(rule):
    ballots = ["Noord", "Oost", "Noord", "Oost", "Zuid"]
    result = count_one_choice(ballots, OPTIONS, 10, rule)
    assert result.outcome == TIE
    assert result.winner is None


def test_one_choice_tie_below_the_top_does_not_matter():
    ballots = ["Noord", "Noord", "Noord", "Oost", "Zuid"]
    result = count_one_choice(ballots, OPTIONS, 10, Rule())
    assert (result.outcome, result.winner) == (ADOPTED, "Noord")


@given(election=choice_elections(), rule=no_quorum_rules)
def test_one_choice_tie_for_first_property(election, rule):
    options, ballots = election
    votes = [ballots.count(option) for option in options]
    result = count_one_choice(ballots, options, 0, rule)
    if votes and max(votes) > 0 and votes.count(max(votes)) > 1:
        assert (result.outcome, result.winner) == (TIE, None)
    else:
        assert result.outcome != TIE


@given(election=choice_elections())
def test_one_choice_simple_majority_is_plurality(election):
    options, ballots = election
    result = count_one_choice(ballots, options, 0, Rule(majority=SIMPLE))
    votes = {option: ballots.count(option) for option in options}
    best = max(votes.values(), default=0)
    leaders = [option for option in options if votes[option] == best]
    if best > 0 and len(leaders) == 1:
        assert (result.outcome, result.winner) == (ADOPTED, leaders[0])
    else:
        assert result.winner is None


def test_one_choice_plurality_wins_without_a_majority():
    ballots = ["Zuid"] * 4 + ["Noord"] * 3 + ["Oost"] * 3
    result = count_one_choice(ballots, OPTIONS, 10, Rule(majority=SIMPLE))
    assert (result.outcome, result.winner) == (ADOPTED, "Zuid")
    result = count_one_choice(ballots, OPTIONS, 10, Rule(majority=ABSOLUTE))
    assert (result.outcome, result.winner) == (REJECTED, None)


@pytest.mark.parametrize(
    ("ballots", "rule", "outcome", "winner"),
    [
        # absolute: more than half of the valid votes
        (["Zuid"] * 3 + ["Noord"] * 2, Rule(majority=ABSOLUTE), ADOPTED, "Zuid"),
        (["Zuid"] * 3 + ["Noord", "Oost", "Oost"], Rule(majority=ABSOLUTE), REJECTED, None),
        # abstentions only count when configured
        (["Zuid"] * 3 + ["Noord"] * 2 + [None] * 2, Rule(majority=ABSOLUTE), ADOPTED, "Zuid"),
        (
            ["Zuid"] * 3 + ["Noord"] * 2 + [None] * 2,
            Rule(majority=ABSOLUTE, abstentions_count=True),
            REJECTED,
            None,
        ),
        # qualified: at least two thirds
        (["Oost"] * 4 + ["Zuid"] * 2, Rule(majority=QUALIFIED), ADOPTED, "Oost"),
        (["Oost"] * 4 + ["Zuid", "Noord", "Zuid"], Rule(majority=QUALIFIED), REJECTED, None),
        (["Oost"] * 4 + ["Zuid", "Noord", None], Rule(majority=QUALIFIED), ADOPTED, "Oost"),
        (["Oost"] * 4 + ["Zuid", None], Rule(majority=QUALIFIED), ADOPTED, "Oost"),
        (
            ["Oost"] * 4 + ["Zuid", None],
            Rule(majority=QUALIFIED, abstentions_count=True),
            ADOPTED,  # 4 of 6
            "Oost",
        ),
        (
            ["Oost"] * 4 + ["Zuid", None, None],
            Rule(majority=QUALIFIED, abstentions_count=True),
            REJECTED,  # 4 of 7
            None,
        ),
        (
            ["Oost"] * 3 + ["Zuid"],
            Rule(majority=QUALIFIED, fraction=Fraction(3, 4)),
            ADOPTED,
            "Oost",
        ),
    ],
)
def test_one_choice_absolute_and_qualified_examples(ballots, rule, outcome, winner):
    result = count_one_choice(ballots, OPTIONS, 20, rule)
    assert (result.outcome, result.winner) == (outcome, winner)


@pytest.mark.parametrize("rule", [Rule(), Rule(majority=ABSOLUTE), Rule(majority=QUALIFIED)])
@pytest.mark.parametrize("ballots", [[], [None], [None, None, None]])
def test_one_choice_no_votes_is_rejected(rule, ballots):
    result = count_one_choice(ballots, OPTIONS, 10, rule)
    assert (result.outcome, result.winner) == (REJECTED, None)


def test_one_choice_no_options_is_rejected():
    result = count_one_choice([None], [], 10, Rule())
    assert result.counts == {}
    assert (result.outcome, result.winner) == (REJECTED, None)


def test_one_choice_quorum():
    rule = Rule(quorum_count=4, quorum_share=Fraction(1, 3))  # of 15: 5 needed
    assert count_one_choice(["Zuid"] * 4, OPTIONS, 15, rule).outcome == NO_QUORUM
    result = count_one_choice(["Zuid"] * 4 + [None], OPTIONS, 15, rule)
    assert (result.quorum_needed, result.outcome, result.winner) == (5, ADOPTED, "Zuid")


@given(election=choice_elections(), rule=rules, eligible=eligibles)
def test_one_choice_below_quorum_is_no_quorum(election, rule, eligible):
    options, ballots = election
    result = count_one_choice(ballots, options, eligible, rule)
    if len(ballots) < reference_quorum(rule, eligible):
        assert (result.outcome, result.winner) == (NO_QUORUM, None)
    else:
        assert result.outcome != NO_QUORUM


@given(election=choice_elections(), rule=rules, eligible=eligibles)
def test_one_choice_outcome_matches_reference_model(election, rule, eligible):
    options, ballots = election
    result = count_one_choice(ballots, options, eligible, rule)
    assert (result.outcome, result.winner) == reference_one_choice(ballots, options, eligible, rule)


@given(election=choice_elections(), rule=rules, eligible=eligibles)
def test_one_choice_winner_is_adopted(election, rule, eligible):
    options, ballots = election
    result = count_one_choice(ballots, options, eligible, rule)
    assert (result.winner is not None) == (result.outcome == ADOPTED)
    if result.winner is not None:
        assert result.counts[result.winner] == max(result.counts.values())
