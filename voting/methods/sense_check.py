"""Sense check: a quick, non-binding reading during a discussion (positive, unsure,
negative, with an optional remark). It never decides anything and needs no quorum."""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from voting import counting
from voting.methods.base import BallotError, Tally, VoteMethod, ballot, remark_of, share_text

UP, UNSURE, DOWN = "up", "unsure", "down"
ANSWERS = (UP, UNSURE, DOWN)


@dataclass(frozen=True)
class Reading:
    counts: dict[str, int]
    cast: int
    remarks: list[tuple[str, str]]  # (answer, remark), sorted: no order of casting shows


def count_sense(ballots: Sequence[tuple[str, str]]) -> Reading:
    counts = Counter({answer: 0 for answer in ANSWERS})
    remarks = []
    for answer, remark in ballots:
        if answer not in counts:
            raise ValueError(f"not a sense-check answer: {answer!r}")
        counts[answer] += 1
        if remark:
            remarks.append((answer, remark))
    return Reading(dict(counts), len(ballots), sorted(remarks))


class SenseCheck(VoteMethod):
    key = "sense_check"
    label = _("Sense check (a quick reading, decides nothing)")
    uses_majority = False
    can_be_weighted = False
    takes_quorum = False
    words = {UP: _("👍 Positive"), UNSURE: _("🤔 Unsure"), DOWN: _("👎 Negative")}

    def hand_answers(self, vote, options: Sequence) -> list[tuple[str, str]]:
        return [(answer, str(self.words[answer])) for answer in ANSWERS]

    def hand_ballot(self, key: str) -> dict:
        return {"choice": key}

    def parse(self, data: Mapping, vote) -> dict:
        return self.clean({"choice": data.get("choice"), "remark": remark_of(data)}, vote)

    def clean(self, value: Mapping, vote) -> dict:
        answer = value.get("choice")
        if not isinstance(answer, str) or answer not in ANSWERS:
            raise BallotError(_("Choose positive, unsure or negative."))
        return ballot(answer, remark=remark_of({"remark": value.get("remark")}))

    def count(self, ballots: list[dict], options: Sequence, eligible, rule, settings=None) -> Tally:
        counted = count_sense([(b["choice"], b["remark"]) for b in ballots])
        fields = {
            "counts": [[answer, counted.counts[answer]] for answer in ANSWERS],
            "remarks": [list(pair) for pair in counted.remarks],
            "winner": None,
        }
        return Tally(fields, counted.cast, 0, counting.NOTED)

    def chart(self, result: Mapping) -> list[tuple[str, float, str]]:
        cast = result.get("cast") or 0
        return [(str(self.words[a]), n, share_text(n, cast)) for a, n in result.get("counts") or []]
