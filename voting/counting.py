"""Counting votes: pure functions, no database.

Rules follow what tenant associations' statutes usually say:

- **simple majority** (gewone meerderheid): more votes for than against;
- **absolute majority** (volstrekte meerderheid): more than half of the valid votes cast
  (abstentions counted in that total or not, as configured);
- **qualified majority** (gekwalificeerde meerderheid): at least a fraction (two thirds by
  default) of the valid votes cast;
- **quorum**: at least a number or a share of the eligible voters cast a ballot
  (abstentions included); otherwise the result is "quorum not reached", whatever the votes.

Ranked ballots are counted with the Schulze method. Ties in the final ranking are broken
by the options' order on the ballot (the option listed first wins a tie), which the ballot
shows, so the outcome is deterministic and explainable.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import ceil

FOR, AGAINST, ABSTAIN = "for", "against", "abstain"
CHOICES = (FOR, AGAINST, ABSTAIN)

SIMPLE, ABSOLUTE, QUALIFIED = "simple", "absolute", "qualified"

ADOPTED, REJECTED, NO_QUORUM, TIE = "adopted", "rejected", "no_quorum", "tie"
# A question that decides nothing (a temperature check): its answers are noted.
NOTED = "noted"


@dataclass(frozen=True)
class Rule:
    majority: str = SIMPLE
    fraction: Fraction = Fraction(2, 3)  # for QUALIFIED
    abstentions_count: bool = False  # for ABSOLUTE and QUALIFIED: abstentions in the base
    quorum_count: int | None = None
    quorum_share: Fraction | None = None  # of the eligible voters


def quorum_needed(rule: Rule, eligible: int) -> int:
    """How many ballots must be cast for the result to count."""
    needed = 0
    if rule.quorum_count:
        needed = max(needed, rule.quorum_count)
    if rule.quorum_share:
        needed = max(needed, ceil(rule.quorum_share * eligible))
    return needed


def quorum_reached(rule: Rule, eligible: int, cast: int) -> bool:
    return cast >= quorum_needed(rule, eligible)


def abstentions_in_base(rule: Rule) -> bool:
    """Whether abstentions are among the votes the rule weighs ("more for than against"
    never counts them; an absolute or qualified majority does if configured)."""
    return rule.majority != SIMPLE and rule.abstentions_count


def majority_base(valid: int, abstain: int, rule: Rule) -> int:
    """The votes a majority is measured against: the valid votes (for and against, or for
    any option) and, if the rule counts them, the abstentions. A result's percentages are
    of this number, so the figure shown is the one that decided."""
    return valid + (abstain if abstentions_in_base(rule) else 0)


def _passes(support: int, against: int, abstain: int, rule: Rule) -> bool:
    if rule.majority == SIMPLE:
        return support > against  # i.e. more than half of majority_base
    base = majority_base(support + against, abstain, rule)
    if base == 0:
        return False
    if rule.majority == ABSOLUTE:
        return 2 * support > base
    if rule.majority == QUALIFIED:
        return support > 0 and support * rule.fraction.denominator >= rule.fraction.numerator * base
    raise ValueError(f"unknown majority rule {rule.majority!r}")


@dataclass(frozen=True)
class YesNoResult:
    counts: dict[str, int]
    cast: int
    eligible: int
    quorum_needed: int
    outcome: str  # ADOPTED, REJECTED or NO_QUORUM


def count_yes_no(ballots: Iterable[str], eligible: int, rule: Rule) -> YesNoResult:
    counts = Counter({FOR: 0, AGAINST: 0, ABSTAIN: 0})
    for ballot in ballots:
        if ballot not in counts:
            raise ValueError(f"not a valid choice: {ballot!r}")
        counts[ballot] += 1
    cast = sum(counts.values())
    needed = quorum_needed(rule, eligible)
    if cast < needed:
        outcome = NO_QUORUM
    elif _passes(counts[FOR], counts[AGAINST], counts[ABSTAIN], rule):
        outcome = ADOPTED
    else:
        outcome = REJECTED
    return YesNoResult(dict(counts), cast, eligible, needed, outcome)


@dataclass(frozen=True)
class ChoiceResult:
    counts: dict[str, int]  # option -> votes, in ballot order
    abstain: int
    cast: int
    eligible: int
    quorum_needed: int
    outcome: str  # ADOPTED (a winner), TIE, REJECTED (no majority) or NO_QUORUM
    winner: str | None


def count_one_choice(
    ballots: Iterable[str | None], options: Sequence[str], eligible: int, rule: Rule
) -> ChoiceResult:
    """One choice among options; None is an abstention.

    Simple majority: the option with the most votes wins, a tie for first place decides
    nothing. Absolute/qualified: the leading option must reach that share of valid votes.
    """
    counts = {option: 0 for option in options}
    abstain = 0
    for ballot in ballots:
        if ballot is None:
            abstain += 1
        elif ballot in counts:
            counts[ballot] += 1
        else:
            raise ValueError(f"not an option: {ballot!r}")
    cast = sum(counts.values()) + abstain
    needed = quorum_needed(rule, eligible)
    ordered = sorted(options, key=lambda o: -counts[o])
    winner = None
    if cast < needed:
        outcome = NO_QUORUM
    elif not options or counts[ordered[0]] == 0:
        outcome = REJECTED
    elif len(ordered) > 1 and counts[ordered[0]] == counts[ordered[1]]:
        outcome = TIE
    else:
        best = counts[ordered[0]]
        others = sum(counts.values()) - best
        passes = rule.majority == SIMPLE or _passes(best, others, abstain, rule)
        outcome = ADOPTED if passes else REJECTED
        winner = ordered[0] if passes else None
    return ChoiceResult(counts, abstain, cast, eligible, needed, outcome, winner)


# --- Schulze -------------------------------------------------------------------------


@dataclass(frozen=True)
class RankedResult:
    ranking: list[str]  # best first; ties broken by ballot order
    pairwise: dict[tuple[str, str], int]  # d[a, b]: voters preferring a over b
    strongest: dict[tuple[str, str], int]  # p[a, b]: strength of the strongest path
    cast: int
    abstain: int
    eligible: int
    quorum_needed: int
    outcome: str  # ADOPTED or NO_QUORUM (or REJECTED with no options)
    winner: str | None
    tied_at_top: list[str] = field(default_factory=list)  # options that tied before tie-break


def pairwise_preferences(
    ballots: Iterable[Sequence[str]], options: Sequence[str]
) -> dict[tuple[str, str], int]:
    """d[a, b]: how many voters rank a above b. Unranked options come last, equal."""
    d = {(a, b): 0 for a in options for b in options if a != b}
    known = set(options)
    for ranking in ballots:
        if len(set(ranking)) != len(ranking) or not set(ranking) <= known:
            raise ValueError(f"not a valid ranking: {ranking!r}")
        position = {option: index for index, option in enumerate(ranking)}
        last = len(ranking)
        for a in options:
            for b in options:
                if a != b and position.get(a, last) < position.get(b, last):
                    d[a, b] += 1
    return d


def strongest_paths(
    d: dict[tuple[str, str], int], options: Sequence[str]
) -> dict[tuple[str, str], int]:
    """The Schulze widest paths (Floyd–Warshall with max-min)."""
    p = {}
    for a in options:
        for b in options:
            if a != b:
                p[a, b] = d[a, b] if d[a, b] > d[b, a] else 0
    for k in options:
        for a in options:
            if a == k:
                continue
            for b in options:
                if b in (a, k):
                    continue
                p[a, b] = max(p[a, b], min(p[a, k], p[k, b]))
    return p


def count_ranked(
    ballots: Iterable[Sequence[str]], options: Sequence[str], eligible: int, rule: Rule
) -> RankedResult:
    """Rank options with Schulze; an empty ranking is an abstention."""
    ballots = list(ballots)
    abstain = sum(1 for b in ballots if not b)
    ranked = [b for b in ballots if b]
    cast = len(ballots)
    d = pairwise_preferences(ranked, options)
    p = strongest_paths(d, options)

    def unbeaten(among: list[str]) -> list[str]:
        """The options no other option among these beats by strongest path (ballot order)."""
        return [a for a in among if not any(p[b, a] > p[a, b] for b in among if b != a)]

    # Schulze's winners are the unbeaten options; rank by picking, each time, the first
    # listed unbeaten option among those left.
    remaining, ranking = list(options), []
    while remaining:
        best = unbeaten(remaining)[0]
        ranking.append(best)
        remaining.remove(best)
    needed = quorum_needed(rule, eligible)
    tied = unbeaten(list(options))
    if cast < needed:
        outcome, winner = NO_QUORUM, None
    elif not options or not ranked:
        outcome, winner = REJECTED, None
    else:
        outcome, winner = ADOPTED, ranking[0]
    return RankedResult(
        ranking=ranking,
        pairwise=d,
        strongest=p,
        cast=cast,
        abstain=abstain,
        eligible=eligible,
        quorum_needed=needed,
        outcome=outcome,
        winner=winner,
        tied_at_top=tied if len(tied) > 1 else [],
    )
