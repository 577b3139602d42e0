"""Open question: a short written answer (the limit is stated on the ballot). Secret, the
answers are unlinkable in storage like any secret ballot (in the vote's sealed box);
named, each answer is listed with its author. It decides nothing and needs no quorum.
After the close, a moderator can hide an answer with a reason, and an answer can become a
proposal (voting/answers.py)."""

from collections.abc import Mapping, Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from voting import counting
from voting.methods.base import REMARK_MAX, BallotError, Tally, VoteMethod, ballot, remark_of

LENGTH_DEFAULT = 280
LENGTH_MIN = 20


def count_answers(answers: Sequence[str]) -> list[str]:
    """The answers given, sorted: the order in which they came in does not show."""
    return sorted(answer for answer in answers if answer)


class OpenQuestion(VoteMethod):
    key = "open_question"
    label = _("Open question (short written answers)")
    uses_majority = False
    can_be_weighted = False
    takes_quorum = False

    def settings_fields(self) -> dict:
        return {
            "max_length": forms.IntegerField(
                label=_("Written answers: at most this many characters each"),
                help_text=_("Empty: %(length)s.") % {"length": LENGTH_DEFAULT},
                min_value=LENGTH_MIN,
                max_value=REMARK_MAX,
                required=False,
            )
        }

    def clean_settings(self, values: Mapping, options: Sequence[str]) -> dict:
        length = values.get("max_length")
        length = LENGTH_DEFAULT if length is None else length
        if type(length) is not int or not LENGTH_MIN <= length <= REMARK_MAX:
            raise BallotError(
                _("An answer may be between %(min)s and %(max)s characters.")
                % {"min": LENGTH_MIN, "max": REMARK_MAX}
            )
        return {"max_length": length}

    def max_length(self, settings: Mapping | None) -> int:
        return int((settings or {}).get("max_length") or LENGTH_DEFAULT)

    def ballot_context(self, vote, options: Sequence) -> dict:
        return {"max_length": self.max_length(vote.settings)}

    def parse(self, data: Mapping, vote) -> dict:
        return self.clean({"remark": data.get("answer")}, vote)

    def clean(self, value: Mapping, vote) -> dict:
        text = remark_of({"remark": value.get("remark")})
        limit = self.max_length(vote.settings)
        if not text:
            raise BallotError(_("Write your answer."))
        if len(text) > limit:
            raise BallotError(
                _("Write at most %(max)s characters; this is %(count)s.")
                % {"max": limit, "count": len(text)}
            )
        return ballot(remark=text)

    def count(self, ballots, options, eligible, rule, settings=None) -> Tally:
        answers = count_answers([b["remark"] for b in ballots])
        return Tally(
            {"answers": answers, "counts": [], "winner": None}, len(ballots), 0, counting.NOTED
        )

    def shown(self, value: Mapping, labels: Mapping[int, str]) -> str:
        return "—"

    def csv_rows(self, result: Mapping, shares) -> list[list]:
        rows: list[list] = [["answer", text] for text in result.get("answers") or []]
        # A named answer's text is in the answers already; the rows say who wrote which.
        rows += [
            ["ballot", row[0], row[3] if len(row) > 3 else ""] for row in result.get("named", [])
        ]
        return rows
