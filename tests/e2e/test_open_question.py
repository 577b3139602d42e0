"""The open question end to end in the browser (voting/methods/open_question.py,
voting/answers.py).

Alice the moderator prepares it through the "Prepare a vote" form in a live meeting (with a
limit on the length of an answer) and opens it; bob (on a phone) and dirk answer it on the
live page; alice closes it and all three see the answers. Alice hides dirk's answer with a
reason on the vote page; bob brings his own answer in as a proposal on the agenda item
under discussion, and the terugkoppeling page says what it grew from. People are made with
the ORM; everything else is done through the pages.
"""

import re

from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e.conftest import live, screenshot
from tests.e2e.test_vote_methods import Room, ballot, cast, close, refused, room, seen, voted
from voting.models import HiddenAnswer, Proposal, Vote

QUESTION = "Wat kan er beter in de buurt?"
LIMIT = "Written answers: at most this many characters each"
BOBS = "Meer bankjes bij de speeltuin"
DIRKS = "De buurman van 12 is een oplichter"
REASON = "Een beschuldiging van een buurman"
CURRENT_ITEM = "Bewonersavond — Opening en mededelingen"


def prepare_and_open(here: Room, limit: str) -> Vote:
    """Alice prepares the open question on the "Prepare a vote" form and opens it live."""
    page = here.alice
    page.get_by_role("link", name="Prepare a vote on a question").click()
    expect(page.locator("h1")).to_have_text("Prepare a vote")
    page.get_by_label("Question:", exact=True).fill(QUESTION)
    page.get_by_label("Method").select_option("open_question")
    page.get_by_label(LIMIT).fill(limit)
    page.get_by_role("button", name="Prepare the vote").click()

    expect(page).to_have_url(re.compile(re.escape(here.meeting.get_absolute_url()) + "$"))
    live(page)
    vote = Vote.objects.get(question=QUESTION)
    assert (vote.method, vote.meeting_id, vote.state) == ("open_question", here.meeting.pk, "draft")
    page.get_by_role("button", name=f"Open the vote: {QUESTION}").click()
    for person in here.everyone:
        seen(person.locator("#live-vote"), "0 of 3 have voted")
    for member in (here.bob, here.dirk):
        seen(member.locator(f"#ballot-{vote.pk}-q"), QUESTION)
    return vote


def answer_field(page: Page):
    return ballot(page).get_by_label("Your answer (at most 40 characters)")


def to_vote_page(page: Page) -> None:
    """From the live page to the question's own page, by its link."""
    page.locator("#live-vote").get_by_role("link", name=QUESTION).click()
    expect(page.locator("h1")).to_have_text(QUESTION)


def test_answers_are_listed_one_is_hidden_and_one_becomes_a_proposal(
    people, panel, meeting, alice, bob
):
    here = room(people, meeting, alice, bob, panel)
    vote = prepare_and_open(here, "40")
    assert Vote.objects.get(pk=vote.pk).settings == {"max_length": 40}
    for member in (here.bob, here.dirk):
        expect(answer_field(member)).to_have_attribute("maxlength", "40")

    # Dirk's browser does not keep to the limit (an old one, or a pasted text): the
    # server refuses the answer with the limit in words, and nothing is counted.
    answer_field(here.dirk).evaluate("field => field.removeAttribute('maxlength')")
    answer_field(here.dirk).fill("x" * 45)
    cast(here.dirk)
    refused(here, here.dirk, vote, "Write at most 40 characters; this is 45.")

    answer_field(here.bob).fill(BOBS)
    cast(here.bob)
    voted(here, here.bob, 1)
    answer_field(here.dirk).fill(DIRKS)
    cast(here.dirk)
    voted(here, here.dirk, 2)

    # Everyone sees the answers, sorted (the order they came in does not show).
    for result in close(here, "Noted"):
        expect(result.locator("ul.answers li")).to_have_text([DIRKS, BOBS])
    screenshot(here.bob, "open-question-answers-phone")

    # Alice hides dirk's answer, with a reason, on the vote page.
    to_vote_page(here.alice)
    actions = here.alice.locator("section", has=here.alice.locator("#answers-heading"))
    expect(actions.locator("#answers-heading")).to_have_text("Do something with an answer")
    dirks = actions.locator("li", has_text=DIRKS)
    dirks.get_by_text("Hide this answer").click()
    dirks.get_by_label("Why are you hiding this?").fill(REASON)
    dirks.get_by_role("button", name="Hide").click()
    expect(here.alice.locator(".messages")).to_contain_text("The answer is hidden.")
    expect(here.alice.locator("h1")).to_have_text(QUESTION)
    # The moderator still sees what was hidden and why.
    expect(actions.locator("li", has_text=DIRKS)).to_contain_text(f"Hidden: {DIRKS} ({REASON})")
    assert HiddenAnswer.objects.get(vote=vote).reason == REASON

    # The others no longer see its text: not on the live page, nor on the vote page.
    for member in (here.bob, here.dirk):
        member.reload()
        expect(member.locator("#live-vote ul.answers li")).to_have_text(
            ["An answer was hidden by a moderator.", BOBS]
        )
        expect(member.locator("main")).not_to_contain_text(DIRKS)
        to_vote_page(member)
        expect(member.locator(".result ul.answers li")).to_have_text(
            ["An answer was hidden by a moderator.", BOBS]
        )
        expect(member.get_by_role("listitem").filter(has_text="Dirk Member:")).to_have_text(
            "Dirk Member: — — (hidden by a moderator)"
        )
    expect(here.bob.locator("main")).not_to_contain_text(DIRKS)
    expect(here.bob.locator("main")).not_to_contain_text(REASON)
    # Only its author still finds it, among his own answers, with the moderator's reason.
    expect(here.dirk.locator("ul.answer-actions li")).to_have_text([f"Hidden: {DIRKS} ({REASON})"])

    # Dirk may not bring bob's answer in (it is bob's, in a named vote).
    expect(here.dirk.get_by_role("button", name="Bring it in")).to_have_count(0)

    # Bob brings his own answer in, on the agenda item under discussion.
    bobs = here.bob.locator("ul.answer-actions li", has_text=BOBS)
    bobs.get_by_text("Bring it in as a proposal").click()
    expect(bobs.get_by_label("Title of the proposal")).to_have_value(BOBS)
    bobs.get_by_label("Title of the proposal").fill("Bankjes bij de speeltuin")
    bobs.get_by_label("Agenda item").select_option(label=CURRENT_ITEM)
    bobs.get_by_role("button", name="Bring it in").click()
    expect(here.bob.locator(".messages")).to_contain_text("The answer is brought in as a proposal.")
    expect(here.bob.locator("h1")).to_have_text("Bankjes bij de speeltuin")
    proposal = Proposal.objects.get()
    expect(here.bob).to_have_url(re.compile(re.escape(proposal.get_absolute_url()) + "$"))
    assert (proposal.text, proposal.submitter_id, proposal.from_vote_id) == (BOBS, bob.pk, vote.pk)
    assert proposal.item == meeting.items.get(state="current")

    # The terugkoppeling page says where the proposal came from, with a link to the question.
    here.dirk.goto(reverse("agreements:feedback", args=[panel.pk]))
    card = here.dirk.locator("article", has_text="Bankjes bij de speeltuin")
    expect(card).to_contain_text(f"Grew from the answers to {QUESTION}")
    card.get_by_role("link", name=QUESTION).click()
    expect(here.dirk.locator("h1")).to_have_text(QUESTION)
    screenshot(here.bob, "open-question-proposal-phone")
