"""A plain re-implementation of the counting rules, and hypothesis strategies, for the
counting tests (test_counting_*.py): written from the rules as voting/counting.py's
docstring states them, never with the module's private helpers."""

from fractions import Fraction
from itertools import permutations

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
