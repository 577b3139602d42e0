"""Counting a yes/no vote (voting/counting.py): the quorum, the simple, absolute and
qualified majorities, and the base a result's percentages are of.

Property tests compare each result with the plain re-implementation in
counting_reference.py.
"""

from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.voting.counting_reference import (
    choice_elections,
    eligibles,
    fractions,
    no_quorum_rules,
    reference_quorum,
    reference_yes_no,
    rules,
    yes_no_ballots,
)
from voting.counting import (
    ABSOLUTE,
    ABSTAIN,
    ADOPTED,
    AGAINST,
    FOR,
    NO_QUORUM,
    QUALIFIED,
    REJECTED,
    SIMPLE,
    Rule,
    count_one_choice,
    count_yes_no,
    majority_base,
    quorum_needed,
    quorum_reached,
)

# --- quorum ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "eligible", "needed"),
    [
        (Rule(), 30, 0),
        (Rule(quorum_count=0), 30, 0),
        (Rule(quorum_count=7), 30, 7),
        (Rule(quorum_count=7), 0, 7),
        (Rule(quorum_share=Fraction(1, 2)), 10, 5),  # exactly half: no rounding
        (Rule(quorum_share=Fraction(1, 2)), 11, 6),  # 5.5 rounds up
        (Rule(quorum_share=Fraction(1, 3)), 10, 4),  # 3.33 rounds up
        (Rule(quorum_share=Fraction(2, 3)), 9, 6),
        (Rule(quorum_share=Fraction(1)), 13, 13),
        (Rule(quorum_share=Fraction(0)), 13, 0),
        (Rule(quorum_share=Fraction(1, 2)), 0, 0),
        (Rule(quorum_count=3, quorum_share=Fraction(1, 2)), 10, 5),  # share is larger
        (Rule(quorum_count=8, quorum_share=Fraction(1, 2)), 10, 8),  # count is larger
    ],
)
def test_quorum_needed_examples(rule, eligible, needed):
    assert quorum_needed(rule, eligible) == needed
    assert quorum_reached(rule, eligible, needed)
    if needed:
        assert not quorum_reached(rule, eligible, needed - 1)


@given(rule=rules, eligible=eligibles)
def test_quorum_needed_is_max_of_count_and_share(rule, eligible):
    assert quorum_needed(rule, eligible) == reference_quorum(rule, eligible)


@given(rule=rules, eligible=eligibles, cast=st.integers(0, 80))
def test_quorum_reached_iff_cast_reaches_needed(rule, eligible, cast):
    assert quorum_reached(rule, eligible, cast) == (cast >= reference_quorum(rule, eligible))


# --- yes / no --------------------------------------------------------------------------


@given(ballots=yes_no_ballots, eligible=eligibles, rule=rules)
def test_yes_no_totals_equal_ballots(ballots, eligible, rule):
    result = count_yes_no(ballots, eligible, rule)
    assert result.counts == {c: ballots.count(c) for c in (FOR, AGAINST, ABSTAIN)}
    assert sum(result.counts.values()) == len(ballots)
    assert result.cast == len(ballots)
    assert result.eligible == eligible
    assert result.quorum_needed == reference_quorum(rule, eligible)


def test_yes_no_accepts_any_iterable():
    result = count_yes_no(iter([FOR, FOR, AGAINST, ABSTAIN]), 10, Rule())
    assert result.counts == {FOR: 2, AGAINST: 1, ABSTAIN: 1}
    assert result.cast == 4
    assert result.outcome == ADOPTED


def test_yes_no_no_ballots_is_rejected():
    result = count_yes_no([], 10, Rule())
    assert result.counts == {FOR: 0, AGAINST: 0, ABSTAIN: 0}
    assert result.cast == 0
    assert result.outcome == REJECTED


@pytest.mark.parametrize("bad", ["yes", "For", "for ", "", "tegen", None, 1])
def test_yes_no_invalid_choice_raises(bad):
    with pytest.raises(ValueError):
        count_yes_no([FOR, bad, AGAINST], 10, Rule())


@given(ballots=yes_no_ballots)
def test_simple_majority_adopted_iff_more_for_than_against(ballots):
    result = count_yes_no(ballots, 0, Rule(majority=SIMPLE))
    adopted = ballots.count(FOR) > ballots.count(AGAINST)
    assert result.outcome == (ADOPTED if adopted else REJECTED)


@pytest.mark.parametrize(
    ("support", "against", "abstain", "outcome"),
    [
        (1, 0, 0, ADOPTED),
        (3, 2, 10, ADOPTED),  # abstentions do not matter for a simple majority
        (2, 2, 0, REJECTED),  # a tie is not a majority
        (0, 0, 5, REJECTED),
        (0, 0, 0, REJECTED),
        (2, 3, 0, REJECTED),
    ],
)
def test_simple_majority_examples(support, against, abstain, outcome):
    ballots = [FOR] * support + [AGAINST] * against + [ABSTAIN] * abstain
    assert count_yes_no(ballots, 20, Rule(majority=SIMPLE)).outcome == outcome


@given(ballots=yes_no_ballots, abstentions_count=st.booleans())
def test_absolute_majority_more_than_half_of_the_base(ballots, abstentions_count):
    rule = Rule(majority=ABSOLUTE, abstentions_count=abstentions_count)
    support, against, abstain = (ballots.count(c) for c in (FOR, AGAINST, ABSTAIN))
    base = support + against + (abstain if abstentions_count else 0)
    adopted = base > 0 and 2 * support > base
    assert count_yes_no(ballots, 0, rule).outcome == (ADOPTED if adopted else REJECTED)


@pytest.mark.parametrize(
    ("support", "against", "abstain", "abstentions_count", "outcome"),
    [
        (5, 4, 2, False, ADOPTED),  # 5 of 9
        (5, 4, 2, True, REJECTED),  # 5 of 11 is not more than half
        (6, 3, 2, True, ADOPTED),  # 6 of 11
        (3, 3, 0, False, REJECTED),  # exactly half is not more than half
        (3, 2, 1, True, REJECTED),  # 3 of 6: exactly half
        (0, 0, 4, True, REJECTED),
        (0, 0, 4, False, REJECTED),  # empty base
        (1, 0, 0, False, ADOPTED),
    ],
)
def test_absolute_majority_examples(support, against, abstain, abstentions_count, outcome):
    ballots = [ABSTAIN] * abstain + [AGAINST] * against + [FOR] * support
    rule = Rule(majority=ABSOLUTE, abstentions_count=abstentions_count)
    assert count_yes_no(ballots, 20, rule).outcome == outcome


@given(ballots=yes_no_ballots, fraction=fractions, abstentions_count=st.booleans())
def test_qualified_majority_at_least_the_fraction(ballots, fraction, abstentions_count):
    rule = Rule(majority=QUALIFIED, fraction=fraction, abstentions_count=abstentions_count)
    support, against, abstain = (ballots.count(c) for c in (FOR, AGAINST, ABSTAIN))
    base = support + against + (abstain if abstentions_count else 0)
    adopted = support > 0 and support * fraction.denominator >= fraction.numerator * base
    assert count_yes_no(ballots, 0, rule).outcome == (ADOPTED if adopted else REJECTED)


@pytest.mark.parametrize(
    ("fraction", "support", "against", "abstain", "abstentions_count", "outcome"),
    [
        (Fraction(2, 3), 2, 1, 0, False, ADOPTED),  # exactly two thirds is enough
        (Fraction(2, 3), 20, 10, 0, False, ADOPTED),
        (Fraction(2, 3), 3, 2, 0, False, REJECTED),  # 60 %
        (Fraction(2, 3), 19, 10, 0, False, REJECTED),  # 65.5 %
        (Fraction(2, 3), 4, 1, 1, True, ADOPTED),  # 4 of 6
        (Fraction(2, 3), 4, 1, 2, True, REJECTED),  # 4 of 7
        (Fraction(2, 3), 4, 1, 2, False, ADOPTED),  # 4 of 5
        (Fraction(3, 4), 3, 1, 0, False, ADOPTED),
        (Fraction(3, 4), 5, 2, 0, False, REJECTED),  # 71 %
        (Fraction(1, 2), 2, 2, 0, False, ADOPTED),  # "at least half", unlike absolute
        (Fraction(1), 5, 0, 0, False, ADOPTED),  # unanimity
        (Fraction(1), 5, 0, 1, True, REJECTED),
        (Fraction(1), 5, 0, 1, False, ADOPTED),
        (Fraction(2, 3), 0, 0, 0, False, REJECTED),  # no votes at all
        (Fraction(1, 100), 0, 3, 0, False, REJECTED),  # nobody for: never adopted
    ],
)
def test_qualified_majority_examples(
    fraction, support, against, abstain, abstentions_count, outcome
):
    ballots = [FOR] * support + [AGAINST] * against + [ABSTAIN] * abstain
    rule = Rule(majority=QUALIFIED, fraction=fraction, abstentions_count=abstentions_count)
    assert count_yes_no(ballots, 40, rule).outcome == outcome


def test_qualified_majority_default_fraction_is_two_thirds():
    assert Rule().fraction == Fraction(2, 3)
    rule = Rule(majority=QUALIFIED)
    assert count_yes_no([FOR, FOR, AGAINST], 3, rule).outcome == ADOPTED
    assert count_yes_no([FOR, FOR, AGAINST, AGAINST], 4, rule).outcome == REJECTED


@pytest.mark.parametrize(
    ("rule", "eligible", "ballots", "outcome"),
    [
        # by count: exactly the quorum counts
        (Rule(quorum_count=3), 10, [FOR, FOR, AGAINST], ADOPTED),
        (Rule(quorum_count=3), 10, [FOR, FOR], NO_QUORUM),
        # abstentions count towards the quorum
        (Rule(quorum_count=3), 10, [FOR, ABSTAIN, ABSTAIN], ADOPTED),
        # by share: half of 9 is 4.5, so 5 ballots are needed
        (Rule(quorum_share=Fraction(1, 2)), 9, [FOR] * 4, NO_QUORUM),
        (Rule(quorum_share=Fraction(1, 2)), 9, [FOR] * 4 + [AGAINST], ADOPTED),
        # both: the stricter one applies
        (Rule(quorum_count=6, quorum_share=Fraction(1, 2)), 9, [FOR] * 5, NO_QUORUM),
        (Rule(quorum_count=2, quorum_share=Fraction(1, 2)), 9, [FOR] * 4, NO_QUORUM),
        (Rule(quorum_count=2, quorum_share=Fraction(1, 2)), 9, [FOR] * 5, ADOPTED),
        # quorum reached but no majority
        (Rule(quorum_count=2), 9, [AGAINST, AGAINST], REJECTED),
    ],
)
def test_yes_no_quorum_examples(rule, eligible, ballots, outcome):
    result = count_yes_no(ballots, eligible, rule)
    assert result.outcome == outcome
    assert result.quorum_needed == reference_quorum(rule, eligible)


@given(ballots=yes_no_ballots, rule=rules, eligible=eligibles)
def test_yes_no_below_quorum_is_no_quorum_whatever_the_votes(ballots, rule, eligible):
    result = count_yes_no(ballots, eligible, rule)
    if len(ballots) < reference_quorum(rule, eligible):
        assert result.outcome == NO_QUORUM
    else:
        assert result.outcome in (ADOPTED, REJECTED)


@given(rule=rules, eligible=eligibles)
def test_unanimous_yes_below_quorum_is_still_no_quorum(rule, eligible):
    needed = reference_quorum(rule, eligible)
    if needed == 0:
        return
    result = count_yes_no([FOR] * (needed - 1), eligible, rule)
    assert result.outcome == NO_QUORUM
    assert count_yes_no([FOR] * needed, eligible, rule).outcome == ADOPTED


@given(ballots=yes_no_ballots, rule=rules, eligible=eligibles)
def test_yes_no_outcome_matches_reference_model(ballots, rule, eligible):
    assert count_yes_no(ballots, eligible, rule).outcome == reference_yes_no(
        ballots, eligible, rule
    )


@given(ballots=yes_no_ballots, rule=rules, eligible=eligibles, data=st.data())
def test_yes_no_ballot_order_does_not_matter(ballots, rule, eligible, data):
    shuffled = data.draw(st.permutations(ballots))
    assert count_yes_no(shuffled, eligible, rule) == count_yes_no(ballots, eligible, rule)


# --- the base a result's percentages are of (voting/results.py) ------------------------


def meets_the_rule(share: Fraction, rule: Rule) -> bool:
    """The rule, read as a percentage of its base: what a reader of the result checks."""
    if rule.majority == QUALIFIED:
        return share >= rule.fraction
    return share > Fraction(1, 2)  # simple: more for than against; absolute: more than half


@given(ballots=yes_no_ballots, rule=no_quorum_rules)
def test_yes_no_adopted_iff_the_share_shown_meets_the_rule(ballots, rule):
    support, against, abstain = (ballots.count(c) for c in (FOR, AGAINST, ABSTAIN))
    base = majority_base(support + against, abstain, rule)
    counted_abstentions = rule.majority != SIMPLE and rule.abstentions_count
    assert base == support + against + (abstain if counted_abstentions else 0)

    adopted = count_yes_no(ballots, 0, rule).outcome == ADOPTED

    assert adopted == (base > 0 and meets_the_rule(Fraction(support, base), rule))


@given(election=choice_elections(), rule=no_quorum_rules)
def test_one_choice_winner_iff_its_share_shown_meets_the_rule(election, rule):
    options, ballots = election
    result = count_one_choice(ballots, options, 0, rule)
    assume(result.outcome in (ADOPTED, REJECTED) and rule.majority != SIMPLE)
    best = max(result.counts.values(), default=0)
    base = majority_base(sum(result.counts.values()), result.abstain, rule)

    assert (result.outcome == ADOPTED) == (best > 0 and meets_the_rule(Fraction(best, base), rule))
