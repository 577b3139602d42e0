"""For, against or abstain: the method that decides proposals and amendments."""

from collections.abc import Mapping, Sequence

from django.utils.translation import gettext_lazy as _

from voting import counting
from voting.methods.base import FOR_AGAINST, BallotError, Tally, VoteMethod, ballot


class YesNo(VoteMethod):
    key = "yes_no"
    label = _("For / against / abstain")
    decides_subjects = True
    share_basis = FOR_AGAINST
    words = {
        counting.FOR: _("For"),
        counting.AGAINST: _("Against"),
        counting.ABSTAIN: _("Abstain"),
    }

    def parse(self, data: Mapping, vote) -> dict:
        # An abstention may also come as the "option" radio button some ballots use.
        option = data.get("option")
        choice = data.get("choice") or (option if option == counting.ABSTAIN else None)
        return self.clean({"choice": choice}, vote)

    def clean(self, value: Mapping, vote) -> dict:
        choice = value.get("choice")
        if not isinstance(choice, str) or choice not in counting.CHOICES:
            raise BallotError(_("Choose for, against or abstain."))
        return ballot(choice)

    def hand_answers(self, vote, options: Sequence) -> list[tuple[str, str]]:
        return [(code, str(self.words[code])) for code in counting.CHOICES]

    def hand_ballot(self, key: str) -> dict:
        return {"choice": key}

    def count(
        self,
        ballots: list[dict],
        options: Sequence,
        eligible: int,
        rule: counting.Rule,
        settings: Mapping | None = None,
    ) -> Tally:
        counted = counting.count_yes_no([b["choice"] for b in ballots], eligible, rule)
        # Pairs, not a dict: PostgreSQL's jsonb does not keep the order of keys.
        counts = [[code, counted.counts[code]] for code in counting.CHOICES]
        return Tally(
            {"counts": counts, "winner": None},
            counted.cast,
            counted.quorum_needed,
            counted.outcome,
        )
