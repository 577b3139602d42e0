"""What the methods that mark each option share: reading a mark per option from a form,
and checking one stored ballot's marks against the vote's options."""

from collections.abc import Callable, Mapping, Sequence

from voting.methods.base import BallotError, Option, Vote, option_ids


def posted_marks(data: Mapping, options: Sequence[Option], prefix: str) -> dict[str, str]:
    """The non-empty field `<prefix><option id>` of each option, as posted (strings)."""
    marks = {}
    for option in options:
        value = data.get(f"{prefix}{option.pk}")
        if isinstance(value, str) and value.strip():
            marks[str(option.pk)] = value.strip()
    return marks


def checked_marks(
    marks, vote: Vote, read: Callable[[object], int | str | None], error: str
) -> dict[str, int | str]:
    """`marks` ({option id: mark}) with every mark read by `read` (None: not valid), or
    `BallotError(error)`: only the vote's options, each once."""
    if not isinstance(marks, Mapping):
        raise BallotError(error)
    known = {str(pk) for pk in option_ids(vote)}
    checked: dict[str, int | str] = {}
    for key, raw in marks.items():
        value = read(raw)
        if str(key) not in known or value is None:
            raise BallotError(error)
        checked[str(key)] = value
    # Sorted by option id: a stored ballot reads the same whatever order it came in.
    return dict(sorted(checked.items(), key=lambda item: int(item[0])))


def whole_number(raw) -> int | None:
    """An integer from a form or a stored ballot (not a bool, not "1.5"), or None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit() and len(raw.strip()) < 10:
        # isdigit() also takes "²" and lstrip() "--5", which int() refuses: not a number.
        try:
            return int(raw.strip())
        except ValueError:
            return None
    return None


def in_range(low: int, high: int) -> Callable[[object], int | None]:
    def read(raw) -> int | None:
        value = whole_number(raw)
        return value if value is not None and low <= value <= high else None

    return read


def one_of(codes: Sequence[str]) -> Callable[[object], str | None]:
    def read(raw) -> str | None:
        return raw if isinstance(raw, str) and raw in codes else None

    return read
