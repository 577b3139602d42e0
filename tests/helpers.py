"""Small helpers shared by tests (fixtures live in conftest.py)."""

import csv
import io
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import resolve

from panels.models import AgendaItem, Meeting, Message, SpeakerRequest


def invitation_token_in(body: str) -> str:
    """The token of the single invitation link in an email body, found via the URLconf."""
    links = [word for word in body.split() if word.startswith(settings.SITE_URL + "/")]
    assert len(links) == 1, f"expected one link in the email, found {links}"
    match = resolve(urlsplit(links[0]).path)
    assert match.view_name == "panels:invitation"
    return match.kwargs["token"]


# Text anyone may type into a name, title or option that a spreadsheet would run as a formula
# (OWASP's CSV injection list), also behind a tab, a carriage return or spaces.
FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-1+1", "@SUM(1)", "\t=1", "\r=1", "  =1"]


def formula_cells(rows: list[list[str]]) -> list[str]:
    """The cells a spreadsheet would evaluate: text starting with `=`, `+`, `-` or `@`
    (after any spaces), a tab or a carriage return. A plain number such as -12,9 is none."""
    return [
        cell
        for row in rows
        for cell in row
        if (cell.startswith(("\t", "\r")) or cell.lstrip().startswith(("=", "+", "-", "@")))
        and not re.fullmatch(r"-?\d+(,\d+)?", cell)
    ]


def csv_rows(response) -> list[list[str]]:
    """A downloaded CSV file read the way Dutch Excel reads it: a byte order mark first,
    then UTF-8 text with `;` between cells."""
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff"), "no byte order mark: Excel would not read it as UTF-8"
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"), newline=""), delimiter=";"))


def agenda(meeting: Meeting) -> list[AgendaItem]:
    """A meeting's agenda items in agenda order, fresh from the database."""
    return list(AgendaItem.objects.filter(meeting=meeting).order_by("position", "pk"))


def meetings_snapshot(panel, seq: bool = False) -> tuple:
    """Everything about a panel's meetings that an action could change.

    With seq=True the meetings' event sequence numbers are included too, to
    prove that a refused action did not count (or push) a change.
    """
    meeting_fields = ["pk", "state", "floor_open", "title", "description", "starts_at"]
    meeting_fields += ["duration_minutes", "started_at", "closed_at", "cancelled_at", "sequence"]
    meeting_fields += ["seq"] if seq else []
    return (
        sorted(Meeting.objects.filter(panel=panel).values_list(*meeting_fields)),
        sorted(
            AgendaItem.objects.filter(meeting__panel=panel).values_list(
                "pk", "state", "position", "title", "description"
            )
        ),
        sorted(
            SpeakerRequest.objects.filter(meeting__panel=panel).values_list(
                "pk", "state", "speaking_until"
            )
        ),
        sorted(
            Message.objects.filter(item__meeting__panel=panel).values_list(
                "pk", "text", "hidden_at", "hidden_reason"
            )
        ),
    )


def refusal(call, *, error, snapshot, capture_on_commit) -> BaseException:
    """Run a call that must be refused, and return the error it raised.

    A refusal raises `error` with a message for the person, and changes nothing: the
    `snapshot()` of the app's state is the same after as before (no row, no history record,
    no sequence number), and nothing was pushed (no on_commit callback). `capture_on_commit`
    is pytest-django's django_capture_on_commit_callbacks. The `refused` fixture
    (tests/conftest.py) runs this with the snapshot and error of the test's app.
    """
    before = snapshot()
    with capture_on_commit() as callbacks, pytest.raises(error) as caught:
        call()
    assert str(caught.value).strip(), "a refusal must say why"
    assert snapshot() == before, "a refusal must change nothing"
    assert callbacks == [], "a refusal must push nothing"
    return caught.value
