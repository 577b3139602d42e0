"""The big screen's corner: a QR code of the meeting's page and a short address to type."""

import re

import pytest
import segno
from django.urls import reverse
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains, assertTemplateUsed

from panels import meetings
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

QR = re.compile(r'<svg [^>]*class="qr"[^>]*>.*?</svg>', re.DOTALL)
# segno draws each run of dark modules as a horizontal stroke: "M4 4.5h7m5 0h1m-33 1h1 ...".
STEP = re.compile(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?")
BORDER = 4


def screen(client, meeting):
    return client.get(reverse("panels:meeting_screen", args=[meeting.panel_id, meeting.pk]))


def qr_in(response) -> str:
    found = QR.findall(response.content.decode())
    assert len(found) == 1, "expected one QR code on the page"
    return found[0]


def dark_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules the SVG draws, as (row, column) of the code without its margin."""
    path = re.search(r'<path stroke="#000" d="([^"]+)"', svg).group(1)
    x = y = 0.0
    dark = set()
    for command, a, b in STEP.findall(path):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            row = int(y - 0.5) - BORDER
            dark |= {(row, int(x) - BORDER + i) for i in range(int(float(a)))}
            x += float(a)
    return dark


def page_url(meeting) -> str:
    return "http://testserver" + meeting.get_absolute_url()


def encoded(text: str) -> set[tuple[int, int]]:
    code = segno.make(text, error="m", micro=False)
    return {(r, c) for r, row in enumerate(code.matrix) for c, bit in enumerate(row) if bit}


def test_the_big_screen_shows_a_qr_code_of_the_meeting_page(client_for, alice, live_meeting):
    response = screen(client_for(alice), live_meeting)

    svg = qr_in(response)
    assert dark_modules(svg) == encoded(page_url(live_meeting))
    assert dark_modules(svg) != encoded(page_url(live_meeting) + "x")  # it can fail


def test_the_qr_code_is_black_on_white_with_a_quiet_zone_and_a_name(
    client_for, alice, live_meeting
):
    response = screen(client_for(alice), live_meeting)

    svg = qr_in(response)
    modules = segno.make(page_url(live_meeting), error="m").symbol_size(border=0)[0]
    size = modules + 2 * BORDER
    assert f'viewBox="0 0 {size} {size}"' in svg
    # A white square under the whole code, and nothing dark in its margin.
    assert f'<path fill="#fff" d="M0 0h{size}v{size}h-{size}z"/>' in svg
    drawn = dark_modules(svg)
    assert {min(r for r, _c in drawn), min(c for _r, c in drawn)} == {0}
    assert {max(r for r, _c in drawn), max(c for _r, c in drawn)} == {modules - 1}
    with translation.override("nl"):
        name = translation.gettext("QR code that opens this meeting on your phone")
    assertContains(response, f'<div class="join-code__qr" role="img" aria-label="{name}">')
    # Nothing the Content Security Policy would refuse: no styles, no data: images.
    assert "style" not in svg and "data:" not in svg and "<image" not in svg


def test_the_screen_writes_out_the_short_address(client_for, alice, live_meeting):
    response = screen(client_for(alice), live_meeting)

    assertContains(response, f'translate="no">testserver<wbr>/m/{live_meeting.pk}</p>')


def test_the_short_address_leads_to_the_meeting_page(client_for, bob, live_meeting):
    client = client_for(bob)

    response = client.get(f"/m/{live_meeting.pk}/")

    assert response.status_code == 302
    assert response.url == live_meeting.get_absolute_url()
    # Typed without the last slash, as the screen writes it.
    assert client.get(f"/m/{live_meeting.pk}").url == f"/m/{live_meeting.pk}/"


def test_someone_not_logged_in_logs_in_first_and_goes_on_to_the_meeting(client, bob, live_meeting):
    short = f"/m/{live_meeting.pk}/"

    response = client.get(short)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={short}"
    login = client.post(
        reverse("login"), {"username": bob.user.email, "password": PASSWORD, "next": short}
    )
    assert login.url == short
    assert client.get(short).url == live_meeting.get_absolute_url()


@pytest.mark.parametrize(
    "code",
    [
        "missing",
        "0",
        "abc",
        "-1",
        "1.5",
        "0x10",
        "%D9%A3",  # an Arabic-Indic three: a digit to Python's int(), not to the address
        "1%202",
        "%00",
        str(2**63),
        "9" * 40,
        "1/2",
    ],
)
def test_a_wrong_short_address_is_not_found(client_for, alice, live_meeting, code):
    if code == "missing":
        code = str(live_meeting.pk + 1000)

    response = client_for(alice).get(f"/m/{code}/")

    assert response.status_code == 404
    assertTemplateUsed(response, "404.html")


@pytest.mark.parametrize("persona", ["mallory", "oscar"])
def test_the_short_address_shows_outsiders_nothing(request, client_for, live_meeting, persona):
    """The same answer as for a meeting that does not exist."""
    response = client_for(request.getfixturevalue(persona)).get(f"/m/{live_meeting.pk}/")

    assert response.status_code == 404
    assertTemplateUsed(response, "404.html")


def test_a_planned_meeting_shows_the_code_already(client_for, alice, meeting):
    response = screen(client_for(alice), meeting)

    assert dark_modules(qr_in(response)) == encoded(page_url(meeting))


def test_a_closed_meeting_shows_no_code_and_no_address(client_for, alice, live_meeting):
    meetings.close_meeting(alice, live_meeting)

    response = screen(client_for(alice), live_meeting)

    assert response.status_code == 200
    assertNotContains(response, "<svg")
    assertNotContains(response, f"/m/{live_meeting.pk}")
    assertContains(response, 'data-state="closed"')
