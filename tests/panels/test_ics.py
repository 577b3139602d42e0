"""The calendar file of a meeting invitation (RFC 5545): escaping, folding, line ends, UTC."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from panels.ics import _escape, _fold, meeting_calendar
from panels.models import Meeting

URL = "https://knoppen.example.nl/panels/1/meetings/7/"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def calendar_for(**fields) -> str:
    """The calendar of an unsaved meeting; nothing here needs the database."""
    values = {
        "pk": 7,
        "title": "Bewonersavond",
        "description": "",
        "starts_at": datetime(2030, 5, 1, 19, 30, tzinfo=AMSTERDAM),
        "duration_minutes": 90,
    } | fields
    return meeting_calendar(Meeting(**values), URL, "knoppen.example.nl")


def unfold(text: str) -> list[str]:
    """Content lines as a calendar reader sees them: CRLF + one space continues a line."""
    assert text.endswith("\r\n")
    return text[: -len("\r\n")].replace("\r\n ", "").split("\r\n")


def unescape(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            out.append("\n" if following in "nN" else following)
        else:
            out.append(char)
    return "".join(out)


def properties(text: str) -> dict[str, str]:
    return dict(line.split(":", 1) for line in unfold(text))


# --- the whole file ---------------------------------------------------------------


def test_calendar_is_one_published_event():
    lines = unfold(calendar_for())

    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
    assert lines[-1] == "END:VCALENDAR"
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 1
    props = properties(calendar_for())
    assert props["METHOD"] == "PUBLISH"
    assert props["UID"] == "meeting-7@knoppen.example.nl"
    assert props["SUMMARY"] == "Bewonersavond"
    assert props["URL"] == URL


def test_every_line_ends_with_crlf():
    text = calendar_for(title="Lang " * 40, description="Regel een\nRegel twee\r\nRegel drie")

    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert "\r" not in text.replace("\r\n", "")


@pytest.mark.parametrize(
    ("starts_at", "start", "end"),
    [
        # Summer time in Amsterdam is UTC+2, winter time UTC+1.
        (datetime(2030, 5, 1, 19, 30, tzinfo=AMSTERDAM), "20300501T173000Z", "20300501T190000Z"),
        (datetime(2030, 1, 15, 19, 30, tzinfo=AMSTERDAM), "20300115T183000Z", "20300115T200000Z"),
        # Across midnight in UTC: 00:30 in Amsterdam is the evening before.
        (datetime(2030, 3, 1, 0, 30, tzinfo=AMSTERDAM), "20300228T233000Z", "20300301T010000Z"),
    ],
)
def test_start_and_end_are_in_utc(starts_at, start, end):
    props = properties(calendar_for(starts_at=starts_at))

    assert (props["DTSTART"], props["DTEND"]) == (start, end)
    stamp = datetime.strptime(props["DTSTAMP"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs(stamp - datetime.now(UTC)) < timedelta(minutes=1)


def test_description_carries_the_text_and_the_link():
    props = properties(calendar_for(description="Over de tuin.\nEn de lift."))

    assert unescape(props["DESCRIPTION"]) == f"Over de tuin.\nEn de lift.\n\n{URL}"


def test_description_without_text_is_the_link():
    props = properties(calendar_for(description=""))

    assert unescape(props["DESCRIPTION"]) == URL


# --- escaping --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("Huur, onderhoud; tuin", "Huur\\, onderhoud\\; tuin"),
        ("C:\\pad\\naar", "C:\\\\pad\\\\naar"),
        ("een\ntwee", "een\\ntwee"),
        ("een\r\ntwee", "een\\ntwee"),
        ("een\rtwee", "een\\ntwee"),
        ("\\,", "\\\\\\,"),
        ("geen bijzondere tekens: 'ok'", "geen bijzondere tekens: 'ok'"),
    ],
)
def test_text_is_escaped(text, escaped):
    assert _escape(text) == escaped
    assert unescape(escaped) == text.replace("\r\n", "\n").replace("\r", "\n")


def test_title_with_special_characters_survives_a_round_trip():
    title = 'Huur, "onderhoud"; en C:\\tuin\nTweede regel'

    props = properties(calendar_for(title=title))

    assert "\n" not in props["SUMMARY"]
    assert unescape(props["SUMMARY"]) == title


def test_no_property_value_contains_a_bare_line_break():
    text = calendar_for(title="a\nb", description="c\r\nd\re")

    for line in unfold(text):
        assert "\n" not in line and "\r" not in line


# --- folding ------------------------------------------------------------------------------

TEXTS = [
    "x" * 200,
    "Bewonersavond over de huurverhoging en het groot onderhoud aan de Lindelaan " * 3,
    "Één gesprek over de geïsoleerde gevels, de ruïne en het café " * 4,
    "Huurders 🏠🔑 aan de knoppen 🗳️ " * 10,
    "é" * 100,
    "🏠" * 50,
]


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_folded_lines_are_at_most_75_octets(text):
    folded = _fold(f"SUMMARY:{text}")

    for number, line in enumerate(folded.split("\r\n")):
        assert len(line.encode()) <= 75, (number, line)
        if number:
            assert line.startswith(" "), "a continuation line starts with one space"


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_folding_never_splits_a_character(text):
    folded = _fold(f"SUMMARY:{text}")

    for line in folded.split("\r\n"):
        line.encode().decode()  # every piece is whole UTF-8
    assert folded.replace("\r\n ", "") == f"SUMMARY:{text}"


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_folding_uses_the_room_it_has(text):
    """Each piece but the last is full: adding its next character would pass 75 octets."""
    line = f"SUMMARY:{text}"
    pieces = _fold(line).split("\r\n")
    rest = line
    for index, piece in enumerate(pieces[:-1]):
        content = piece if index == 0 else piece[1:]
        assert rest.startswith(content)
        rest = rest[len(content) :]
        assert len(piece.encode()) + len(rest[0].encode()) > 75


@pytest.mark.parametrize("length", [74, 75])
def test_short_lines_are_not_folded(length):
    line = "X" * length

    assert _fold(line) == line


def test_line_of_76_octets_is_folded_once():
    assert _fold("X" * 76) == "X" * 75 + "\r\n X"


def test_whole_calendar_unfolds_to_the_original_title():
    title = "Één avond over 🏠 huur, onderhoud; en de tuin — " * 5

    text = calendar_for(title=title)

    for line in text.split("\r\n"):
        assert len(line.encode()) <= 75
    assert unescape(properties(text)["SUMMARY"]) == title
