"""Ranked choice, counted with the Schulze method (voting/counting.py)."""

from collections.abc import Mapping, Sequence

from django.utils.translation import gettext_lazy as _

from panels.pages import int_or_none
from voting import counting
from voting.methods.base import OPTIONS_MAX, BallotError, Tally, VoteMethod, ballot, option_ids


class Ranked(VoteMethod):
    key = "ranked"
    label = _("Ranked choice (Schulze)")
    min_options = 2
    max_options = OPTIONS_MAX
    # Schulze compares rankings pair by pair: no share of anything decides.
    share_basis = None

    def ballot_context(self, vote, options: Sequence) -> dict:
        return {"positions": range(1, len(options) + 1)}

    def parse(self, data: Mapping, vote) -> dict:
        ranks = []
        options = list(vote.options.all())
        for option in options:
            position = int_or_none(data.get(f"rank_{option.pk}"))
            if position is not None and position > 0:
                # Equal places: the option listed first on the ballot comes first.
                ranks.append((position, option.position, option.pk))
        ranking = [pk for _p, _o, pk in sorted(ranks)]
        return self._checked(ranking, {o.pk for o in options})

    def clean(self, value: Mapping, vote) -> dict:
        return self._checked(value.get("ranking") or [], option_ids(vote))

    def _checked(self, ranking, known: set[int]) -> dict:
        if (
            not isinstance(ranking, list | tuple)
            or not all(isinstance(x, int) for x in ranking)
            or len(set(ranking)) != len(ranking)
            or not set(ranking) <= known
        ):
            raise BallotError(_("Rank each option at most once."))
        # Ranking nothing is an abstention.
        return ballot("" if ranking else counting.ABSTAIN, ranking=ranking)

    def count(
        self,
        ballots: list[dict],
        options: Sequence,
        eligible: int,
        rule: counting.Rule,
        settings: Mapping | None = None,
    ) -> Tally:
        counted = counting.count_ranked(
            [[str(x) for x in b["ranking"]] for b in ballots],
            [str(o.pk) for o in options],
            eligible,
            rule,
        )
        labels = {str(o.pk): o.label for o in options}
        fields = {
            "ranking": [labels[x] for x in counted.ranking],
            "tied_at_top": [labels[x] for x in counted.tied_at_top],
            "winner": labels.get(counted.winner) if counted.winner else None,
            "counts": [[counting.ABSTAIN, counted.abstain]],
        }
        return Tally(fields, counted.cast, counted.quorum_needed, counted.outcome)
