"""The big screen's join code in a real browser: drawn within our Content Security Policy,
large enough to scan, and gone from the wall as soon as the moderator ends the meeting."""

from django.urls import reverse
from playwright.sync_api import expect

from panels import meetings
from tests.conftest import AGENDA
from tests.e2e.conftest import DESKTOP, act, live, screenshot

ROOT_PX = 18  # the stylesheet's root size: 112.5 % of the browser's 16 px


def test_the_big_screen_shows_a_code_to_scan_until_the_meeting_ends(people, meeting, alice):
    for title in AGENDA:
        act(meetings.add_item, alice, meeting, title=title)
    act(meetings.start_meeting, alice, meeting)
    page = people.page_for(alice, viewport={"width": 1920, "height": 1080}, language="en")
    url = reverse("panels:meeting_screen", args=[meeting.panel_id, meeting.pk])

    with page.expect_websocket() as opened:
        page.goto(url)
    opened.value.expect_event("framereceived")  # the snapshot: the screen now hears pushes

    code = page.get_by_role("img", name="QR code that opens this meeting on your phone")
    expect(code).to_be_visible()
    box = code.locator("svg").bounding_box()
    assert box["width"] >= 12 * ROOT_PX and box["width"] == box["height"]
    # In the top right corner, beside what is being discussed.
    assert box["x"] > 1920 / 2 and box["y"] < 1080 / 3
    expect(page.locator(".join-code__address")).to_have_text(
        f"{people.server.origin.split('://')[1]}/m/{meeting.pk}"
    )
    screenshot(page, "big-screen-join-code")

    moderator = people.page_for(alice)
    moderator.goto(meeting.get_absolute_url())
    live(moderator).locator(".danger-zone summary").click()
    moderator.locator("#btn-close").click()

    expect(page.locator("#screen-status")).to_have_attribute("data-state", "closed")
    expect(page.locator(".join-code")).to_be_hidden()


def test_a_phone_follows_the_short_address_through_the_login(people, meeting, bob):
    page = people.page_for(None, viewport=DESKTOP)

    page.goto(f"/m/{meeting.pk}")
    page.get_by_label("E-mailadres").fill(bob.user.email)
    page.get_by_label("Wachtwoord").fill("correct horse battery staple")
    page.get_by_role("button", name="Inloggen").click()

    expect(page).to_have_url(people.server.origin + meeting.get_absolute_url())
