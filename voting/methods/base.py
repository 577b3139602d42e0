"""What a vote method is: one class that knows its ballot, its count and its result.

A method is registered by its key (`voting.methods.register`); the rest of the app asks
the registry and never names a method. Everything about one method lives in its class and
its two templates, `voting/methods/<key>_ballot.html` (the fields inside the ballot form)
and `voting/methods/<key>_result.html` (the counts inside a closed vote's result).

A ballot is plain data, the same for a named vote's `Ballot` row and a secret vote's entry
in its sealed box (`ballot()` makes one):

    {"choice": str, "option_id": int | None, "ranking": [option ids],
     "marks": {"<option id>": int or str}, "remark": str}

A method uses the fields it needs and leaves the others empty: `marks` holds a mark per
option (a score, points, "yes" for a date), `remark` a written reason or remark.

A method may have settings the moderator chooses per vote (how many options one may tick,
the scale of a score, the points to divide): `settings_fields` gives their form fields,
`clean_settings` checks them, and they are stored in `Vote.settings`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from voting import counting

# A `voting.models.Vote` and `Option`. Not imported, not even for type checking: the model
# imports this package (for its choices), and modules of an app import in one direction.
Vote = Any
Option = Any


class BallotError(Exception):
    """A ballot that does not fit its method. The message is for the voter: what to do."""


# A written reason (an objection) or remark on a ballot: a few sentences, read on a phone.
REMARK_MAX = 500


def ballot(
    choice: str = "",
    option_id: int | None = None,
    ranking: Sequence[int] = (),
    marks: Mapping[str, int | str] | None = None,
    remark: str = "",
) -> dict:
    """A ballot as stored (voting/methods/base.py)."""
    return {
        "choice": choice,
        "option_id": option_id,
        "ranking": list(ranking),
        "marks": dict(marks or {}),
        "remark": remark,
    }


def stored(value: Mapping) -> dict:
    """A ballot as read back: one stored before a field existed has it empty."""
    return ballot(
        value.get("choice") or "",
        value.get("option_id"),
        value.get("ranking") or (),
        value.get("marks") or {},
        value.get("remark") or "",
    )


def remark_of(data: Mapping, name: str = "remark") -> str:
    """A written remark from a form: spaces tidied, or BallotError when too long."""
    value = data.get(name)
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if len(text) > REMARK_MAX:
        raise BallotError(
            _("Write at most %(max)s characters; this is %(count)s.")
            % {"max": REMARK_MAX, "count": len(text)}
        )
    return text


# A ballot is read on a phone, often by older tenants: a list longer than this is no longer
# a choice anyone can weigh. It also bounds what every push of the ballot and the count
# cost (a ranked count compares every pair of options, so it grows with the cube).
OPTIONS_MAX = 50

# What a result's percentages are of (voting/results.py; the template words each, the CSV
# writes the code).
FOR_AGAINST = "for_against"  # yes/no, abstentions left out
OPTIONS = "options"  # one choice, abstentions left out
ALL_CAST = "all_cast"  # abstentions included


@dataclass(frozen=True)
class Share:
    label: str  # as stored: for/against/abstain, or an option's label
    count: int
    percent: Decimal | None  # to one decimal; None when not in the base


@dataclass(frozen=True)
class Shares:
    """A closed vote's counts with their percentages, as voting/results.py works them out."""

    basis: str  # FOR_AGAINST, OPTIONS or ALL_CAST; "" when the rule weighs no shares
    base: int
    rows: list[Share]


@dataclass(frozen=True)
class Tally:
    """A method's count: its own part of the result, and what every result has."""

    fields: dict  # stored in the result as they are (e.g. "counts", "winner", "ranking")
    cast: int
    quorum_needed: int
    outcome: str  # counting.ADOPTED, REJECTED, NO_QUORUM or TIE


class VoteMethod:
    """One way of voting. Subclass it, set the class attributes, write `clean` and `count`,
    add the two templates, and `register` the class."""

    key: ClassVar[str]  # stored in Vote.method: never change it once votes use it
    label: ClassVar[str | Promise]
    # Options the moderator gives: none (both 0), or a list of at least / at most this many.
    min_options: ClassVar[int] = 0
    max_options: ClassVar[int] = 0
    # May a vote with this method be secret; may a proxy holder cast a principal's ballot.
    can_be_secret: ClassVar[bool] = True
    can_be_weighted: ClassVar[bool] = True
    # May it decide a proposal or an amendment (its outcome adopts or rejects the subject).
    decides_subjects: ClassVar[bool] = False
    # What a result's percentages are of (voting/results.py); None: the result has none.
    share_basis: ClassVar[str | None] = None
    # The codes a ballot stores in "choice" (and a result in its counts), in words.
    words: ClassVar[Mapping[str, str | Promise]] = {counting.ABSTAIN: _("Abstain")}
    # How the result names the option that came first ("Chosen: …", "Best date: …").
    winner_words: ClassVar[str | Promise] = _("Chosen: %(winner)s")
    # Whether a quorum can be set (a temperature check decides nothing, so needs none).
    takes_quorum: ClassVar[bool] = True
    # Whether the vote's majority rule decides (not for points, scores or consent).
    uses_majority: ClassVar[bool] = True

    @property
    def takes_options(self) -> bool:
        return self.max_options > 0

    @property
    def ballot_template(self) -> str:
        return f"voting/methods/{self.key}_ballot.html"

    @property
    def result_template(self) -> str:
        return f"voting/methods/{self.key}_result.html"

    # --- the vote's own settings --------------------------------------------------------

    def settings_fields(self) -> dict:
        """The form fields of this method's settings, by name (none by default)."""
        return {}

    def clean_settings(self, values: Mapping, options: Sequence[str]) -> dict:
        """The settings as stored in `Vote.settings`, or `BallotError` saying what to fix.
        `values` holds what the form gave (None where left empty); `options`, the labels."""
        return {}

    def clean_options(self, labels: list[str]) -> list[str]:
        """The options as stored, or `BallotError` (a date poll reads dates, say)."""
        return labels

    def option_text(self, label: str) -> str:
        """An option's label as people read it."""
        return label

    # --- the ballot ---------------------------------------------------------------------

    def ballot_context(self, vote: Vote, options: Sequence[Option]) -> dict:
        """What the ballot template needs beyond the vote and its `options`."""
        return {}

    def parse(self, data: Mapping, vote: Vote) -> dict:
        """The ballot a submitted form holds (`data` is request.POST), checked by `clean`.

        Whatever is posted, this returns a ballot or raises `BallotError`.
        """
        raise NotImplementedError

    def clean(self, value: Mapping, vote: Vote) -> dict:
        """`value` as a valid ballot (`ballot()`), or `BallotError`. The service calls this
        on every ballot, whoever made it."""
        raise NotImplementedError

    # --- counted by hand in the room (voting/desk.py) -------------------------------------

    def hand_answers(self, vote: Vote, options: Sequence[Option]) -> list[tuple[str, str]]:
        """The answers a room can count by show of hands or on paper: (key, words) each.
        None by default: marks, rankings and written answers are not counted by hand."""
        return []

    def hand_ballot(self, key: str) -> dict:
        """The ballot one hand (or paper ballot) counted for `key` stands for; `clean`
        checks it like any other."""
        raise NotImplementedError

    # --- the count ----------------------------------------------------------------------

    def count(
        self,
        ballots: list[dict],
        options: Sequence[Option],
        eligible: int,
        rule: counting.Rule,
        settings: Mapping | None = None,
    ) -> Tally:
        """Count the ballots: a pure function of them, the options, the roll, the rule and
        the vote's settings."""
        raise NotImplementedError

    def outcome_text(self, result: Mapping) -> str:
        """A closed vote's outcome in words, as its result leads with it."""
        outcome = result.get("outcome")
        if outcome == counting.ADOPTED and result.get("winner"):
            # The winner is someone's words: isolated from ours (panels/bidi.py).
            before, _mark, after = str(self.winner_words).partition("%(winner)s")
            return format_html(
                "{}<bdi>{}</bdi>{}", before, self.option_text(result["winner"]), after
            )
        return counting_outcome_label(outcome)

    def shown(self, value: Mapping, labels: Mapping[int, str]) -> str:
        """One named ballot as the result lists it (a code such as "for", or option labels)."""
        if value.get("option_id"):
            return labels[value["option_id"]]
        if value.get("ranking"):
            return " > ".join(labels[x] for x in value["ranking"])
        return value.get("choice") or ""

    def chart(self, result: Mapping) -> list[tuple[str, float, str]]:
        """The result as bars for an SVG chart (panels/charts.py): (label, value, value as
        shown). None by default: a result with shares draws them as bars in its table
        (voting/methods/bars.html)."""
        return []

    def meeting_time(self, result: Mapping):
        """The moment a meeting could be planned at from this result (a date poll's best
        date), or None."""
        return None

    def chart_scale(self, settings: Mapping | None) -> float | None:
        """The value a full bar stands for (None: the largest bar)."""
        return None

    def csv_rows(self, result: Mapping, shares: Shares) -> list[list]:
        """The result's own rows in the CSV export: counts, percentages, named ballots.

        `shares` are the percentages as the page shows them (voting/results.py).
        """
        rows: list[list] = [["count", label, count] for label, count in result.get("counts") or []]
        if shares.base:
            rows.append(["percent_of", shares.basis, shares.base])
            rows += [["percent", s.label, s.percent] for s in shares.rows if s.percent is not None]
        rows += [["remark", code, text] for code, text in result.get("remarks") or []]
        return rows + named_rows(result)

    def __repr__(self) -> str:
        return f"<VoteMethod {self.key}>"


def named_rows(result: Mapping) -> list[list]:
    """A named vote's ballots in the CSV export: [name, choice(, remark)]. The membership id
    of the stored row stays out of the file."""
    return [["ballot", *row[:2], *row[3:]] for row in result.get("named", [])]


def option_ids(vote: Vote) -> set[int]:
    return set(vote.options.values_list("pk", flat=True))


def share_text(count: int, of: int) -> str:
    """ "12 (40 %)": a count with its share of `of`, for a chart's bar."""
    if not of:
        return str(count)
    return f"{count} ({round(100 * count / of)}\u00a0%)"


def counting_outcome_label(code: str | None) -> str:
    """An outcome code in words (results store the code)."""
    return str(
        {
            counting.ADOPTED: _("Adopted"),
            counting.REJECTED: _("Rejected"),
            counting.NO_QUORUM: _("Quorum not reached"),
            counting.TIE: _("Tie: no decision"),
            counting.NOTED: _("Noted: this question decides nothing"),
        }.get(code or "", "")
    )
