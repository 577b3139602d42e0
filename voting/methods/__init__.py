"""Vote methods, registered by key: the rest of the app asks here and names none of them.

    from voting import methods
    methods.register(Thumbs)           # a VoteMethod subclass (also as a class decorator)
    methods.get(vote.method).parse(request.POST, vote)

The built-in methods are registered when this package is imported. Another app (or a
test) registers its own at start-up, in its AppConfig.ready(). See voting/methods/base.py
for what a method is.
"""

from voting.methods.base import (
    ALL_CAST,
    FOR_AGAINST,
    OPTIONS,
    OPTIONS_MAX,
    BallotError,
    Share,
    Shares,
    Tally,
    VoteMethod,
    ballot,
)
from voting.methods.consent import Consent
from voting.methods.date_poll import DatePoll
from voting.methods.multiple_choice import MultipleChoice
from voting.methods.one_choice import OneChoice
from voting.methods.open_question import OpenQuestion
from voting.methods.points import PointsMethod
from voting.methods.ranked import Ranked
from voting.methods.score import Score
from voting.methods.sense_check import SenseCheck
from voting.methods.yes_no import YesNo

__all__ = [
    "ALL_CAST",
    "FOR_AGAINST",
    "OPTIONS",
    "OPTIONS_MAX",
    "BallotError",
    "Share",
    "Shares",
    "Tally",
    "VoteMethod",
    "ballot",
    "choices",
    "find",
    "get",
    "register",
    "registered",
    "unregister",
]

_registry: dict[str, VoteMethod] = {}


def register(cls: type[VoteMethod]) -> type[VoteMethod]:
    """Make a method available under its key. Registering the same class again is a no-op;
    another class under a key already taken is a mistake."""
    known = _registry.get(cls.key)
    if known is not None and type(known) is not cls:
        raise ValueError(f"vote method {cls.key!r} is already registered as {known!r}")
    if len(cls.key) > 20:  # the length of Vote.method
        raise ValueError(f"vote method key {cls.key!r} is longer than 20 characters")
    _registry[cls.key] = cls()
    return cls


def unregister(key: str) -> None:
    _registry.pop(key, None)


def find(key: str) -> VoteMethod | None:
    return _registry.get(key)


def get(key: str) -> VoteMethod:
    method = _registry.get(key)
    if method is None:
        raise LookupError(f"no vote method {key!r} is registered")
    return method


def registered() -> list[VoteMethod]:
    return list(_registry.values())


def choices() -> list[tuple[str, str]]:
    """(key, label) of every registered method: Vote.method's choices and the form's."""
    return [(method.key, method.label) for method in _registry.values()]


for _builtin in (
    YesNo,
    OneChoice,
    Ranked,
    Consent,
    MultipleChoice,
    Score,
    PointsMethod,
    DatePoll,
    SenseCheck,
    OpenQuestion,
):
    register(_builtin)
