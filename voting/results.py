"""A closed vote's counts as shown (page, live fragment, big screen, CSV): each with its
percentage of the votes the rule weighed.

"More for than against" leaves abstentions out, so "For 66.7 %" of all ballots, abstentions
included, was not the figure that decided. The base is `counting.majority_base`, the number
the rule itself measures against. It is worked out when the result is shown, from the
stored counts and the vote's rule (frozen once the vote opened), so results stored before
this existed read the same way and need no migration.
"""

from decimal import ROUND_HALF_UP, Decimal

from voting import counting, methods
from voting.methods import ALL_CAST, FOR_AGAINST, OPTIONS, Share, Shares
from voting.models import Vote
from voting.votes import rule_of

# What the percentages are of (the template words each; the CSV writes the code); each
# method says which of them its result has (VoteMethod.share_basis).
__all__ = ["ALL_CAST", "FOR_AGAINST", "OPTIONS", "Share", "Shares", "shares"]


def _percent(count: int, base: int) -> Decimal:
    # Rounded once, here, so the page and the CSV show the same digits.
    return (Decimal(100 * count) / base).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def shares(vote: Vote) -> Shares:
    counts = [(str(label), int(count)) for label, count in (vote.result or {}).get("counts") or []]
    method = methods.find(vote.method)
    valid_votes = method.share_basis if method is not None else None
    if valid_votes is None or not counts:
        # E.g. Schulze compares rankings pair by pair: no share of anything decides.
        return Shares("", 0, [Share(label, count, None) for label, count in counts])
    # A method with shares lists the abstentions last (an option may be called "abstain").
    *valid, (abstain_label, abstain) = counts
    rule = rule_of(vote)
    base = counting.majority_base(sum(count for _label, count in valid), abstain, rule)
    in_base = counting.abstentions_in_base(rule)
    basis = ALL_CAST if in_base else valid_votes

    def share(label: str, count: int, counted: bool = True) -> Share:
        return Share(label, count, _percent(count, base) if counted and base else None)

    rows = [share(label, count) for label, count in valid]
    return Shares(basis, base, [*rows, share(abstain_label, abstain, counted=in_base)])
