"""Text size in a real browser: found from the site header on a 360px phone, chosen on the
account page, and every page still fits the phone at the largest size (no sideways
scrolling). Screenshots of each page at that size go to artifacts/screenshots/."""

from django.urls import reverse
from playwright.sync_api import expect

from panels import meetings
from tests.conftest import AGENDA
from tests.e2e.conftest import PHONE, act, screenshot

SIDEWAYS = "document.documentElement.scrollWidth - window.innerWidth"


def test_a_member_finds_the_setting_and_every_page_fits_the_phone(people, meeting, alice, bob):
    for title in AGENDA:
        act(meetings.add_item, alice, meeting, title=title)
    act(meetings.start_meeting, alice, meeting)
    page = people.page_for(bob, viewport=PHONE, language="en")  # the new words are English
    page.goto(reverse("panels:home"))

    page.get_by_role("navigation", name="Account").get_by_role("link", name="Text size").click()
    page.get_by_role("radio", name="Very large").check()
    page.get_by_role("button", name="Save text size").click()

    expect(page.locator("html")).to_have_class("text-very-large")
    expect(page.get_by_role("radio", name="Very large")).to_be_checked()
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "24.75px"
    pages = {
        "home": reverse("panels:home"),
        "account": reverse("panels:account"),
        "panel": bob.panel.get_absolute_url(),
        "meeting": meeting.get_absolute_url(),
    }
    for name, url in pages.items():
        page.goto(url)
        expect(page.locator("html")).to_have_class("text-very-large")
        assert page.evaluate(SIDEWAYS) <= 0, f"{name} scrolls sideways at the largest text"
        screenshot(page, f"text-very-large-phone-{name}")
