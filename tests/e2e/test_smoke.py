from playwright.sync_api import expect

from tests.e2e.conftest import live, screenshot
from tests.live_helpers import make_live_meeting


def test_a_member_sees_a_live_meeting(people, alice, bob):
    meeting = make_live_meeting(alice)
    page = people.page_for(bob)
    page.goto(meeting.get_absolute_url())
    live(page)
    expect(page.locator("#live-status")).to_contain_text("Opening")
    screenshot(page, "smoke")
