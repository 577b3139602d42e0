"""One choice among the options the moderator gave (or abstain)."""

from collections.abc import Mapping, Sequence

from django.utils.translation import gettext_lazy as _

from panels.pages import int_or_none
from voting import counting
from voting.methods.base import (
    OPTIONS,
    OPTIONS_MAX,
    BallotError,
    Tally,
    VoteMethod,
    ballot,
    option_ids,
)


class OneChoice(VoteMethod):
    key = "one_choice"
    label = _("One choice among options")
    min_options = 2
    max_options = OPTIONS_MAX
    share_basis = OPTIONS

    def parse(self, data: Mapping, vote) -> dict:
        # Abstaining is one of the options' radio buttons (a single group).
        option = data.get("option")
        choice = data.get("choice") or (option if option == counting.ABSTAIN else None)
        return self.clean({"choice": choice, "option_id": int_or_none(option)}, vote)

    def clean(self, value: Mapping, vote) -> dict:
        option_id = value.get("option_id")
        if option_id is None and value.get("choice") == counting.ABSTAIN:
            return ballot(counting.ABSTAIN)
        if not isinstance(option_id, int) or option_id not in option_ids(vote):
            raise BallotError(_("Choose one of the options."))
        return ballot(option_id=option_id)

    def hand_answers(self, vote, options: Sequence) -> list[tuple[str, str]]:
        return [(str(o.pk), o.label) for o in options] + [
            (counting.ABSTAIN, str(self.words[counting.ABSTAIN]))
        ]

    def hand_ballot(self, key: str) -> dict:
        if key == counting.ABSTAIN:
            return {"choice": counting.ABSTAIN}
        return {"option_id": int(key)}

    def count(
        self,
        ballots: list[dict],
        options: Sequence,
        eligible: int,
        rule: counting.Rule,
        settings: Mapping | None = None,
    ) -> Tally:
        counted = counting.count_one_choice(
            [str(b["option_id"]) if b["option_id"] else None for b in ballots],
            [str(o.pk) for o in options],
            eligible,
            rule,
        )
        fields = {
            # The abstentions last: voting/results.py reads them from there.
            "counts": [[o.label, counted.counts[str(o.pk)]] for o in options]
            + [[counting.ABSTAIN, counted.abstain]],
            "winner": next((o.label for o in options if str(o.pk) == counted.winner), None),
        }
        return Tally(fields, counted.cast, counted.quorum_needed, counted.outcome)
