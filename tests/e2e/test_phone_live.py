"""The live page on a phone, as an older tenant meets it (issue 18, points 3 to 7).

Each test acts as the person would: the moderator on their own page (so that the change is
pushed to the others), the member on a 360 px phone, scrolled to where they were reading.
"""

import re

from django.core.cache import caches
from playwright.sync_api import Page, expect

from panels import floor, meetings
from tests.conftest import AGENDA
from tests.e2e.conftest import PHONE, act, live, wait_for
from voting import lifecycle
from voting.models import Ballot, Vote

QUESTION = "Gaan we akkoord met het onderhoudsplan 2027?"


def under_discussion(meeting, alice, *talkers) -> None:
    """The meeting live, the floor open, the second item under discussion and enough
    messages that the discussion is well below the first screen of a phone."""
    for title in AGENDA:
        act(meetings.add_item, alice, meeting, title=title)
    act(meetings.start_meeting, alice, meeting)
    act(floor.set_floor, alice, meeting, True)
    act(meetings.set_current_item, alice, meeting.items.order_by("position")[1])
    for n in range(8):
        for who in talkers:
            act(floor.post_message, who, meeting, f"Bericht {n}: de lekkage in blok C.")
            caches["limits"].clear()  # a chat this long would be paced by the message limit


def prepared_vote(meeting, alice) -> Vote:
    return act(
        lifecycle.prepare_vote,
        alice,
        lifecycle.VoteSpec(question=QUESTION, method="yes_no", options=[]),
        meeting=meeting,
    )


def opened(people, meeting, who, **options) -> Page:
    """This person's live page, open and connected."""
    page = people.page_for(who, **options)
    page.goto(meeting.get_absolute_url())
    live(page)
    return page


def scrolled_to(page: Page, part: str) -> None:
    """Scrolled as a person would, whatever a push replaces meanwhile."""
    page.evaluate("(id) => document.getElementById(id).scrollIntoView()", part)
    expect(page.locator("#live-status")).not_to_be_in_viewport()


def reading_the_discussion(page: Page) -> None:
    scrolled_to(page, "message-form")


def test_a_vote_opened_while_the_member_reads_the_discussion_is_called_out_in_view(
    people, meeting, alice, bob
):
    under_discussion(meeting, alice, alice, bob)
    vote = prepared_vote(meeting, alice)
    moderator = opened(people, meeting, alice)
    page = opened(people, meeting, bob, viewport=PHONE)
    reading_the_discussion(page)
    box = page.get_by_role("textbox", name="Uw bericht")
    box.press_sequentially("Ik wilde nog zeggen")
    expect(page.locator("#live-callout")).to_be_hidden()

    moderator.locator(f"#btn-open-vote-{vote.pk}").click()

    callout = page.locator("#live-callout")
    expect(callout).to_be_in_viewport()
    expect(callout).to_contain_text(QUESTION)
    # Nothing was taken from what the member was doing.
    expect(box).to_be_focused()
    expect(box).to_have_value("Ik wilde nog zeggen")

    callout.get_by_role("link", name=re.compile("Nu stemmen")).click()
    expect(page.locator("#live-ballot")).to_be_in_viewport()
    expect(callout).to_be_hidden()


def test_the_floor_given_to_a_member_scrolled_down_is_called_out_in_view(
    people, meeting, alice, bob
):
    under_discussion(meeting, alice, alice, bob)
    act(floor.raise_hand, bob, meeting)
    moderator = opened(people, meeting, alice)
    page = opened(people, meeting, bob, viewport=PHONE)
    scrolled_to(page, "live-agenda")

    moderator.get_by_role("button", name="Geef het woord aan de volgende spreker").click()

    callout = page.locator("#live-callout")
    expect(callout).to_be_in_viewport()
    expect(callout).to_contain_text("U hebt het woord")


def test_an_offline_vote_says_next_to_the_button_that_it_was_not_recorded(
    people, meeting, alice, bob
):
    under_discussion(meeting, alice, alice)
    vote = act(lifecycle.open_vote, alice, prepared_vote(meeting, alice))
    page = opened(people, meeting, bob, viewport=PHONE)
    ballot = page.locator("#live-ballot")
    ballot.get_by_label("Voor").check()

    page.context.set_offline(True)
    ballot.get_by_role("button", name="Mijn stem uitbrengen").click()

    outcome = page.locator("#live-ballot + #live-notice")
    expect(outcome).to_contain_text("Uw stem is NIET vastgelegd")
    expect(outcome).to_be_in_viewport()
    expect(ballot.get_by_label("Voor")).to_be_checked()  # sending again is one press
    assert not Ballot.objects.filter(vote=vote).exists()

    page.context.set_offline(False)
    live(page)
    ballot.get_by_role("button", name="Mijn stem uitbrengen").click()
    expect(outcome).to_contain_text("Uw stem is vastgelegd")
    expect(outcome).not_to_contain_text("NIET")
    wait_for(lambda: Ballot.objects.filter(vote=vote).count() == 1, what="one ballot")


def test_the_connection_line_says_offline_at_once_and_when_it_is_back(people, meeting, alice, bob):
    under_discussion(meeting, alice, alice)
    page = opened(people, meeting, bob, viewport=PHONE)
    line = page.locator("#live-connection")

    page.context.set_offline(True)
    expect(line).to_have_attribute("data-state", "network-down", timeout=1000)
    expect(line).to_contain_text("U bent offline")

    page.context.set_offline(False)
    expect(line).to_have_attribute("data-state", "open")
    expect(line).to_contain_text("Live")


def test_notices_about_a_vote_go_when_the_vote_moves_on(people, meeting, alice, bob):
    under_discussion(meeting, alice, alice)
    moderator = people.page_for(alice, viewport=PHONE)
    moderator.goto(f"/panels/{meeting.panel_id}/votes/new/?meeting={meeting.pk}")
    moderator.get_by_label("Vraag").fill(QUESTION)
    moderator.locator("main form button[type=submit]").last.click()
    live(moderator)
    prepared = moderator.locator(".messages")
    expect(prepared).to_contain_text("De stemming is voorbereid")
    vote = Vote.objects.get(question=QUESTION)

    moderator.locator(f"#btn-open-vote-{vote.pk}").click()
    expect(moderator.locator("#live-vote")).to_contain_text("hebben gestemd")
    expect(prepared).not_to_contain_text("De stemming is voorbereid")
    notice = moderator.locator("#live-notice")
    expect(notice).to_contain_text("De stemming is open")

    moderator.locator("#btn-close-vote").click()
    expect(moderator.locator("#live-vote")).to_contain_text("Uitslag")
    expect(notice).not_to_contain_text("De stemming is open")


def test_what_the_moderator_opened_stays_open_when_a_push_replaces_it(
    people, meeting, alice, martin
):
    under_discussion(meeting, alice, alice)
    page = opened(people, meeting, alice, viewport=PHONE)
    other = opened(people, meeting, martin)
    page.locator("#live-close-meeting summary").click()
    expect(page.locator("#btn-close")).to_be_visible()

    other.get_by_role("button", name="Woord sluiten").click()  # a push of the status

    expect(page.locator("#live-status")).to_contain_text("Het woord is niet vrij")
    expect(page.locator("#btn-close")).to_be_visible()
