"""Score: each option gets a mark on a scale (a rapportcijfer 1-10, or 1-5); skipping an
option is abstaining on it. The result gives, per option, the mean, the median and how
many gave each mark; the option with the highest mean comes first."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from django import forms
from django.utils.translation import gettext_lazy as _

from voting import counting
from voting.methods.base import OPTIONS_MAX, BallotError, Tally, VoteMethod, ballot, named_rows
from voting.methods.marks import checked_marks, in_range, posted_marks

SCALE_DEFAULT = (1, 10)
# A scale is read as a row of buttons on a phone: more marks than this is no longer a scale.
SCALE_STEPS_MAX = 11


@dataclass(frozen=True)
class OptionScores:
    given: int  # how many scored this option
    mean: Decimal | None  # to one decimal
    median: Decimal | None
    distribution: list[tuple[int, int]]  # (mark, how many gave it), the whole scale


@dataclass(frozen=True)
class Scores:
    options: dict[str, OptionScores]
    abstain: int  # ballots that scored nothing
    cast: int
    quorum_needed: int
    outcome: str  # ADOPTED (one highest mean), TIE, NOTED (one option, or no marks), NO_QUORUM
    winner: str | None


def _one_decimal(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def count_scores(
    ballots: Sequence[Mapping[str, int]],
    options: Sequence[str],
    scale: tuple[int, int],
    eligible: int,
    rule: counting.Rule,
) -> Scores:
    """Each ballot maps options to marks within `scale` (an option left out: not scored)."""
    low, high = scale
    marks: dict[str, list[int]] = {option: [] for option in options}
    abstain = 0
    for given in ballots:
        if not given:
            abstain += 1
        for option, mark in given.items():
            if option not in marks or not low <= mark <= high:
                raise ValueError(f"not a mark for an option: {option!r}: {mark!r}")
            marks[option].append(mark)
    per_option = {}
    for option, values in marks.items():
        per_option[option] = OptionScores(
            given=len(values),
            mean=_one_decimal(sum(values) / len(values)) if values else None,
            median=_one_decimal(median(values)) if values else None,
            distribution=[(mark, values.count(mark)) for mark in range(low, high + 1)],
        )
    cast = len(ballots)
    needed = counting.quorum_needed(rule, eligible)
    means = {o: s.mean for o, s in per_option.items() if s.mean is not None}
    best = max(means.values(), default=None)
    leaders = [o for o in options if means.get(o) == best] if best is not None else []
    winner = None
    if cast < needed:
        outcome = counting.NO_QUORUM
    elif len(options) < 2 or not leaders:
        outcome = counting.NOTED
    elif len(leaders) > 1:
        outcome = counting.TIE
    else:
        outcome, winner = counting.ADOPTED, leaders[0]
    return Scores(per_option, abstain, cast, needed, outcome, winner)


class Score(VoteMethod):
    key = "score"
    label = _("Score (a mark per option, e.g. 1 to 10)")
    uses_majority = False
    min_options = 1
    max_options = OPTIONS_MAX
    winner_words = _("Highest score: %(winner)s")

    def settings_fields(self) -> dict:
        return {
            "scale_min": forms.IntegerField(
                label=_("Score: lowest mark"),
                help_text=_("Empty: 1."),
                min_value=0,
                max_value=100,
                required=False,
            ),
            "scale_max": forms.IntegerField(
                label=_("Score: highest mark"),
                help_text=_("Empty: 10."),
                min_value=1,
                max_value=100,
                required=False,
            ),
        }

    def clean_settings(self, values: Mapping, options: Sequence[str]) -> dict:
        low = values.get("scale_min")
        high = values.get("scale_max")
        low = SCALE_DEFAULT[0] if low is None else low
        high = SCALE_DEFAULT[1] if high is None else high
        if not (
            type(low) is int
            and type(high) is int
            and 0 <= low < high <= 100
            and high - low < SCALE_STEPS_MAX
        ):
            raise BallotError(
                _("A scale runs from a low mark to a higher one, with at most %(max)s marks.")
                % {"max": SCALE_STEPS_MAX}
            )
        return {"scale_min": low, "scale_max": high}

    def scale(self, settings: Mapping | None) -> tuple[int, int]:
        settings = settings or {}
        return (
            int(settings.get("scale_min", SCALE_DEFAULT[0])),
            int(settings.get("scale_max", SCALE_DEFAULT[1])),
        )

    def ballot_context(self, vote, options: Sequence) -> dict:
        low, high = self.scale(vote.settings)
        return {"marks": range(low, high + 1), "scale_min": low, "scale_max": high}

    def parse(self, data: Mapping, vote) -> dict:
        return self.clean({"marks": posted_marks(data, vote.options.all(), "score_")}, vote)

    def clean(self, value: Mapping, vote) -> dict:
        low, high = self.scale(vote.settings)
        marks = checked_marks(
            value.get("marks") or {},
            vote,
            in_range(low, high),
            str(
                _("Give each option a mark from %(low)s to %(high)s, or none.")
                % {
                    "low": low,
                    "high": high,
                }
            ),
        )
        return ballot("" if marks else counting.ABSTAIN, marks=marks)

    def count(self, ballots, options, eligible, rule, settings=None) -> Tally:
        counted = count_scores(
            [b["marks"] for b in ballots],
            [str(o.pk) for o in options],
            self.scale(settings),
            eligible,
            rule,
        )
        labels = {str(o.pk): o.label for o in options}
        fields = {
            # Per option: [label, how many scored it, mean, median, [[mark, how many], ...]].
            "scores": [
                [
                    labels[pk],
                    s.given,
                    None if s.mean is None else str(s.mean),
                    None if s.median is None else str(s.median),
                    [list(pair) for pair in s.distribution],
                ]
                for pk, s in counted.options.items()
            ],
            "counts": [[counting.ABSTAIN, counted.abstain]],
            "winner": labels.get(counted.winner) if counted.winner else None,
        }
        return Tally(fields, counted.cast, counted.quorum_needed, counted.outcome)

    def shown(self, value: Mapping, labels: Mapping[int, str]) -> str:
        marks = value.get("marks") or {}
        return ", ".join(f"{labels[int(pk)]}: {mark}" for pk, mark in marks.items()) or (
            counting.ABSTAIN
        )

    def chart(self, result: Mapping) -> list[tuple[str, float, str]]:
        return [
            (label, float(mean or 0), mean or "—")
            for label, _given, mean, _median, _dist in result.get("scores") or []
        ]

    def chart_scale(self, settings: Mapping | None) -> float | None:
        return float(self.scale(settings)[1])

    def csv_rows(self, result: Mapping, shares) -> list[list]:
        rows: list[list] = []
        for label, given, mean, middle, distribution in result.get("scores") or []:
            rows.append(["score", label, given, mean or "", middle or ""])
            rows += [["marks", label, mark, n] for mark, n in distribution]
        rows += [["count", label, n] for label, n in result.get("counts") or []]
        return rows + named_rows(result)
