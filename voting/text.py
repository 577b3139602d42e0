"""Proposal text: paragraphs, word-level diffs, and applying amendments.

Texts are plain paragraphs separated by a blank line; single line breaks are
kept inside a paragraph. Nothing a person writes is ever rendered as HTML:
diffs escape every piece before marking it up.
"""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

_BLANK_LINES = re.compile(r"\n[ \t]*\n")
# Words (any script, with digits and inner apostrophes/hyphens), single punctuation, spaces.
_TOKEN = re.compile(r"\w+(?:['’-]\w+)*|\s+|[^\w\s]", re.UNICODE)


def normalise(text: str) -> str:
    """One canonical form: \\n line ends, no trailing spaces, paragraphs split by one blank line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n\n".join(paragraphs("\n".join(lines)))


def paragraphs(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [p.strip("\n ") for p in _BLANK_LINES.split(text) if p.strip()]


def join(parts: list[str]) -> str:
    return "\n\n".join(parts)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


@dataclass(frozen=True)
class Piece:
    op: str  # "equal", "insert" or "delete"
    text: str


def word_diff(old: str, new: str) -> list[Piece]:
    """The shortest readable word-level difference between two texts."""
    a, b = tokens(old), tokens(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(Piece("equal", "".join(a[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            pieces.append(Piece("delete", "".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            pieces.append(Piece("insert", "".join(b[j1:j2])))
    return pieces


def diff_html(old: str, new: str) -> SafeString:
    """A diff that reads without colour: deletions struck through, insertions underlined,
    and both announced to screen readers."""
    deleted_start, deleted_end = _("[deleted:"), "]"
    inserted_start, inserted_end = _("[inserted:"), "]"
    out = []
    for piece in word_diff(old, new):
        text = escape(piece.text).replace("\n", "<br>")
        if piece.op == "equal":
            out.append(text)
        elif piece.op == "delete":
            out.append(
                f'<del class="diff-del"><span class="visually-hidden">{deleted_start} </span>'
                f'{text}<span class="visually-hidden">{deleted_end}</span></del>'
            )
        else:
            out.append(
                f'<ins class="diff-ins"><span class="visually-hidden">{inserted_start} </span>'
                f'{text}<span class="visually-hidden">{inserted_end}</span></ins>'
            )
    return mark_safe("".join(out))  # noqa: S308 - every piece was escaped above


def text_html(text: str) -> SafeString:
    """Plain paragraphs as HTML, every character escaped."""
    return mark_safe(  # noqa: S308 - escaped piece by piece
        "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs(text))
    )


# --- amendments ------------------------------------------------------------------

REPLACE = "replace"  # replace one paragraph with one or more
INSERT = "insert"  # insert paragraphs before paragraph `index` (or at the end)
DELETE = "delete"  # delete one paragraph
REPLACE_ALL = "replace_all"  # a whole new text


class ChangeError(ValueError):
    """An amendment that cannot be applied to the text; the message is for people."""


def apply_change(base: list[str], kind: str, index: int | None, new_text: str) -> list[str]:
    """The paragraphs after applying one amendment to `base`."""
    new = paragraphs(new_text)
    if kind == REPLACE_ALL:
        if not new:
            raise ChangeError(_("Write the new text."))
        return new
    if index is None or not 0 <= index <= len(base):
        raise ChangeError(_("Choose a paragraph of the proposal."))
    if kind == INSERT:
        if not new:
            raise ChangeError(_("Write the paragraph to insert."))
        return base[:index] + new + base[index:]
    if index == len(base):
        raise ChangeError(_("Choose a paragraph of the proposal."))
    if kind == REPLACE:
        if not new:
            raise ChangeError(_("Write the new wording, or choose to delete the paragraph."))
        return base[:index] + new + base[index + 1 :]
    if kind == DELETE:
        if len(base) == 1:
            raise ChangeError(_("A proposal needs at least one paragraph."))
        return base[:index] + base[index + 1 :]
    raise ChangeError(_("Choose what the amendment changes."))


def _mapping(base: list[str], current: list[str]) -> dict[int, int]:
    """Which paragraph of `current` each unchanged paragraph of `base` became."""
    matcher = difflib.SequenceMatcher(None, base, current, autojunk=False)
    mapping: dict[int, int] = {}
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            mapping[block.a + offset] = block.b + offset
    # A paragraph that moved past others is not in the alignment; find it again when
    # its text occurs exactly once among the paragraphs not yet accounted for.
    taken = set(mapping.values())
    for i, paragraph in enumerate(base):
        if i in mapping:
            continue
        candidates = [j for j, p in enumerate(current) if p == paragraph and j not in taken]
        if len(candidates) == 1:
            mapping[i] = candidates[0]
            taken.add(candidates[0])
    return mapping


def rebase_index(base: list[str], current: list[str], kind: str, index: int | None) -> int | None:
    """Where an amendment made on `base` applies in `current`, or None if what it
    touches has changed since (then its author must rework it).

    Paragraphs are followed through the change by aligning the two versions, so a
    paragraph that moved is found again, even among identical ones."""
    if kind == REPLACE_ALL:
        return 0 if base == current else None
    if index is None:
        return None
    mapping = _mapping(base, current)
    if kind in (REPLACE, DELETE):
        if not 0 <= index < len(base):
            return None
        return mapping.get(index)
    if kind == INSERT:
        if not 0 <= index <= len(base):
            return None
        if index == 0:
            return 0
        anchor = mapping.get(index - 1)
        return None if anchor is None else anchor + 1
    return None
