"""Multiple choice: tick up to k of the options (approval counting); the option ticked most
comes first. k is the moderator's setting, at most the number of options."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from voting import counting
from voting.methods.base import (
    OPTIONS_MAX,
    BallotError,
    Tally,
    VoteMethod,
    ballot,
    share_text,
)
from voting.methods.marks import checked_marks, in_range


@dataclass(frozen=True)
class Approvals:
    counts: dict[str, int]  # option -> how many ticked it, in ballot order
    abstain: int  # ballots that ticked nothing
    cast: int
    quorum_needed: int
    outcome: str  # ADOPTED (one option ticked most), TIE, NOTED (nothing ticked), NO_QUORUM
    winner: str | None


def count_approvals(
    ballots: Sequence[Sequence[str]], options: Sequence[str], eligible: int, rule: counting.Rule
) -> Approvals:
    """Each ballot is the options it ticked (none: an abstention)."""
    counts = {option: 0 for option in options}
    abstain = 0
    for ticked in ballots:
        if not ticked:
            abstain += 1
        for option in set(ticked):
            if option not in counts:
                raise ValueError(f"not an option: {option!r}")
            counts[option] += 1
    cast = len(ballots)
    needed = counting.quorum_needed(rule, eligible)
    best = max(counts.values(), default=0)
    leaders = [option for option in options if counts[option] == best]
    winner = None
    if cast < needed:
        outcome = counting.NO_QUORUM
    elif best == 0:
        outcome = counting.NOTED
    elif len(leaders) > 1:
        outcome = counting.TIE
    else:
        outcome, winner = counting.ADOPTED, leaders[0]
    return Approvals(counts, abstain, cast, needed, outcome, winner)


class MultipleChoice(VoteMethod):
    key = "multiple_choice"
    label = _("Multiple choice (tick up to a number of options)")
    uses_majority = False
    min_options = 2
    max_options = OPTIONS_MAX
    winner_words = _("Chosen most: %(winner)s")

    def settings_fields(self) -> dict:
        return {
            "max_choices": forms.IntegerField(
                label=_("Multiple choice: how many options one may tick at most"),
                help_text=_("Empty: as many as there are options."),
                min_value=1,
                max_value=OPTIONS_MAX,
                required=False,
            )
        }

    def clean_settings(self, values: Mapping, options: Sequence[str]) -> dict:
        chosen = values.get("max_choices")
        if chosen is None:
            return {"max_choices": len(options)}
        if type(chosen) is not int or not 1 <= chosen <= len(options):
            raise BallotError(
                _("One may tick between 1 and %(count)s options (there are that many).")
                % {"count": len(options)}
            )
        return {"max_choices": chosen}

    def ballot_context(self, vote, options: Sequence) -> dict:
        return {"max_choices": self._max(vote, len(options))}

    def _max(self, vote, options: int) -> int:
        return int((vote.settings or {}).get("max_choices") or options)

    def parse(self, data: Mapping, vote) -> dict:
        ticked = data.getlist("option") if hasattr(data, "getlist") else data.get("option", [])
        return self.clean({"marks": {value: 1 for value in ticked}}, vote)

    def clean(self, value: Mapping, vote) -> dict:
        marks = checked_marks(
            value.get("marks") or {}, vote, in_range(1, 1), str(_("Tick the options you choose."))
        )
        limit = self._max(vote, vote.options.count())
        if len(marks) > limit:
            raise BallotError(
                ngettext(
                    "Tick at most %(max)s option; you ticked %(count)s.",
                    "Tick at most %(max)s options; you ticked %(count)s.",
                    limit,
                )
                % {"max": limit, "count": len(marks)}
            )
        return ballot("" if marks else counting.ABSTAIN, marks=marks)

    def count(self, ballots, options, eligible, rule, settings=None) -> Tally:
        counted = count_approvals(
            [list(b["marks"]) for b in ballots], [str(o.pk) for o in options], eligible, rule
        )
        labels = {str(o.pk): o.label for o in options}
        fields = {
            "counts": [[labels[pk], n] for pk, n in counted.counts.items()]
            + [[counting.ABSTAIN, counted.abstain]],
            "winner": labels.get(counted.winner) if counted.winner else None,
        }
        return Tally(fields, counted.cast, counted.quorum_needed, counted.outcome)

    def shown(self, value: Mapping, labels: Mapping[int, str]) -> str:
        ticked = [labels[int(pk)] for pk in value.get("marks") or {}]
        return " + ".join(ticked) or counting.ABSTAIN

    def chart(self, result: Mapping) -> list[tuple[str, float, str]]:
        cast = result.get("cast") or 0
        # The abstentions come last (an option may itself be called "abstain").
        return [(label, n, share_text(n, cast)) for label, n in (result.get("counts") or [])[:-1]]
