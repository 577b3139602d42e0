"""Date poll (datumprikker): the options are dates and times; each member answers yes, if
need be, or no for each. The best date is the one most can make (then: most can if need
be). Named by nature (it is about who can come) and for oneself only (no proxies); it
decides nothing, so needs no quorum. The moderator can turn the best date into a meeting
(voting/lifecycle.py: schedule_from_poll)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from voting import counting
from voting.methods.base import OPTIONS_MAX, BallotError, Tally, VoteMethod, ballot, named_rows
from voting.methods.marks import checked_marks, one_of, posted_marks

YES, MAYBE, NO = "yes", "maybe", "no"
ANSWERS = (YES, MAYBE, NO)
# How a date option is stored: sortable, and the same in every language.
STORED = "%Y-%m-%d %H:%M"
READ = (STORED, "%Y-%m-%dT%H:%M", "%d-%m-%Y %H:%M", "%d/%m/%Y %H:%M")


@dataclass(frozen=True)
class Availability:
    answers: dict[str, dict[str, int]]  # option -> {yes, maybe, no: how many}
    cast: int
    outcome: str  # ADOPTED (one best date), TIE, NOTED (nobody can)
    winner: str | None


def count_dates(ballots: Sequence[Mapping[str, str]], options: Sequence[str]) -> Availability:
    """Each ballot maps options to yes, maybe or no (an option left out: no answer)."""
    answers = {option: dict.fromkeys(ANSWERS, 0) for option in options}
    for given in ballots:
        for option, answer in given.items():
            if option not in answers or answer not in ANSWERS:
                raise ValueError(f"not an answer for a date: {option!r}: {answer!r}")
            answers[option][answer] += 1

    def standing(option: str) -> tuple[int, int]:
        return answers[option][YES], answers[option][MAYBE]

    best = max((standing(o) for o in options), default=(0, 0))
    leaders = [o for o in options if standing(o) == best]
    if best == (0, 0):
        outcome, winner = counting.NOTED, None
    elif len(leaders) > 1:
        outcome, winner = counting.TIE, None
    else:
        outcome, winner = counting.ADOPTED, leaders[0]
    return Availability(answers, len(ballots), outcome, winner)


def read_when(label: str) -> datetime | None:
    """A date option as a moment in the site's time zone, or None if it is not one."""
    for pattern in READ:
        try:
            moment = datetime.strptime(label.strip(), pattern)
        except ValueError:
            continue
        return timezone.make_aware(moment)
    return None


class DatePoll(VoteMethod):
    key = "date_poll"
    label = _("Date poll (find a date)")
    uses_majority = False
    min_options = 2
    max_options = OPTIONS_MAX
    can_be_secret = False
    can_be_weighted = False
    takes_quorum = False
    winner_words = _("Best date: %(winner)s")
    words = {YES: _("Yes"), MAYBE: _("If need be"), NO: _("No")}

    def clean_options(self, labels: list[str]) -> list[str]:
        moments = []
        for number, label in enumerate(labels, start=1):
            moment = read_when(label)
            if moment is None:
                raise BallotError(
                    _(
                        "Option %(number)s is not a date and time: write it as "
                        "2027-03-14 19:30 (year-month-day hours:minutes)."
                    )
                    % {"number": number}
                )
            moments.append(moment)
        # As STORED, the year padded to four digits (strftime writes "999", which no READ reads).
        local = [timezone.localtime(m) for m in sorted(moments)]
        stored = [f"{m.year:04d}-{m:%m-%d %H:%M}" for m in local]
        if len(set(stored)) != len(stored):
            raise BallotError(_("Every date must be different."))
        return stored

    def option_text(self, label: str) -> str:
        moment = read_when(label)
        if moment is None:
            return label
        return formats.date_format(timezone.localtime(moment), "l j F Y, H:i")

    def meeting_time(self, result: Mapping) -> datetime | None:
        winner = result.get("winner")
        return read_when(winner) if winner else None

    def ballot_context(self, vote, options: Sequence) -> dict:
        return {"dates": [(o, self.option_text(o.label)) for o in options]}

    def parse(self, data: Mapping, vote) -> dict:
        return self.clean({"marks": posted_marks(data, vote.options.all(), "date_")}, vote)

    def clean(self, value: Mapping, vote) -> dict:
        marks = checked_marks(
            value.get("marks") or {},
            vote,
            one_of(ANSWERS),
            str(_("Answer yes, if need be, or no for each date.")),
        )
        if not marks:
            raise BallotError(_("Answer yes, if need be, or no for at least one date."))
        return ballot(marks=marks)

    def count(self, ballots, options, eligible, rule, settings=None) -> Tally:
        counted = count_dates([b["marks"] for b in ballots], [str(o.pk) for o in options])
        labels = {str(o.pk): o.label for o in options}
        fields = {
            # Per date: [label as stored, yes, if need be, no].
            "dates": [[labels[pk], a[YES], a[MAYBE], a[NO]] for pk, a in counted.answers.items()],
            "counts": [],
            "winner": labels.get(counted.winner) if counted.winner else None,
        }
        return Tally(fields, counted.cast, 0, counted.outcome)

    def shown(self, value: Mapping, labels: Mapping[int, str]) -> str:
        marks = value.get("marks") or {}
        can = [self.option_text(labels[int(pk)]) for pk, a in marks.items() if a == YES]
        maybe = [self.option_text(labels[int(pk)]) for pk, a in marks.items() if a == MAYBE]
        parts = [*can, *(f"({when})" for when in maybe)]
        return "; ".join(parts) or "—"

    def chart(self, result: Mapping) -> list[tuple[str, float, str]]:
        return [
            (self.option_text(label), yes + maybe / 2, f"{yes} + {maybe}")
            for label, yes, maybe, _no in result.get("dates") or []
        ]

    def csv_rows(self, result: Mapping, shares) -> list[list]:
        rows: list[list] = [
            ["date", label, yes, maybe, no] for label, yes, maybe, no in result.get("dates") or []
        ]
        return rows + named_rows(result)
