"""Voting with the keyboard only: Tab, Space, Enter and the arrow keys, never the mouse.

From the top of the live meeting page a member reaches the ballot (through the skip link),
chooses, casts and gets the confirmation. Every control they land on shows where the focus
is, and a push that replaces the ballot keeps their place and their choice.
"""

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import act, live, screenshot
from tests.live_helpers import make_live_meeting
from voting import lifecycle
from voting.models import Ballot, Vote

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    label: (el.getAttribute("aria-label") || el.labels?.[0]?.innerText || el.innerText || "")
      .trim().slice(0, 80),
    checked: !!el.checked,
    value: el.value ?? null,
    inBallot: !!el.closest("#live-ballot"),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== "none",
    shown: box.width > 0 && box.height > 0 && style.visibility !== "hidden",
  };
}"""


def focused(page: Page) -> dict:
    return page.evaluate(FOCUSED)


def press(page: Page, key: str) -> dict:
    """Press a key; the element that has the focus then is visible and shows that it has it."""
    page.keyboard.press(key)
    now = focused(page)
    assert now["tag"] != "body", f"the focus was lost after {key}"
    assert now["shown"], f"the focus went to something not shown after {key}: {now}"
    assert now["outline"] or now["shadow"], f"no visible focus after {key}: {now}"
    return now


def tab_until(page: Page, wanted, limit: int = 40) -> dict:
    passed = []
    for _ in range(limit):
        now = press(page, "Tab")
        if wanted(now):
            return now
        passed.append(now["label"] or now["id"])
    raise AssertionError(f"not reached within {limit} presses of Tab; passed {passed}")


def from_the_top(page: Page) -> None:
    """Start as a keyboard user does on a fresh page: the skip link first, then the content."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    skip = press(page, "Tab")
    assert skip["label"] == "Direct naar de inhoud", skip
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main", "the skip link moves the focus to the content"


def replaced_by_a_push(page: Page, selector: str) -> None:
    """Ask for a fresh snapshot, as a phone does when it wakes up, and wait until it replaced
    the element (the old element is marked; the new one is not)."""
    page.evaluate(f"() => document.querySelector('{selector}').setAttribute('data-old', '1')")
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    expect(page.locator(f"{selector}[data-old]")).to_have_count(0)
    expect(page.locator(selector)).to_have_count(1)


def open_vote(alice, meeting, **spec) -> Vote:
    spec = lifecycle.VoteSpec(**({"options": []} | spec))
    vote = act(lifecycle.prepare_vote, alice, spec, meeting=meeting)
    return act(lifecycle.open_vote, alice, vote)


def test_a_member_votes_for_against_or_abstain_with_the_keyboard(people, alice, bob):
    meeting = make_live_meeting(alice)
    spec = lifecycle.VoteSpec(question="Schilderen we in 2026?", method="yes_no", options=[])
    vote = act(lifecycle.prepare_vote, alice, spec, meeting=meeting)
    page = people.page_for(bob)
    page.goto(meeting.get_absolute_url())
    live(page)

    # The moderator opens the vote in her browser; bob's ballot arrives by a push.
    moderator = people.page_for(alice)
    moderator.goto(meeting.get_absolute_url())
    live(moderator)
    moderator.get_by_role("button", name="Stemming openen: Schilderen we in 2026?").click()
    expect(page.locator("#live-ballot")).to_contain_text("Schilderen we in 2026?")

    from_the_top(page)
    first = tab_until(page, lambda f: f["inBallot"])
    assert (first["id"], first["checked"]) == (f"b{vote.pk}-for", False), first
    press(page, "Space")
    expect(page.locator(f"#b{vote.pk}-for")).to_be_checked()
    now = press(page, "ArrowDown")
    assert (now["id"], now["checked"]) == (f"b{vote.pk}-against", True), now

    # A push replaces the ballot while bob is in it: his place and his choice stay.
    replaced_by_a_push(page, "#live-ballot")
    now = focused(page)
    assert now["id"] == f"b{vote.pk}-against", f"the focus moved: {now}"
    expect(page.locator(f"#b{vote.pk}-against")).to_be_checked()
    assert now["outline"] or now["shadow"], now

    button = press(page, "Tab")
    assert button["id"] == f"btn-cast-{vote.pk}", button
    screenshot(page, "keyboard-ballot")
    page.keyboard.press("Enter")
    expect(page.locator("#live-notice")).to_contain_text("Uw stem is vastgelegd.")
    expect(page.locator("#live-my-vote")).to_contain_text("U hebt gestemd.")
    expect(page.locator("#live-ballot")).to_be_hidden()
    assert list(Ballot.objects.filter(vote=vote).values_list("choice", flat=True)) == ["against"]

    # The ballot went away under the focus: the focus is kept on the page, where bob was.
    now = focused(page)
    assert now["tag"] != "body" and now["shown"], f"the focus was lost after voting: {now}"
    # And a push that then replaces that very fragment (its re-rendered copy comes without
    # the tabindex that held the focus) keeps it there too.
    assert now["id"], now
    replaced_by_a_push(page, f"#{now['id']}")
    again = focused(page)
    assert (again["tag"], again["id"]) == (now["tag"], now["id"]), f"the focus moved: {again}"
    after = press(page, "Tab")
    assert not after["inBallot"], after
    screenshot(page, "keyboard-voted")


def at_the_ballot(people, alice, bob, **spec) -> tuple[Page, Vote, dict]:
    """An open vote on bob's live page, and bob tabbed from the top to its first control."""
    meeting = make_live_meeting(alice)
    vote = open_vote(alice, meeting, **spec)
    page = people.page_for(bob)
    page.goto(meeting.get_absolute_url())
    live(page)
    from_the_top(page)
    return page, vote, tab_until(page, lambda f: f["inBallot"])


def test_a_member_chooses_among_options_with_the_keyboard(people, alice, bob):
    page, vote, first = at_the_ballot(
        people,
        alice,
        bob,
        question="Welke kleur krijgen de kozijnen?",
        method="one_choice",
        options=["Groen", "Crème", "Antraciet"],
    )
    green, cream, anthracite = vote.options.order_by("position")
    assert first["id"] == f"b{vote.pk}-o{green.pk}", first
    press(page, "ArrowDown")
    now = press(page, "ArrowDown")
    assert (now["id"], now["checked"]) == (f"b{vote.pk}-o{anthracite.pk}", True), now
    now = press(page, "ArrowUp")
    assert (now["id"], now["checked"]) == (f"b{vote.pk}-o{cream.pk}", True), now

    replaced_by_a_push(page, "#live-ballot")
    assert focused(page)["id"] == f"b{vote.pk}-o{cream.pk}"
    expect(page.locator(f"#b{vote.pk}-o{cream.pk}")).to_be_checked()

    assert press(page, "Tab")["id"] == f"btn-cast-{vote.pk}"
    page.keyboard.press("Enter")
    expect(page.locator("#live-my-vote")).to_contain_text("U hebt gestemd.")
    assert [b.option_id for b in Ballot.objects.filter(vote=vote)] == [cream.pk]
    assert focused(page)["tag"] != "body", "the focus was lost after voting"


def test_a_member_ranks_options_with_the_keyboard(people, alice, bob):
    page, vote, first = at_the_ballot(
        people,
        alice,
        bob,
        question="Welk plan gaat voor?",
        method="ranked",
        options=["Kozijnen", "Dak", "Tuin"],
    )
    frames, roof, garden = vote.options.order_by("position")
    assert first["id"] == f"b{vote.pk}-r{frames.pk}", first
    # Kozijnen 2nd, Dak 1st, Tuin not ranked: a closed select changes with the arrow keys.
    press(page, "ArrowDown")
    assert press(page, "ArrowDown")["value"] == "2"
    assert press(page, "Tab")["id"] == f"b{vote.pk}-r{roof.pk}"
    assert press(page, "ArrowDown")["value"] == "1"

    replaced_by_a_push(page, "#live-ballot")
    assert focused(page)["id"] == f"b{vote.pk}-r{roof.pk}"
    expect(page.locator(f"#b{vote.pk}-r{frames.pk}")).to_have_value("2")
    expect(page.locator(f"#b{vote.pk}-r{roof.pk}")).to_have_value("1")

    assert press(page, "Tab")["id"] == f"b{vote.pk}-r{garden.pk}"
    assert press(page, "Tab")["id"] == f"btn-cast-{vote.pk}"
    page.keyboard.press("Enter")
    expect(page.locator("#live-my-vote")).to_contain_text(re.compile("U hebt gestemd"))
    assert [b.ranking for b in Ballot.objects.filter(vote=vote)] == [[roof.pk, frames.pk]]
    assert focused(page)["tag"] != "body", "the focus was lost after voting"
