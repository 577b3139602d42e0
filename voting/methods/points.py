"""Points (dot voting): divide a budget of points over the options, e.g. to put maintenance
works in order. The result gives each option's total and how many gave it points; a ballot
that gives more than the budget is refused."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from voting import counting
from voting.methods.base import (
    OPTIONS_MAX,
    BallotError,
    Tally,
    VoteMethod,
    ballot,
    named_rows,
    share_text,
)
from voting.methods.marks import checked_marks, in_range, posted_marks

BUDGET_DEFAULT = 10
BUDGET_MAX = 1000


@dataclass(frozen=True)
class Points:
    totals: dict[str, int]  # option -> points given, in ballot order
    supporters: dict[str, int]  # option -> how many gave it any points
    abstain: int  # ballots that gave no points
    cast: int
    quorum_needed: int
    outcome: str  # ADOPTED (one option has most points), TIE, NOTED (no points), NO_QUORUM
    winner: str | None


def count_points(
    ballots: Sequence[Mapping[str, int]],
    options: Sequence[str],
    budget: int,
    eligible: int,
    rule: counting.Rule,
) -> Points:
    """Each ballot maps options to the points given them (together at most `budget`)."""
    totals = {option: 0 for option in options}
    supporters = {option: 0 for option in options}
    abstain = 0
    for given in ballots:
        if sum(given.values()) > budget or any(p < 0 for p in given.values()):
            raise ValueError(f"a ballot outside the budget of {budget}: {given!r}")
        if not any(given.values()):
            abstain += 1
        for option, points in given.items():
            if option not in totals:
                raise ValueError(f"not an option: {option!r}")
            totals[option] += points
            supporters[option] += 1 if points else 0
    cast = len(ballots)
    needed = counting.quorum_needed(rule, eligible)
    best = max(totals.values(), default=0)
    leaders = [option for option in options if totals[option] == best]
    winner = None
    if cast < needed:
        outcome = counting.NO_QUORUM
    elif best == 0:
        outcome = counting.NOTED
    elif len(leaders) > 1:
        outcome = counting.TIE
    else:
        outcome, winner = counting.ADOPTED, leaders[0]
    return Points(totals, supporters, abstain, cast, needed, outcome, winner)


class PointsMethod(VoteMethod):
    key = "points"
    label = _("Points (divide points over the options)")
    uses_majority = False
    min_options = 2
    max_options = OPTIONS_MAX
    winner_words = _("Most points: %(winner)s")

    def settings_fields(self) -> dict:
        return {
            "budget": forms.IntegerField(
                label=_("Points: how many points each member divides"),
                help_text=_("Empty: %(points)s.") % {"points": BUDGET_DEFAULT},
                min_value=1,
                max_value=BUDGET_MAX,
                required=False,
            )
        }

    def clean_settings(self, values: Mapping, options: Sequence[str]) -> dict:
        budget = values.get("budget")
        budget = BUDGET_DEFAULT if budget is None else budget
        if type(budget) is not int or not 1 <= budget <= BUDGET_MAX:
            raise BallotError(
                _("Each member divides between 1 and %(max)s points.") % {"max": BUDGET_MAX}
            )
        return {"budget": budget}

    def budget(self, settings: Mapping | None) -> int:
        return int((settings or {}).get("budget") or BUDGET_DEFAULT)

    def ballot_context(self, vote, options: Sequence) -> dict:
        return {"budget": self.budget(vote.settings)}

    def parse(self, data: Mapping, vote) -> dict:
        return self.clean({"marks": posted_marks(data, vote.options.all(), "points_")}, vote)

    def clean(self, value: Mapping, vote) -> dict:
        budget = self.budget(vote.settings)
        marks = checked_marks(
            value.get("marks") or {},
            vote,
            in_range(0, budget),
            str(
                _("Give each option a whole number of points, from 0 to %(max)s.") % {"max": budget}
            ),
        )
        given = sum(marks.values())
        if given > budget:
            raise BallotError(
                _(
                    "You gave %(given)s points, but you have %(budget)s to divide. "
                    "Take some away and cast your vote again."
                )
                % {"given": given, "budget": budget}
            )
        marks = {pk: points for pk, points in marks.items() if points}
        return ballot("" if marks else counting.ABSTAIN, marks=marks)

    def count(self, ballots, options, eligible, rule, settings=None) -> Tally:
        counted = count_points(
            [b["marks"] for b in ballots],
            [str(o.pk) for o in options],
            self.budget(settings),
            eligible,
            rule,
        )
        labels = {str(o.pk): o.label for o in options}
        fields = {
            # Per option: [label, points, how many gave it points].
            "points": [
                [labels[pk], total, counted.supporters[pk]] for pk, total in counted.totals.items()
            ],
            "counts": [[counting.ABSTAIN, counted.abstain]],
            "winner": labels.get(counted.winner) if counted.winner else None,
        }
        return Tally(fields, counted.cast, counted.quorum_needed, counted.outcome)

    def shown(self, value: Mapping, labels: Mapping[int, str]) -> str:
        marks = value.get("marks") or {}
        return ", ".join(f"{labels[int(pk)]}: {n}" for pk, n in marks.items()) or (counting.ABSTAIN)

    def chart(self, result: Mapping) -> list[tuple[str, float, str]]:
        given = sum(total for _label, total, _people in result.get("points") or [])
        return [
            (label, total, share_text(total, given))
            for label, total, _people in result.get("points") or []
        ]

    def csv_rows(self, result: Mapping, shares) -> list[list]:
        rows: list[list] = [
            ["points", label, total, people] for label, total, people in result.get("points") or []
        ]
        rows += [["count", label, n] for label, n in result.get("counts") or []]
        return rows + named_rows(result)
