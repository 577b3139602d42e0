"""Without JavaScript: every core flow is a plain form, answered by a redirect (or by the
same page with the errors in it), and a reload shows what others changed.

A member logs in through the real login form and follows links to the live meeting; a
moderator steers the meeting from the same page. Nobody here has a live socket.
"""

import re

from playwright.sync_api import Locator, Page, Response, expect

from panels import floor, meetings
from panels.models import AgendaItem, Message, SpeakerRequest
from tests.conftest import AGENDA, PASSWORD
from tests.e2e.conftest import PHONE, act, screenshot
from voting import lifecycle, results
from voting.models import Participation, Proposal, Vote


def plan(alice, meeting, live: bool = True):
    """The conftest's live meeting, built through the services: three agenda items, the first
    under discussion, the floor open."""
    for title in AGENDA:
        act(meetings.add_item, alice, meeting, title=title)
    if live:
        act(meetings.start_meeting, alice, meeting)
        act(floor.set_floor, alice, meeting, True)
    return list(meeting.items.order_by("position"))


def post_and_redirect(page: Page, button: Locator) -> Response:
    """Press a form's button: a POST, answered by a redirect to a page (Post/Redirect/Get)."""
    with page.expect_navigation() as navigation:
        button.click()
    response = navigation.value
    posted = response.request.redirected_from
    assert posted is not None and posted.method == "POST", (
        f"expected a redirect after the POST, got {response.status} for "
        f"{response.request.method} {response.url}"
    )
    assert response.request.method == "GET" and response.ok, response.status
    return response


def post_refused(page: Page, button: Locator) -> Response:
    """Press a form's button with invalid input: the same form again, with the errors, 400."""
    with page.expect_navigation() as navigation:
        button.click()
    response = navigation.value
    assert response.request.method == "POST" and response.request.redirected_from is None
    assert response.status == 400, response.status
    return response


def log_in(page: Page, email: str) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    post_and_redirect(page, page.get_by_role("button", name="Inloggen"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn panels")


def test_a_member_takes_part_without_javascript(people, meeting, alice, bob, tina):
    first, second, _third = plan(alice, meeting)
    # Before bob arrives: tina has spoken up in the discussion and has the floor.
    act(floor.post_message, tina, meeting, "Wanneer komt de schilder?", first.pk)
    act(floor.raise_hand, tina, meeting)
    act(floor.give_floor, alice, meeting)

    page = people.page_for(None, javascript=False, viewport=PHONE)
    log_in(page, "bob@example.org")
    page.get_by_role("link", name="Huurderspanel Test").click()
    page.get_by_role("link", name="Bewonersavond").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bewonersavond")

    # The session as the HTML shows it: no socket, and the page says to reload.
    expect(page.locator("#live-connection")).to_contain_text("Laad de pagina opnieuw")
    expect(page.locator("#live-status")).to_contain_text(f"Nu aan de orde: {AGENDA[0]}")
    expect(page.locator("#live-status")).to_contain_text("Het woord is vrij")
    speakers = page.locator("#live-speakers")
    expect(speakers).to_contain_text("Aan het woord: Tina Tenantorg")
    expect(page.locator("#live-discussion")).to_contain_text("Wanneer komt de schilder?")
    agenda = page.locator("#live-agenda")
    for title in AGENDA:
        expect(agenda).to_contain_text(title)

    # Raise a hand: a POST, back on the page, in the queue.
    post_and_redirect(page, page.get_by_role("button", name="Hand opsteken"))
    expect(page.locator("#live-my-hand")).to_contain_text("U bent nummer 1 op de sprekerslijst")
    expect(speakers).to_contain_text("Bob Member")
    assert SpeakerRequest.objects.filter(
        meeting=meeting, membership=bob, state=SpeakerRequest.State.WAITING
    ).exists()

    # An empty message is refused in the page; a real one is posted and shown.
    post_refused(page, page.get_by_role("button", name="Bericht plaatsen"))
    expect(page.locator("#message-form").get_by_role("alert")).to_have_text(
        "Schrijf eerst een bericht."
    )
    assert not Message.objects.filter(author=bob).exists()
    page.get_by_label("Uw bericht").fill("De kozijnen aan de achterkant zijn rot.")
    post_and_redirect(page, page.get_by_role("button", name="Bericht plaatsen"))
    expect(page.locator("#live-discussion")).to_contain_text("De kozijnen aan de achterkant")
    expect(page.get_by_label("Uw bericht")).to_have_value("")
    assert Message.objects.get(author=bob).item == first

    # A proposal: the empty form is refused with errors and saves nothing.
    page.get_by_role("link", name="Voorstel indienen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Voorstel indienen")
    post_refused(page, page.get_by_role("button", name="Voorstel indienen"))
    expect(page.locator(".field--error")).to_have_count(2)
    expect(page.locator(".errorlist").first).to_be_visible()
    assert not Proposal.objects.exists()
    page.get_by_label("Titel").fill("Kozijnen eerst")
    page.get_by_label("Tekst van het voorstel").fill(
        "Vervang de kozijnen aan de achterkant voor het schilderwerk.\n\nBegin bij blok A."
    )
    post_and_redirect(page, page.get_by_role("button", name="Voorstel indienen"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kozijnen eerst")
    expect(page.get_by_text("Uw voorstel is opgeslagen.")).to_be_visible()
    expect(page.get_by_text("Begin bij blok A.")).to_be_visible()
    proposal = Proposal.objects.get()
    assert (proposal.submitter, proposal.item, proposal.state) == (bob, first, "submitted")
    page.get_by_role("link", name="Bewonersavond").first.click()
    expect(page.locator("#live-proposals")).to_contain_text("Kozijnen eerst")

    # The moderator opens a secret vote; bob sees it after a reload and votes.
    spec = lifecycle.VoteSpec(
        question="Akkoord met het schilderplan?", method="yes_no", options=[], secret=True
    )
    vote = act(lifecycle.prepare_vote, alice, spec, meeting=meeting)
    act(lifecycle.open_vote, alice, vote)
    page.reload()
    ballot = page.locator("#live-ballot")
    expect(ballot).to_be_visible()
    expect(ballot).to_contain_text("Akkoord met het schilderplan?")
    screenshot(page, "nojs-ballot")
    ballot.get_by_label("Voor").check()
    post_and_redirect(page, ballot.get_by_role("button", name="Mijn stem uitbrengen"))
    expect(page.get_by_text("Uw stem is vastgelegd.")).to_be_visible()
    expect(page.locator("#live-my-vote")).to_contain_text("U hebt gestemd.")
    expect(page.locator("#live-ballot")).to_be_hidden()
    receipt = re.search(
        r"[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}", page.locator(".messages").inner_text()
    )
    assert receipt, "the receipt code is shown"
    assert Participation.objects.filter(vote=vote, on_behalf_of=bob).exists()
    assert [ballot["choice"] for ballot in results.ballots(vote)] == ["for"]
    screenshot(page, "nojs-voted")

    # The moderator moves on and closes the vote: a reload shows both.
    act(meetings.set_current_item, alice, second)
    act(lifecycle.close_vote, alice, vote)
    page.reload()
    expect(page.locator("#live-status")).to_contain_text(f"Nu aan de orde: {AGENDA[1]}")
    expect(page.locator("#live-vote")).to_contain_text("Aangenomen")
    expect(page.locator("#live-discussion")).not_to_contain_text("De kozijnen aan de achterkant")

    # The receipt checks out on the vote's page (a POST form: the code never in a URL),
    # without showing what was voted.
    page.locator("#live-vote").get_by_role("link", name="Akkoord met het schilderplan?").click()
    page.get_by_role("textbox", name="Uw controlecode").fill(receipt.group(0))
    page.get_by_role("button", name="Nagaan").click()
    expect(
        page.get_by_text("Uw stem is geteld: het is de enige stem in de telling.")
    ).to_be_visible()
    assert receipt.group(0) not in page.url
    expect(page.locator("main")).not_to_contain_text("geteld als")


def test_a_moderator_steers_a_meeting_without_javascript(people, meeting, alice, bob):
    first, second, _third = plan(alice, meeting, live=False)
    page = people.page_for(alice, javascript=False)
    member = people.page_for(bob, javascript=False)
    page.goto(meeting.get_absolute_url())
    status = page.locator("#live-status")

    post_and_redirect(page, page.get_by_role("button", name="Bijeenkomst beginnen"))
    expect(page.get_by_text("De bijeenkomst is begonnen.")).to_be_visible()
    expect(status).to_contain_text(f"Nu aan de orde: {AGENDA[0]}")
    meeting.refresh_from_db()
    assert meeting.state == "live"

    post_and_redirect(page, page.get_by_role("button", name="Woord vrijgeven"))
    expect(status).to_contain_text("Het woord is vrij")

    post_and_redirect(page, page.get_by_role("button", name=f"Nu bespreken: {AGENDA[1]}"))
    expect(status).to_contain_text(f"Nu aan de orde: {AGENDA[1]}")
    second.refresh_from_db()
    first.refresh_from_db()
    assert (first.state, second.state) == (AgendaItem.State.DONE, AgendaItem.State.CURRENT)

    # Bob raises his hand in his own browser; the moderator sees it after a reload.
    member.goto(meeting.get_absolute_url())
    post_and_redirect(member, member.get_by_role("button", name="Hand opsteken"))
    page.reload()
    expect(page.locator("#live-speakers")).to_contain_text("Bob Member")
    page.get_by_label("Spreektijd").select_option("2")
    post_and_redirect(
        page, page.get_by_role("button", name="Geef het woord aan de volgende spreker")
    )
    expect(page.locator("#live-speakers")).to_contain_text("Aan het woord: Bob Member")
    assert SpeakerRequest.objects.get(membership=bob).state == SpeakerRequest.State.SPEAKING
    member.reload()
    expect(member.locator("#live-my-hand")).to_contain_text("U hebt het woord.")

    # Prepare a vote: an empty question is refused in the page, nothing is saved.
    page.get_by_role("link", name="Stemming over een vraag voorbereiden").click()
    post_refused(page, page.get_by_role("button", name="Stemming voorbereiden"))
    expect(page.get_by_text("Schrijf de vraag waarover wordt gestemd.")).to_be_visible()
    assert not Vote.objects.exists()
    page.get_by_label("Vraag").fill("Beginnen we in blok A?")
    post_and_redirect(page, page.get_by_role("button", name="Stemming voorbereiden"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bewonersavond")
    vote = Vote.objects.get()
    assert (vote.state, vote.meeting, vote.mode) == ("draft", meeting, "live")

    post_and_redirect(
        page, page.get_by_role("button", name="Stemming openen: Beginnen we in blok A?")
    )
    expect(page.get_by_text("De stemming is open.")).to_be_visible()
    vote.refresh_from_db()
    assert vote.state == "open"

    # Bob votes against, without JavaScript either.
    member.reload()
    member.locator("#live-ballot").get_by_label("Tegen").check()
    post_and_redirect(member, member.get_by_role("button", name="Mijn stem uitbrengen"))
    expect(member.locator("#live-my-vote")).to_contain_text("U hebt gestemd.")

    page.reload()
    expect(page.locator("#live-vote")).to_contain_text("1 van")
    post_and_redirect(page, page.get_by_role("button", name="Stemming sluiten"))
    expect(
        page.get_by_text("De stemming is gesloten en de uitslag is bekendgemaakt.")
    ).to_be_visible()
    expect(page.locator("#live-vote")).to_contain_text("Verworpen")
    vote.refresh_from_db()
    assert vote.state == "closed" and vote.result["outcome"] == "rejected"
    screenshot(page, "nojs-moderator")
