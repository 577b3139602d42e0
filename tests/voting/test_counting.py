"""The pure vote-counting module: yes/no, one choice, and ranked ballots (Schulze).

Property tests compare each result with a plain re-implementation written here, from the
rules as the module's docstring states them (never with the module's private helpers).
Published worked examples pin the Schulze count down.
"""

from fractions import Fraction
from itertools import permutations

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

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
    TIE,
    Rule,
    count_one_choice,
    count_ranked,
    count_yes_no,
    majority_base,
    pairwise_preferences,
    quorum_needed,
    quorum_reached,
    strongest_paths,
)

# --- a plain reference model ----------------------------------------------------------


def reference_quorum(rule: Rule, eligible: int) -> int:
    """max(count, ceil(share * eligible)), with integer arithmetic only."""
    by_count = rule.quorum_count or 0
    by_share = 0
    if rule.quorum_share is not None:
        share = Fraction(rule.quorum_share)
        # ceil(n / d) == -(-n // d) for integers
        by_share = -(-(share.numerator * eligible) // share.denominator)
    return max(by_count, by_share)


def reference_passes(support: int, against: int, abstain: int, rule: Rule) -> bool:
    if rule.majority == SIMPLE:
        return support > against
    base = support + against
    if rule.abstentions_count:
        base += abstain
    if base == 0:
        return False
    if rule.majority == ABSOLUTE:
        # more than half of the base
        return support * 2 > base
    # QUALIFIED: at least the fraction of the base, and at least one vote for
    if support == 0:
        return False
    return Fraction(support, base) >= rule.fraction


def reference_yes_no(ballots: list[str], eligible: int, rule: Rule) -> str:
    if len(ballots) < reference_quorum(rule, eligible):
        return NO_QUORUM
    support, against, abstain = (ballots.count(c) for c in (FOR, AGAINST, ABSTAIN))
    return ADOPTED if reference_passes(support, against, abstain, rule) else REJECTED


def reference_one_choice(
    ballots: list[str | None], options: list[str], eligible: int, rule: Rule
) -> tuple[str, str | None]:
    if len(ballots) < reference_quorum(rule, eligible):
        return NO_QUORUM, None
    votes = {option: ballots.count(option) for option in options}
    best = max(votes.values(), default=0)
    if best == 0:
        return REJECTED, None
    leaders = [option for option in options if votes[option] == best]
    if len(leaders) > 1:
        return TIE, None
    if rule.majority == SIMPLE:  # plurality: the most votes wins
        return ADOPTED, leaders[0]
    others = sum(votes.values()) - best
    if reference_passes(best, others, ballots.count(None), rule):
        return ADOPTED, leaders[0]
    return REJECTED, None


def reference_pairwise(ballots, options) -> dict[tuple[str, str], int]:
    """d[a, b]: voters ranking a above b; a ranked option is above every unranked one."""
    d = {}
    for a in options:
        for b in options:
            if a == b:
                continue
            n = 0
            for ranking in ballots:
                if a in ranking and (b not in ranking or ranking.index(a) < ranking.index(b)):
                    n += 1
            d[a, b] = n
    return d


def reference_strongest(d, options) -> dict[tuple[str, str], int]:
    """Strongest path strengths by enumerating every simple path (fine for <= 6 options).

    A link a -> b exists when d[a, b] > d[b, a]; its strength is d[a, b] (winning votes).
    """

    def link(a, b):
        return d[a, b] if d[a, b] > d[b, a] else 0

    p = {}
    for a in options:
        for b in options:
            if a == b:
                continue
            middle = [o for o in options if o not in (a, b)]
            best = 0
            for k in range(len(middle) + 1):
                for via in permutations(middle, k):
                    path = [a, *via, b]
                    best = max(best, min(link(x, y) for x, y in zip(path, path[1:])))
            p[a, b] = best
    return p


def schulze_unbeaten(p, options) -> list[str]:
    """The Schulze winners: options no other option beats by strongest path."""
    return [a for a in options if not any(p[b, a] > p[a, b] for b in options if b != a)]


def condorcet_winner(d, options) -> str | None:
    for a in options:
        if all(d[a, b] > d[b, a] for b in options if b != a):
            return a
    return None


def expand(groups: list[tuple[int, str]]) -> list[list[str]]:
    """[(5, "ACB")] -> five ballots ranking A, C, B."""
    return [list(order) for n, order in groups for _ in range(n)]


# --- strategies ------------------------------------------------------------------------

fractions = st.fractions(min_value=Fraction(1, 12), max_value=1, max_denominator=12)

rules = st.builds(
    Rule,
    majority=st.sampled_from([SIMPLE, ABSOLUTE, QUALIFIED]),
    fraction=fractions,
    abstentions_count=st.booleans(),
    quorum_count=st.none() | st.integers(min_value=0, max_value=40),
    quorum_share=st.none() | st.fractions(min_value=0, max_value=1, max_denominator=12),
)
no_quorum_rules = st.builds(
    Rule,
    majority=st.sampled_from([SIMPLE, ABSOLUTE, QUALIFIED]),
    fraction=fractions,
    abstentions_count=st.booleans(),
)
eligibles = st.integers(min_value=0, max_value=60)
yes_no_ballots = st.lists(st.sampled_from([FOR, AGAINST, ABSTAIN]), max_size=40)

POOL = ["Noord", "Zuid", "Oost", "West", "Midden", "Haven"]


@st.composite
def choice_elections(draw, max_options: int = 5):
    options = draw(st.permutations(POOL))[: draw(st.integers(0, max_options))]
    ballots = draw(st.lists(st.none() | st.sampled_from(options or [None]), max_size=30))
    return options, ballots


@st.composite
def ranked_elections(draw, min_options: int = 1, max_options: int = 5, max_ballots: int = 12):
    options = draw(st.permutations(POOL))[: draw(st.integers(min_options, max_options))]
    ballot = st.permutations(options).flatmap(
        lambda order: st.integers(0, len(order)).map(lambda k: list(order[:k]))
    )
    return options, draw(st.lists(ballot, max_size=max_ballots))


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


# --- Schulze: published examples -------------------------------------------------------

# https://en.wikipedia.org/wiki/Schulze_method#Example (also Schulze 2011, example 1)
WIKIPEDIA_45 = [
    (5, "ACBED"),
    (5, "ADECB"),
    (8, "BEDAC"),
    (3, "CABED"),
    (7, "CAEBD"),
    (2, "CBADE"),
    (7, "DCEBA"),
    (8, "EBADC"),
]


def matrix(values: str, options: str) -> dict[tuple[str, str], int]:
    rows = [row.split() for row in values.strip().splitlines()]
    return {
        (a, b): int(rows[i][j])
        for i, a in enumerate(options)
        for j, b in enumerate(options)
        if a != b
    }


def test_schulze_wikipedia_example():
    options = list("ABCDE")
    result = count_ranked(expand(WIKIPEDIA_45), options, 45, Rule())
    assert result.ranking == list("EACBD")
    assert result.winner == "E"
    assert result.outcome == ADOPTED
    assert result.tied_at_top == []
    assert (result.cast, result.abstain, result.eligible) == (45, 0, 45)
    assert result.pairwise == matrix(
        """
        -  20 26 30 22
        25 -  16 33 18
        19 29 -  17 24
        15 12 28 -  14
        23 27 21 31 -
        """,
        "ABCDE",
    )
    assert result.strongest == matrix(
        """
        -  28 28 30 24
        25 -  28 33 24
        25 29 -  29 24
        25 28 28 -  24
        25 28 28 31 -
        """,
        "ABCDE",
    )


def test_schulze_wikipedia_example_does_not_depend_on_ballot_order_of_options():
    # no ties, so the order the options are listed in changes nothing
    result = count_ranked(expand(WIKIPEDIA_45), list("DBECA"), 45, Rule())
    assert result.ranking == list("EACBD")


def test_schulze_paper_example_2():
    """Schulze (2011), example 2: 30 voters, 4 candidates; D > A > C > B."""
    ballots = expand(
        [
            (5, "ACBD"),
            (2, "ACDB"),
            (3, "ADCB"),
            (4, "BACD"),
            (3, "CBDA"),
            (3, "CDBA"),
            (1, "DACB"),
            (5, "DBAC"),
            (4, "DCBA"),
        ]
    )
    result = count_ranked(ballots, list("ABCD"), 30, Rule())
    assert result.pairwise == matrix(
        """
        -  11 20 14
        19 -  9  12
        10 21 -  17
        16 18 13 -
        """,
        "ABCD",
    )
    assert result.strongest == matrix(
        """
        -  20 20 17
        19 -  19 17
        19 21 -  17
        18 18 18 -
        """,
        "ABCD",
    )
    assert result.ranking == list("DACB")
    assert result.winner == "D"
    assert result.tied_at_top == []


def test_schulze_tennessee_capital_has_condorcet_ranking():
    """The classic Tennessee capital example: Nashville is the Condorcet winner."""
    ballots = expand(
        [
            (42, ["Memphis", "Nashville", "Chattanooga", "Knoxville"]),
            (26, ["Nashville", "Chattanooga", "Knoxville", "Memphis"]),
            (15, ["Chattanooga", "Knoxville", "Nashville", "Memphis"]),
            (17, ["Knoxville", "Chattanooga", "Nashville", "Memphis"]),
        ]
    )
    options = ["Memphis", "Nashville", "Chattanooga", "Knoxville"]
    result = count_ranked(ballots, options, 100, Rule())
    assert result.ranking == ["Nashville", "Chattanooga", "Knoxville", "Memphis"]
    assert result.pairwise["Nashville", "Memphis"] == 58
    assert result.pairwise["Chattanooga", "Knoxville"] == 83


def test_schulze_condorcet_cycle_with_unequal_strengths():
    """Rock-paper-scissors: A > B (6:3), B > C (7:2), C > A (5:4); the weakest link,
    C > A, is the one dropped, so A wins: A, B, C."""
    ballots = expand([(4, "ABC"), (3, "BCA"), (2, "CAB")])
    result = count_ranked(ballots, list("CBA"), 9, Rule())
    assert result.pairwise["A", "B"] == 6
    assert result.pairwise["B", "C"] == 7
    assert result.pairwise["C", "A"] == 5
    assert result.strongest == {
        ("A", "B"): 6,
        ("A", "C"): 6,
        ("B", "A"): 5,
        ("B", "C"): 7,
        ("C", "A"): 5,
        ("C", "B"): 5,
    }
    assert result.ranking == list("ABC")
    assert result.tied_at_top == []


# --- Schulze: ties and determinism -----------------------------------------------------


@pytest.mark.parametrize("options", [list("ABC"), list("CAB"), list("BCA")])
def test_schulze_perfect_cycle_is_broken_by_ballot_order(options):
    ballots = expand([(1, "ABC"), (1, "BCA"), (1, "CAB")])
    result = count_ranked(ballots, options, 3, Rule())
    assert set(result.strongest.values()) == {2}  # every path is equally strong
    assert result.ranking == options
    assert result.winner == options[0]
    assert result.tied_at_top == options
    assert result.outcome == ADOPTED


@given(options=st.permutations(POOL), n=st.integers(0, 8))
def test_schulze_all_empty_ballots(options, n):
    result = count_ranked([[] for _ in range(n)], options, 10, Rule())
    assert result.ranking == options
    assert result.tied_at_top == options
    assert (result.cast, result.abstain) == (n, n)
    assert set(result.pairwise.values()) == {0}
    assert (result.outcome, result.winner) == (REJECTED, None)


def test_schulze_no_options():
    result = count_ranked([[], []], [], 5, Rule())
    assert result.ranking == []
    assert result.tied_at_top == []
    assert (result.outcome, result.winner) == (REJECTED, None)


def test_schulze_single_option():
    result = count_ranked([["A"], []], ["A"], 5, Rule())
    assert result.ranking == ["A"]
    assert result.tied_at_top == []
    assert (result.outcome, result.winner, result.cast, result.abstain) == (ADOPTED, "A", 2, 1)


@settings(deadline=None)
@given(election=ranked_elections())
def test_schulze_is_deterministic(election):
    options, ballots = election
    first = count_ranked(ballots, options, 10, Rule())
    again = count_ranked([list(b) for b in ballots], list(options), 10, Rule())
    assert first == again


@settings(deadline=None)
@given(election=ranked_elections(), data=st.data())
def test_schulze_ballot_order_does_not_matter(election, data):
    options, ballots = election
    shuffled = data.draw(st.permutations(ballots))
    assert count_ranked(shuffled, options, 10, Rule()) == count_ranked(ballots, options, 10, Rule())


# --- Schulze: partial and invalid rankings ---------------------------------------------


def test_schulze_partial_ranking_puts_unranked_below_ranked():
    result = count_ranked([["C"]], list("ABCD"), 1, Rule())
    assert result.pairwise["C", "A"] == 1
    assert result.pairwise["A", "C"] == 0
    assert result.pairwise["A", "B"] == result.pairwise["B", "A"] == 0  # unranked: equal
    assert result.ranking == ["C", "A", "B", "D"]
    assert result.winner == "C"


@settings(deadline=None)
@given(election=ranked_elections(min_options=1), copies=st.integers(1, 5), data=st.data())
def test_schulze_unanimous_partial_ranking(election, copies, data):
    """Every voter ranks the same options in the same order: that order comes first, the
    unranked options follow in ballot order."""
    options, _ = election
    order = data.draw(st.permutations(options))
    ranking = list(order[: data.draw(st.integers(1, len(options)))])
    result = count_ranked([ranking] * copies, options, 10, Rule())
    assert result.ranking == ranking + [o for o in options if o not in ranking]
    assert result.winner == ranking[0]


@pytest.mark.parametrize(
    "bad", [["A", "A"], ["A", "B", "A"], ["Z"], ["A", "Z"], ["a"], ["A", "B", "C", "D"]]
)
def test_schulze_invalid_ranking_raises(bad):
    with pytest.raises(ValueError):
        count_ranked([["A", "B"], bad], list("ABC"), 5, Rule())
    with pytest.raises(ValueError):
        pairwise_preferences([bad], list("ABC"))


def test_schulze_empty_ranking_is_an_abstention():
    ballots = [["B", "A"], [], ["B"], []]
    result = count_ranked(ballots, list("AB"), 10, Rule())
    assert (result.cast, result.abstain) == (4, 2)
    assert result.pairwise == {("A", "B"): 0, ("B", "A"): 2}
    assert result.ranking == ["B", "A"]


@settings(deadline=None)
@given(election=ranked_elections(), blanks=st.integers(1, 5), data=st.data())
def test_schulze_abstentions_change_only_cast_and_abstain(election, blanks, data):
    options, ballots = election
    with_blanks = data.draw(st.permutations(ballots + [[] for _ in range(blanks)]))
    before = count_ranked(ballots, options, 10, Rule())
    after = count_ranked(with_blanks, options, 10, Rule())
    assert after.cast == before.cast + blanks == len(with_blanks)
    assert after.abstain == before.abstain + blanks
    assert after.pairwise == before.pairwise
    assert after.strongest == before.strongest
    assert after.ranking == before.ranking


# --- Schulze: properties ---------------------------------------------------------------


@settings(deadline=None)
@given(election=ranked_elections(min_options=0))
def test_schulze_ranking_is_a_permutation_of_the_options(election):
    options, ballots = election
    result = count_ranked(ballots, options, 10, Rule())
    assert sorted(result.ranking) == sorted(options)
    assert len(result.ranking) == len(options)
    assert set(result.tied_at_top) <= set(options)
    assert len(result.tied_at_top) != 1


@settings(deadline=None)
@given(election=ranked_elections())
def test_schulze_cast_and_abstain(election):
    options, ballots = election
    result = count_ranked(ballots, options, 10, Rule())
    assert result.cast == len(ballots)
    assert result.abstain == sum(1 for b in ballots if not b)


@settings(deadline=None)
@given(election=ranked_elections())
def test_schulze_pairwise_matches_reference(election):
    options, ballots = election
    result = count_ranked(ballots, options, 10, Rule())
    assert result.pairwise == reference_pairwise(ballots, options)
    voters = sum(1 for b in ballots if b)
    for a in options:
        for b in options:
            if a != b:
                assert result.pairwise[a, b] + result.pairwise[b, a] <= voters


@settings(deadline=None)
@given(election=ranked_elections(max_options=6))
def test_schulze_strongest_paths_match_brute_force(election):
    options, ballots = election
    d = reference_pairwise(ballots, options)
    assert strongest_paths(d, options) == reference_strongest(d, options)
    assert count_ranked(ballots, options, 10, Rule()).strongest == reference_strongest(d, options)


@settings(deadline=None)
@given(election=ranked_elections(max_options=6))
def test_schulze_beats_relation_is_transitive(election):
    """Schulze's theorem: p[a, b] > p[b, a] and p[b, c] > p[c, b] imply p[a, c] > p[c, a]."""
    options, ballots = election
    p = count_ranked(ballots, options, 10, Rule()).strongest
    for a in options:
        for b in options:
            for c in options:
                if len({a, b, c}) == 3 and p[a, b] > p[b, a] and p[b, c] > p[c, b]:
                    assert p[a, c] > p[c, a]


@settings(deadline=None)
@given(election=ranked_elections(max_options=6))
def test_schulze_ranking_respects_strongest_paths(election):
    """Whoever beats another by strongest path comes before it; the winner is unbeaten."""
    options, ballots = election
    result = count_ranked(ballots, options, 10, Rule())
    p = result.strongest
    position = {option: i for i, option in enumerate(result.ranking)}
    for a in options:
        for b in options:
            if a != b and p[a, b] > p[b, a]:
                assert position[a] < position[b]
    assert result.ranking[0] in schulze_unbeaten(p, options)


@settings(deadline=None)
@given(election=ranked_elections(max_options=6))
def test_schulze_ranks_a_condorcet_winner_first(election):
    options, ballots = election
    result = count_ranked(ballots, options, 10, Rule())
    winner = condorcet_winner(result.pairwise, options)
    if winner is not None:
        assert result.ranking[0] == winner
        assert result.tied_at_top == []
        if any(ballots):
            assert result.winner == winner


@settings(deadline=None)
@given(election=ranked_elections(min_options=2, max_options=6), data=st.data())
def test_schulze_constructed_condorcet_winner_wins(election, data):
    """Add more ballots with W first than there were ballots: W beats everyone."""
    options, ballots = election
    favourite = data.draw(st.sampled_from(options))
    extra = []
    for _ in range(len(ballots) + 1):
        rest = data.draw(st.permutations([o for o in options if o != favourite]))
        extra.append([favourite, *rest[: data.draw(st.integers(0, len(rest)))]])
    all_ballots = data.draw(st.permutations(ballots + extra))
    result = count_ranked(all_ballots, options, 10, Rule())
    assert condorcet_winner(result.pairwise, options) == favourite
    assert result.ranking[0] == result.winner == favourite
    assert result.tied_at_top == []


# --- Schulze: quorum -------------------------------------------------------------------


def test_schulze_quorum_counts_abstentions():
    rule = Rule(quorum_count=3)
    result = count_ranked([["A", "B"], []], list("AB"), 10, rule)
    assert (result.quorum_needed, result.outcome, result.winner) == (3, NO_QUORUM, None)
    result = count_ranked([["A", "B"], [], []], list("AB"), 10, rule)
    assert (result.outcome, result.winner) == (ADOPTED, "A")


@settings(deadline=None)
@given(election=ranked_elections(min_options=0), rule=rules, eligible=eligibles)
def test_schulze_outcome_and_quorum(election, rule, eligible):
    options, ballots = election
    result = count_ranked(ballots, options, eligible, rule)
    assert result.quorum_needed == reference_quorum(rule, eligible)
    assert result.eligible == eligible
    if len(ballots) < reference_quorum(rule, eligible):
        assert (result.outcome, result.winner) == (NO_QUORUM, None)
    elif not options or not any(ballots):
        assert (result.outcome, result.winner) == (REJECTED, None)
    else:
        assert (result.outcome, result.winner) == (ADOPTED, result.ranking[0])


# --- Schulze: ties between unbeaten options (known bug) --------------------------------

TIE_BUG = (
    "BUG: count_ranked (voting/counting.py, the `wins`/`ranking`/`tied` lines) orders "
    "options by how many others they beat, not by the Schulze relation; two options "
    "that neither beats (p[a,b] == p[b,a]) are Schulze-tied for first, but the one that "
    "beats more third options wins outright, ignoring the documented ballot-order "
    "tie-break, and tied_at_top stays empty"
)


def test_schulze_unbeaten_options_tie_and_ballot_order_decides():
    """Two voters: C A B and B C A. C beats A 2:0; B:C and A:B are 1:1.

    No option beats B or C by strongest path (p[B,C] == p[C,B] == 0), so B and C are both
    Schulze winners, tied; the first listed on the ballot, B, should win, then C (which
    beats A), then A. The module ranks C, B, A with no tie reported.
    """
    result = count_ranked([list("CAB"), list("BCA")], list("ABC"), 2, Rule())
    p = result.strongest
    assert p["B", "C"] == p["C", "B"] == 0
    assert schulze_unbeaten(p, list("ABC")) == ["B", "C"]
    assert result.tied_at_top == ["B", "C"]
    assert result.winner == "B"
    assert result.ranking == ["B", "C", "A"]


@settings(deadline=None)
@given(election=ranked_elections())
@example(election=(list("ABC"), [list("CAB"), list("BCA")]))
@example(election=(list("ABCD"), [list("AB"), list("CDBA")]))
def test_schulze_winner_is_first_listed_unbeaten_option(election):
    options, ballots = election
    result = count_ranked(ballots, options, 10, Rule())
    unbeaten = schulze_unbeaten(result.strongest, options)
    assert result.ranking[0] == unbeaten[0]
    assert result.tied_at_top == (unbeaten if len(unbeaten) > 1 else [])
