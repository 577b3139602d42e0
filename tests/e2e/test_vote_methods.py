"""The six newer vote methods, each end to end in the browser (voting/methods/).

Alice the moderator prepares the vote through the "Prepare a vote" form in a live meeting
and opens it; bob (on a phone) and dirk answer it on the live page; alice closes it and
all three see the result with its figures, without reloading. People are made with the
ORM; everything else is done through the pages.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect

from panels import floor, meetings
from panels.models import Meeting, Membership, Role
from tests.conftest import AGENDA, make_user
from tests.e2e.conftest import PHONE, SEEN_WITHIN_MS, act, live, screenshot
from voting.models import Ballot, Vote

# The fragments the socket swaps in, by id: its first snapshot replaces them all just
# after it opens, so a test waits for it before it fills anything in.
SWAPS = """
window.__swappedIds = [];
document.addEventListener("htmx:oobAfterSwap", (e) => {
  window.__swappedIds.push((e.detail && e.detail.target && e.detail.target.id) || e.target.id);
});
"""
SNAPSHOT_IN = "() => window.__swappedIds && window.__swappedIds.includes('live-status')"

PLAYGROUND, BENCHES, BIKES, VEGETABLES = "Speeltuin", "Bankjes", "Fietsenstalling", "Moestuin"


@dataclass
class Room:
    """The live meeting, and each person's live page on it."""

    meeting: Meeting
    alice: Page
    bob: Page
    dirk: Page

    @property
    def everyone(self) -> list[Page]:
        return [self.alice, self.bob, self.dirk]


def seen(locator: Locator, text) -> None:
    """Another person's browser shows `text` without reloading, within a few seconds."""
    expect(locator).to_contain_text(text, timeout=SEEN_WITHIN_MS)


def live_page(people, meeting: Meeting, who: Membership, **options) -> Page:
    """This person's live page, connected, with the socket's first snapshot in."""
    page = people.page_for(who, language="en", **options)
    page.add_init_script(SWAPS)
    page.goto(meeting.get_absolute_url())
    live(page)
    page.wait_for_function(SNAPSHOT_IN)
    return page


def room(people, meeting: Meeting, alice, bob, panel) -> Room:
    """The meeting live, and alice, bob (on a phone) and dirk present on its page."""
    for title in AGENDA:
        act(meetings.add_item, alice, meeting, title=title)
    act(meetings.start_meeting, alice, meeting)
    act(floor.set_floor, alice, meeting, True)
    dirk = Membership.objects.create(
        panel=panel, user=make_user("dirk@example.org", "Dirk Member"), role=Role.MEMBER
    )
    here = Room(
        meeting,
        live_page(people, meeting, alice),
        live_page(people, meeting, bob, viewport=PHONE),
        live_page(people, meeting, dirk),
    )
    # All three are present (and so on the roll when the vote opens).
    seen(here.alice.locator("#presence-heading"), "3 present")
    return here


def prepare_and_open(
    here: Room, question: str, method: str, options: Sequence[str] = (), **settings: str
) -> Vote:
    """Alice prepares the vote on the "Prepare a vote" form and opens it on the live page.

    `settings` are the method's own fields, by label.
    """
    page = here.alice
    page.get_by_role("link", name="Prepare a vote on a question").click()
    expect(page.locator("h1")).to_have_text("Prepare a vote")
    page.get_by_label("Question").fill(question)
    page.get_by_label("Method").select_option(method)
    if options:
        page.get_by_label("Options (one per line)").fill("\n".join(options))
    for label, value in settings.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Prepare the vote").click()

    expect(page).to_have_url(re.compile(re.escape(here.meeting.get_absolute_url()) + "$"))
    live(page)
    vote = Vote.objects.get(question=question)
    assert (vote.method, vote.meeting_id, vote.state) == (method, here.meeting.pk, "draft")
    page.get_by_role("button", name=f"Open the vote: {question}").click()
    for person in here.everyone:
        seen(person.locator("#live-vote"), "0 of 3 have voted")
    for member in (here.bob, here.dirk):
        seen(member.locator(f"#ballot-{vote.pk}-q"), question)
    return vote


def reconnected(page: Page) -> None:
    """The phone loses its connection and gets it back; the socket's new snapshot replaces
    every part of the page, the ballot too."""
    page.evaluate("() => { window.__swappedIds = []; }")
    page.context.set_offline(True)
    expect(page.locator("#live-connection")).to_have_attribute("data-state", "network-down")
    page.context.set_offline(False)
    live(page)
    page.wait_for_function(SNAPSHOT_IN)


def ballot(page: Page) -> Locator:
    return page.locator("#live-ballot")


def cast(page: Page) -> None:
    ballot(page).get_by_role("button", name="Cast my vote").click()


def voted(here: Room, page: Page, turnout: int) -> None:
    """The ballot was recorded, and everyone sees the turnout go up."""
    seen(page.locator("#live-notice"), "Your vote has been recorded.")
    seen(page.locator("#live-my-vote"), "You have voted.")
    for person in here.everyone:
        seen(person.locator("#live-vote"), f"{turnout} of 3 have voted")


def refused(here: Room, page: Page, vote: Vote, message: str) -> None:
    """The ballot is refused with `message`, and not counted."""
    seen(page.locator("#live-notice"), message)
    expect(page.locator("#live-notice")).not_to_contain_text("Your vote has been recorded")
    expect(page.locator("#live-my-vote")).not_to_contain_text("You have voted")
    for person in here.everyone:
        expect(person.locator("#live-vote")).to_contain_text("0 of 3 have voted")
    assert not Ballot.objects.filter(vote=vote).exists()


def close(here: Room, outcome: str) -> list[Locator]:
    """Alice closes the vote; everyone sees its outcome. Returns each result, alice's first."""
    here.alice.get_by_role("button", name="Close the vote").click()
    for person in here.everyone:
        seen(person.locator("#live-vote .result__outcome"), outcome)
        seen(person.locator("#live-vote .result"), "2 of 3 who could vote took part.")
    return [person.locator("#live-vote .result") for person in here.everyone]


def row(result: Locator, label: str) -> Locator:
    """The table row of a result headed `label`."""
    return result.locator("tr").filter(
        has=result.page.locator("th", has_text=re.compile(f"^{re.escape(label)}$"))
    )


def cells(result: Locator, label: str, *values: str) -> None:
    expect(row(result, label).locator("td")).to_have_text(list(values))


# --- the tests ---------------------------------------------------------------------------------


def test_consent_an_objection_needs_a_reason_and_blocks_adoption(
    people, panel, meeting, alice, bob
):
    here = room(people, meeting, alice, bob, panel)
    question = "Mogen de fietsen voortaan in de kelder?"
    vote = prepare_and_open(here, question, "consent")

    # Bob objects without a reason: refused, not counted; with one, it counts.
    ballot(here.bob).get_by_role("radio", name="Objection").check()
    cast(here.bob)
    refused(here, here.bob, vote, "Write why you object: the moderator addresses every objection.")
    reason = "De kelder is 's avonds niet verlicht."
    ballot(here.bob).get_by_label("Your concern or objection").fill(reason)
    cast(here.bob)
    voted(here, here.bob, 1)

    concern = "Graag een rek, anders staat alles door elkaar."
    ballot(here.dirk).get_by_role("radio", name="Consent, with a concern").check()
    ballot(here.dirk).get_by_label("Your concern or objection").fill(concern)
    cast(here.dirk)
    voted(here, here.dirk, 2)

    for result in close(here, "Not adopted: 1 objection"):
        cells(result, "Consent", "0")
        cells(result, "Consent, with a concern", "1")
        cells(result, "Objection", "1")
        expect(result.locator("ul.remarks li")).to_have_text(
            [f"Objection: {reason}", f"Consent, with a concern: {concern}"]
        )
    screenshot(here.bob, "vote-methods-consent-phone")
    assert Vote.objects.get(pk=vote.pk).result["outcome"] == "rejected"


def test_multiple_choice_counts_every_option_ticked(people, panel, meeting, alice, bob):
    here = room(people, meeting, alice, bob, panel)
    question = "Wat komt er in de binnentuin?"
    options = [PLAYGROUND, BENCHES, BIKES, VEGETABLES]
    vote = prepare_and_open(
        here,
        question,
        "multiple_choice",
        options,
        **{"Multiple choice: how many options one may tick at most": "2"},
    )
    for member in (here.bob, here.dirk):
        expect(ballot(member)).to_contain_text("Tick at most 2 options.")

    # Dirk ticks three: refused, not counted; unticking one, his ballot counts.
    for option in (BENCHES, BIKES, VEGETABLES):
        ballot(here.dirk).get_by_label(option, exact=True).check()
    cast(here.dirk)
    refused(here, here.dirk, vote, "Tick at most 2 options; you ticked 3.")

    ballot(here.bob).get_by_label(PLAYGROUND, exact=True).check()
    ballot(here.bob).get_by_label(BENCHES, exact=True).check()
    cast(here.bob)
    voted(here, here.bob, 1)
    ballot(here.dirk).get_by_label(VEGETABLES, exact=True).uncheck()
    cast(here.dirk)
    voted(here, here.dirk, 2)

    for result in close(here, f"Chosen most: {BENCHES}"):
        cells(result, PLAYGROUND, "1")
        cells(result, BENCHES, "2")
        cells(result, BIKES, "1")
        cells(result, VEGETABLES, "0")
        cells(result, "Abstain", "0")
    screenshot(here.bob, "vote-methods-multiple-choice-phone")


def test_score_gives_each_option_its_mean_and_median(people, panel, meeting, alice, bob):
    here = room(people, meeting, alice, bob, panel)
    question = "Hoe tevreden bent u over de schoonmaak?"
    prepare_and_open(
        here,
        question,
        "score",
        [PLAYGROUND, BENCHES],
        **{"Score: lowest mark": "1", "Score: highest mark": "5"},
    )
    for member in (here.bob, here.dirk):
        expect(ballot(member)).to_contain_text("Give each option a mark from 1 (lowest) to 5")
        expect(ballot(member).get_by_label(PLAYGROUND).locator("option")).to_have_text(
            ["—", "1", "2", "3", "4", "5"]
        )

    ballot(here.bob).get_by_label(PLAYGROUND).select_option("4")
    ballot(here.bob).get_by_label(BENCHES).select_option("2")
    cast(here.bob)
    voted(here, here.bob, 1)
    ballot(here.dirk).get_by_label(PLAYGROUND).select_option("5")  # benches: no mark
    cast(here.dirk)
    voted(here, here.dirk, 2)

    for result in close(here, f"Highest score: {PLAYGROUND}"):
        # Mean, median, marks given, how many gave each mark.
        cells(result, PLAYGROUND, "4.5", "4.5", "2", "4: 1; 5: 1")
        cells(result, BENCHES, "2.0", "2.0", "1", "2: 1")
    screenshot(here.bob, "vote-methods-score-phone")


def test_points_over_the_budget_are_refused_and_the_totals_add_up(
    people, panel, meeting, alice, bob
):
    here = room(people, meeting, alice, bob, panel)
    question = "Welk onderhoud gaat voor?"
    vote = prepare_and_open(
        here,
        question,
        "points",
        [PLAYGROUND, BENCHES, BIKES],
        **{"Points: how many points each member divides": "12"},
    )
    for member in (here.bob, here.dirk):
        expect(ballot(member)).to_contain_text("Divide at most 12 points over the options.")

    # Bob gives 15 of his 12 points: refused, and not counted. (His phone loses its
    # connection meanwhile: the points he typed are still there when it is back.)
    ballot(here.bob).get_by_label(PLAYGROUND).fill("8")
    ballot(here.bob).get_by_label(BENCHES).fill("7")
    reconnected(here.bob)
    expect(ballot(here.bob).get_by_label(PLAYGROUND)).to_have_value("8")
    expect(ballot(here.bob).get_by_label(BENCHES)).to_have_value("7")
    cast(here.bob)
    refused(
        here,
        here.bob,
        vote,
        "You gave 15 points, but you have 12 to divide. Take some away and cast your vote again.",
    )
    ballot(here.bob).get_by_label(BENCHES).fill("4")
    cast(here.bob)
    voted(here, here.bob, 1)

    ballot(here.dirk).get_by_label(PLAYGROUND).fill("5")
    ballot(here.dirk).get_by_label(BIKES).fill("7")
    cast(here.dirk)
    voted(here, here.dirk, 2)

    for result in close(here, f"Most points: {PLAYGROUND}"):
        # Points, and how many members gave the option points.
        cells(result, PLAYGROUND, "13", "2")
        cells(result, BENCHES, "4", "1")
        cells(result, BIKES, "7", "1")
    screenshot(here.bob, "vote-methods-points-phone")
    totals = {label: points for label, points, _n in Vote.objects.get(pk=vote.pk).result["points"]}
    assert totals == {PLAYGROUND: 13, BENCHES: 4, BIKES: 7}


def test_date_poll_finds_the_best_date_and_plans_the_meeting_on_it(
    people, panel, meeting, alice, bob
):
    here = room(people, meeting, alice, bob, panel)
    question = "Wanneer houden we de bewonersavond?"
    sunday, tuesday, thursday = "2027-03-14 19:30", "2027-03-16 20:00", "2027-03-18 19:30"
    vote = prepare_and_open(here, question, "date_poll", [thursday, sunday, tuesday])
    when = {
        sunday: "Sunday 14 March 2027, 19:30",
        tuesday: "Tuesday 16 March 2027, 20:00",
        thursday: "Thursday 18 March 2027, 19:30",
    }
    for member in (here.bob, here.dirk):  # in the order of time, in words
        expect(ballot(member).locator("legend")).to_have_text(
            [question, when[sunday], when[tuesday], when[thursday]]
        )

    answers = (
        (here.bob, {sunday: "Yes", tuesday: "Yes", thursday: "No"}),
        (here.dirk, {sunday: "If need be", tuesday: "Yes"}),  # thursday: no answer
    )
    for turnout, (page, answer) in enumerate(answers, start=1):
        for date, word in answer.items():
            ballot(page).get_by_role("group", name=when[date]).get_by_label(
                word, exact=True
            ).check()
        cast(page)
        voted(here, page, turnout)

    for result in close(here, f"Best date: {when[tuesday]}"):
        # Yes, if need be, no.
        cells(result, when[sunday], "1", "1", "0")
        cells(result, when[tuesday], "2", "0", "0")
        cells(result, when[thursday], "0", "0", "1")
        expect(result.locator("tr.is-best th")).to_have_text(when[tuesday])
    screenshot(here.bob, "vote-methods-date-poll-phone")

    # Alice plans the meeting on the best date, from the poll's page.
    here.alice.locator("#live-vote").get_by_role("link", name=question).click()
    expect(here.alice.locator("h1")).to_have_text(question)
    here.alice.get_by_role(
        "button", name=f"Plan a meeting on {when[tuesday]} and invite the members"
    ).click()
    expect(here.alice.locator(".messages")).to_contain_text(
        "The meeting is planned and the members have been invited by email."
    )
    planned = Vote.objects.get(pk=vote.pk).follow_up_meeting
    assert planned is not None and planned.pk != meeting.pk
    expect(here.alice).to_have_url(re.compile(re.escape(planned.get_absolute_url()) + "$"))
    expect(here.alice.locator("h1")).to_have_text(question)
    expect(here.alice.locator("#live-status")).to_contain_text(when[tuesday])
    assert planned.starts_at.isoformat() == "2027-03-16T19:00:00+00:00"  # 20:00 in Amsterdam


def test_sense_check_reads_the_room_and_decides_nothing(people, panel, meeting, alice, bob):
    here = room(people, meeting, alice, bob, panel)
    question = "Hoe staan we tegenover een buurtbarbecue?"
    prepare_and_open(here, question, "sense_check")

    remark = "Graag op een zaterdag."
    ballot(here.bob).get_by_label("👍 Positive").check()
    ballot(here.bob).get_by_label("A remark (optional)").fill(remark)
    cast(here.bob)
    voted(here, here.bob, 1)
    ballot(here.dirk).get_by_label("🤔 Unsure").check()
    cast(here.dirk)
    voted(here, here.dirk, 2)

    for result in close(here, "Noted: this question decides nothing"):
        cells(result, "👍 Positive", "1")
        cells(result, "🤔 Unsure", "1")
        cells(result, "👎 Negative", "0")
        expect(result.locator("ul.remarks li")).to_have_text([f"👍 Positive: {remark}"])
    screenshot(here.bob, "vote-methods-sense-check-phone")
