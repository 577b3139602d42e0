"""Consent (geen overwegend bezwaar): consent, consent with a concern, or an objection with
its reason. A proposal is adopted only when nobody objects; the objections and concerns are
listed with their reasons, for the moderator to address (the proposal can then be amended
and asked again).

Named by nature: an objection is addressed with the person who raised it, so a consent
round cannot be secret.
"""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from voting import counting
from voting.methods.base import BallotError, Tally, VoteMethod, ballot, remark_of

CONSENT, CONCERN, OBJECTION = "consent", "concern", "objection"
ANSWERS = (CONSENT, CONCERN, OBJECTION)


@dataclass(frozen=True)
class ConsentResult:
    counts: dict[str, int]
    cast: int
    quorum_needed: int
    outcome: str  # ADOPTED (no objection), REJECTED (an objection, or nobody answered), NO_QUORUM
    remarks: list[tuple[str, str]]  # (answer, reason): objections first, then concerns


def count_consent(
    ballots: Sequence[tuple[str, str]], eligible: int, rule: counting.Rule
) -> ConsentResult:
    """Each ballot is (answer, reason); an objection always has a reason."""
    counts = Counter({answer: 0 for answer in ANSWERS})
    remarks = []
    for answer, reason in ballots:
        if answer not in counts or (answer == OBJECTION and not reason):
            raise ValueError(f"not a consent answer: {answer!r}, {reason!r}")
        counts[answer] += 1
        if reason and answer != CONSENT:
            remarks.append((answer, reason))
    cast = len(ballots)
    needed = counting.quorum_needed(rule, eligible)
    if cast < needed:
        outcome = counting.NO_QUORUM
    elif counts[OBJECTION] or not cast:
        outcome = counting.REJECTED
    else:
        outcome = counting.ADOPTED
    remarks.sort(key=lambda pair: (ANSWERS.index(pair[0]) * -1, pair[1]))
    return ConsentResult(dict(counts), cast, needed, outcome, remarks)


class Consent(VoteMethod):
    key = "consent"
    label = _("Consent (adopted unless someone objects)")
    uses_majority = False
    can_be_secret = False
    decides_subjects = True
    words = {
        CONSENT: _("Consent"),
        CONCERN: _("Consent, with a concern"),
        OBJECTION: _("Objection"),
    }

    def parse(self, data: Mapping, vote) -> dict:
        return self.clean({"choice": data.get("choice"), "remark": remark_of(data)}, vote)

    def clean(self, value: Mapping, vote) -> dict:
        answer = value.get("choice")
        reason = value.get("remark")
        if not isinstance(answer, str) or answer not in ANSWERS:
            raise BallotError(_("Choose consent, consent with a concern, or an objection."))
        reason = remark_of({"remark": reason})
        if answer == OBJECTION and not reason:
            raise BallotError(_("Write why you object: the moderator addresses every objection."))
        return ballot(answer, remark="" if answer == CONSENT else reason)

    def count(self, ballots, options, eligible, rule, settings=None) -> Tally:
        counted = count_consent([(b["choice"], b["remark"]) for b in ballots], eligible, rule)
        fields = {
            "counts": [[answer, counted.counts[answer]] for answer in ANSWERS],
            "remarks": [list(pair) for pair in counted.remarks],
            "winner": None,
        }
        return Tally(fields, counted.cast, counted.quorum_needed, counted.outcome)

    def outcome_text(self, result: Mapping) -> str:
        if result.get("outcome") == counting.ADOPTED:
            return str(_("Adopted: nobody objects"))
        if result.get("outcome") == counting.REJECTED and result.get("cast"):
            objections = dict(result.get("counts") or []).get(OBJECTION, 0)
            return ngettext(
                "Not adopted: %(count)s objection",
                "Not adopted: %(count)s objections",
                objections,
            ) % {"count": objections}
        return super().outcome_text(result)

    def chart(self, result: Mapping) -> list[tuple[str, float, str]]:
        return [(str(self.words[a]), n, str(n)) for a, n in result.get("counts") or []]
