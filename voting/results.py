"""A vote's result: the ballots counted by the vote's method under its rule, the outcome in
words, the hash the audit log keeps, and the counts as shown (page, live fragment, big
screen, CSV), each with its percentage of the votes the rule weighed.

"More for than against" leaves abstentions out, so "For 66.7 %" of all ballots, abstentions
included, was not the figure that decided. The base is `counting.majority_base`, the number
the rule itself measures against. It is worked out when the result is shown, from the
stored counts and the vote's rule (frozen once the vote opened), so results stored before
this existed read the same way and need no migration.
"""

import hashlib
import json
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from panels import sealing
from voting import counting, methods
from voting.methods import ALL_CAST, FOR_AGAINST, OPTIONS, Share, Shares
from voting.methods.base import counting_outcome_label, stored
from voting.models import Ballot, BallotBox, RoomCount, Vote

# What the percentages are of (the template words each; the CSV writes the code); each
# method says which of them its result has (VoteMethod.share_basis).
__all__ = [
    "ALL_CAST",
    "FOR_AGAINST",
    "OPTIONS",
    "Share",
    "Shares",
    "audit_result",
    "ballots",
    "outcome_label",
    "result_sha256",
    "rule_of",
    "shares",
    "shown_ballot",
    "tally",
]


def outcome_label(code: str | None) -> str:
    """A result's outcome in words (results store the code)."""
    return counting_outcome_label(code)


def rule_of(vote: Vote) -> counting.Rule:
    return counting.Rule(
        majority=vote.majority,
        fraction=Fraction(vote.qualified_numerator, vote.qualified_denominator),
        abstentions_count=vote.abstentions_count,
        quorum_count=vote.quorum_count,
        quorum_share=Fraction(vote.quorum_percent, 100) if vote.quorum_percent else None,
    )


def ballots(vote: Vote) -> list[dict]:
    """What was voted, ballot by ballot, as the vote's method cleaned it (voting/casting.py):
    a named vote's in the order of its ballots' random ids, a secret vote's in sorted order
    (as its box keeps it)."""
    if vote.secret:
        return [stored(b) for b in sealing.read(BallotBox, vote.pk).get("ballots", [])]
    return [stored(b) for b in vote.ballots.values(*BALLOT_FIELDS)]


BALLOT_FIELDS = ("choice", "option_id", "ranking", "marks", "remark")


def shown_ballot(vote: Vote, ballot: Ballot, labels: dict[int, str] | None = None) -> str:
    """A named ballot as its vote's method words it (option labels, a code such as "for")."""
    if labels is None:
        labels = dict(vote.options.values_list("pk", "label"))
    return vote.vote_method.shown(stored({f: getattr(ballot, f) for f in BALLOT_FIELDS}), labels)


def room_part(vote: Vote) -> tuple[list[dict], dict | None]:
    """The ballots the room's count stands for (one per hand or paper ballot), and how the
    result describes that part; none if there is no count, or one still to be confirmed."""
    room = RoomCount.objects.filter(vote=vote).first() if vote.counted_in_room else None
    if room is None:
        return [], None
    method = vote.vote_method
    room.vote = vote
    confirmed = room.counts_now
    options = list(vote.options.all())
    labels = {str(o.pk): o.label for o in options}
    keys = [key for key, _words in method.hand_answers(vote, options)]
    part = {
        "cast": room.taking_part,
        "how": room.how,
        # As a result's counts are: an option by its label, an answer by its code.
        "counts": [[labels.get(key, key), room.counts.get(key, 0)] for key in keys],
        "counted": confirmed,
    }
    if not confirmed:
        return [], part
    # One ballot per hand, each the same checked ballot for its answer (counting reads them).
    made = []
    for key, number in room.counts.items():
        made += [stored(method.clean(method.hand_ballot(key), vote))] * number
    return made, part


def tally(vote: Vote, eligible: int) -> dict:
    """Count the ballots (with the room's count, if any): a plain dict, stored as the
    result and shown as it is."""
    method = vote.vote_method
    options = list(vote.options.all())
    from_room, room = room_part(vote)
    counted = method.count(
        ballots(vote) + from_room, options, eligible, rule_of(vote), vote.settings
    )
    result = (
        {"method": vote.method, "secret": vote.secret}
        | counted.fields
        | {
            "cast": counted.cast,
            "eligible": eligible,
            "quorum_needed": counted.quorum_needed,
            "outcome": counted.outcome,
        }
    )
    if room is not None:
        result["room"] = room
    labels = {o.pk: o.label for o in options}

    def shown(ballot: Ballot) -> list:
        """[what was voted, and the remark written with it if any]."""
        return [shown_ballot(vote, ballot, labels), *([ballot.remark] if ballot.remark else [])]

    if vote.secret:
        # That each receipt's ballot is in the count; never what it was.
        result["receipts"] = sorted(sealing.read(BallotBox, vote.pk).get("receipts", []))
    else:
        # [name, choice, membership id]: the id lets erasure find the row to pseudonymise,
        # and the audit log binds ids and choices (not names, which erasure changes).
        named = vote.ballots.select_related("participation__on_behalf_of__user")
        # [name, choice, membership id] or, with a remark (an objection's reason), [name,
        # choice, membership id, remark].
        result["named"] = sorted(
            [b.participation.on_behalf_of.user.name, shown(b)[0], b.participation.on_behalf_of_id]
            + shown(b)[1:]
            for b in named
        )
    return result


# Never copied into the audit log: who voted what (named) and the receipts (secret).
_PER_BALLOT = ("named", "receipts")


def result_sha256(result: dict) -> str:
    """The hash of the published result that the audit log keeps. A named vote's rows
    count as (membership id, choice): who voted what is bound, and stays checkable after
    an erased member's name in the result has become a pseudonym."""
    bound = result | (
        {"named": sorted([row[2], row[1], *row[3:]] for row in result["named"])}
        if "named" in result
        else {}
    )
    published = json.dumps(bound, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(published.encode()).hexdigest()


def audit_result(result: dict) -> dict:
    """What the audit log records when a vote closes: the counts and the outcome, and a
    hash of the whole published result (so the per-ballot lists are bound, not copied)."""
    summary = {key: value for key, value in result.items() if key not in _PER_BALLOT}
    return summary | {"result_sha256": result_sha256(result)}


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
