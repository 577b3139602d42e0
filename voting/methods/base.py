"""What a vote method is: one class that knows its ballot, its count and its result.

A method is registered by its key (`voting.methods.register`); the rest of the app asks
the registry and never names a method. Everything about one method lives in its class and
its two templates, `voting/methods/<key>_ballot.html` (the fields inside the ballot form)
and `voting/methods/<key>_result.html` (the counts inside a closed vote's result).

A ballot is plain data, the same for a named vote's `Ballot` row and a secret vote's entry
in its sealed box: `{"choice": str, "option_id": int | None, "ranking": [option ids]}`
(`ballot()` makes one). A method uses the fields it needs and leaves the others empty.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from voting import counting

# A `voting.models.Vote` and `Option`. Not imported, not even for type checking: the model
# imports this package (for its choices), and modules of an app import in one direction.
Vote = Any
Option = Any


class BallotError(Exception):
    """A ballot that does not fit its method. The message is for the voter: what to do."""


def ballot(choice: str = "", option_id: int | None = None, ranking: Sequence[int] = ()) -> dict:
    """A ballot as stored (voting/methods/base.py)."""
    return {"choice": choice, "option_id": option_id, "ranking": list(ranking)}


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

    @property
    def takes_options(self) -> bool:
        return self.max_options > 0

    @property
    def ballot_template(self) -> str:
        return f"voting/methods/{self.key}_ballot.html"

    @property
    def result_template(self) -> str:
        return f"voting/methods/{self.key}_result.html"

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

    # --- the count ----------------------------------------------------------------------

    def count(
        self, ballots: list[dict], options: Sequence[Option], eligible: int, rule: counting.Rule
    ) -> Tally:
        """Count the ballots: a pure function of them, the options, the roll and the rule."""
        raise NotImplementedError

    def shown(self, value: Mapping, labels: Mapping[int, str]) -> str:
        """One named ballot as the result lists it (a code such as "for", or option labels)."""
        if value.get("option_id"):
            return labels[value["option_id"]]
        if value.get("ranking"):
            return " > ".join(labels[x] for x in value["ranking"])
        return value.get("choice") or ""

    def csv_rows(self, result: Mapping, shares: Shares) -> list[list]:
        """The result's own rows in the CSV export: counts, percentages, named ballots.

        `shares` are the percentages as the page shows them (voting/results.py).
        """
        rows: list[list] = [["count", label, count] for label, count in result.get("counts") or []]
        if shares.base:
            rows.append(["percent_of", shares.basis, shares.base])
            rows += [["percent", s.label, s.percent] for s in shares.rows if s.percent is not None]
        # A named ballot is [name, choice, membership id]: the id stays out of the file.
        rows += [["ballot", *row[:2]] for row in result.get("named", [])]
        return rows

    def __repr__(self) -> str:
        return f"<VoteMethod {self.key}>"


def option_ids(vote: Vote) -> set[int]:
    return set(vote.options.values_list("pk", flat=True))
