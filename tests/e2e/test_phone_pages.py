"""The live page on a phone (360×740) for each role, in a meeting in full swing.

Each test keeps two screenshots: the whole page and the first screen (what a person sees
before scrolling). They go to PHONE_SHOTS when set (docs/screenshots/live-phone/ keeps a
set from before and after a change of layout), else among the other screenshots.
"""

import os
import secrets
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from panels import floor, meetings
from panels.live import presence
from panels.models import Meeting, Membership
from tests.conftest import AGENDA
from tests.e2e.conftest import PHONE, SCREENSHOTS, act, live
from voting import casting, lifecycle

QUESTION = "Komen er bankjes in de binnentuin?"


@pytest.fixture
def meeting_in_full_swing(meeting, alice, bob, nora, tina) -> Meeting:
    """Live: the second of three items under discussion, the floor open, three messages,
    nora waiting for her turn, and a yes/no vote open in which tina has voted."""
    for title in AGENDA:
        act(meetings.add_item, alice, meeting, title=title)
    act(meetings.start_meeting, alice, meeting)
    act(meetings.set_current_item, alice, meeting.items.get(title=AGENDA[1]))
    act(floor.set_floor, alice, meeting, True)
    for who in (alice, nora, tina):  # in the room before the vote opens: on its roll
        act(presence.visit, meeting.pk, who.pk)
    for who, text in (
        (tina, "De lekkage in blok C is na drie meldingen nog steeds niet verholpen."),
        (nora, "Bij ons in de Lindelaan komt de loodgieter steeds te laat."),
        (bob, "Kan de corporatie een vaste dag per week voor reparaties afspreken?"),
    ):
        act(floor.post_message, who, meeting, text)
    act(floor.raise_hand, nora, meeting)
    spec = lifecycle.VoteSpec(question=QUESTION, method="yes_no", options=[])
    vote = act(
        lifecycle.open_vote, alice, act(lifecycle.prepare_vote, alice, spec, meeting=meeting)
    )
    act(casting.cast_ballot, tina, vote, choice="for", key=secrets.token_hex(16))
    return meeting


def opened_on_a_phone(people, meeting: Meeting, who: Membership) -> Page:
    page = people.page_for(who, viewport=PHONE)
    page.goto(meeting.get_absolute_url())
    live(page)
    current = meeting.items.get(title=AGENDA[1])
    expect(page.locator("#live-status")).to_have_attribute("data-current-item", str(current.pk))
    expect(page.locator("#live-vote")).to_contain_text(QUESTION)
    return page


def keep(page: Page, role: str) -> None:
    folder = Path(os.environ.get("PHONE_SHOTS") or SCREENSHOTS / "live-phone")
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / f"{role}.png", full_page=True)
    page.screenshot(path=folder / f"{role}-first-screen.png")


# Where each part's top is on the page, or null where it is not shown; read in one go, so a
# push that swaps a part in meanwhile cannot catch one of them between old and new.
TOPS = """selectors => selectors.map(selector => {
    const part = document.querySelector(selector);
    if (!part || part.getClientRects().length === 0) return null;
    return part.getBoundingClientRect().top + window.scrollY;
})"""


def in_this_order(page: Page, *selectors: str) -> None:
    """The parts appear on the phone's one column in this order, top to bottom."""
    tops = page.evaluate(TOPS, list(selectors))
    placed = dict(zip(selectors, tops, strict=True))
    assert None not in tops, f"not shown: {placed}"
    assert tops == sorted(tops), placed


def first_screen_says_what_is_discussed(page: Page) -> None:
    expect(page.locator("#live-status").get_by_text(AGENDA[1])).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_member_on_a_phone(people, meeting_in_full_swing, bob):
    page = opened_on_a_phone(people, meeting_in_full_swing, bob)
    expect(page.locator("#live-ballot")).to_contain_text(QUESTION)
    keep(page, "member")

    first_screen_says_what_is_discussed(page)
    # The open vote is on the first screen: the ballot, or the call-out that leads to it.
    callout = page.locator("#live-callout")
    expect(callout).to_be_in_viewport()
    expect(callout).to_contain_text(QUESTION)
    # What he can do comes before what he can read.
    in_this_order(page, "#live-status", "#live-ballot", "#live-my-hand", "#live-discussion")
    in_this_order(page, "#live-discussion", "#message-form", "#live-proposals", "#live-agenda")


def test_the_moderator_on_a_phone(people, meeting_in_full_swing, alice):
    page = opened_on_a_phone(people, meeting_in_full_swing, alice)
    keep(page, "moderator")

    first_screen_says_what_is_discussed(page)
    expect(page.get_by_role("button", name="Woord sluiten")).to_be_in_viewport()
    # Her controls (the vote, the speakers, the agenda) before the discussion.
    in_this_order(
        page, "#live-status", "#live-vote", "#live-speakers", "#live-give-floor",
        "#live-agenda", "#live-discussion",
    )  # fmt: skip


def test_an_observer_on_a_phone(people, meeting_in_full_swing, olga):
    page = opened_on_a_phone(people, meeting_in_full_swing, olga)
    expect(page.locator("#live-ballot")).to_be_hidden()
    keep(page, "observer")

    first_screen_says_what_is_discussed(page)
    expect(page.locator("#live-status")).to_contain_text("als waarnemer")
    expect(page.get_by_role("heading", name="Uw spreekbeurt")).to_have_count(0)
    in_this_order(page, "#live-status", "#live-vote", "#live-speakers", "#live-discussion")
