"""Minutes end to end in the browser (minutes/): from a meeting's close to the approved
minutes a member reads, and their PDF.

The meeting (two agenda items, a message by bob, bob's proposal voted) and the next meeting
are made with the services; what the people do is done through the pages, in English:
alice the moderator closes the meeting on its live page, opens its minutes from the
meeting's page, writes a summary of one item and puts the minutes to approval at the next
meeting; once that is live she opens the vote on them, bob and dirk vote on its live page
and she closes the vote there. Bob then reads the approved minutes and downloads the PDF,
whose text must say what happened: the title, the summary, bob's message, the proposal's
vote with its result and the check code of its close in the audit log, and the check code
at approval.
"""

import re
import secrets
from datetime import timedelta
from io import BytesIO

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from minutes.models import Minutes
from panels import floor, meetings
from panels.models import AuditEntry, Membership, Role
from tests.conftest import MEETING_STARTS_AT, make_user
from tests.e2e.conftest import SEEN_WITHIN_MS, act, live, screenshot
from voting import casting, lifecycle, proposals
from voting.audit_actions import VotingAction
from voting.models import Vote

MESSAGE = "The leak in block C has not been fixed since March."
QUESTION = "Is the leak in block C fixed before the summer?"
SUMMARY = "The members ask the corporation to fix the leak in block C before the summer."


def seen(locator, text) -> None:
    expect(locator).to_contain_text(text, timeout=SEEN_WITHIN_MS)


def flat(text: str) -> str:
    """Text with every run of white space one space (a PDF wraps long lines)."""
    return " ".join(text.split())


def held(people, meeting, alice: Membership, bob: Membership, dirk: Membership) -> list[Page]:
    """The meeting live with the three on its page: two items, bob's message under the
    first, bob's proposal voted (2 for, 1 against), then the second item under discussion.
    Returns alice's, bob's and dirk's pages."""
    repairs = act(meetings.add_item, alice, meeting, title="Repairs")
    garden = act(meetings.add_item, alice, meeting, title="The garden")
    act(meetings.start_meeting, alice, meeting)
    act(floor.set_floor, alice, meeting, True)
    act(floor.post_message, bob, meeting, MESSAGE)
    proposal = act(
        proposals.create_proposal, bob, repairs, title="Fix the leak", text="Fix it by June."
    )
    act(proposals.admit_proposal, alice, proposal)
    spec = lifecycle.VoteSpec(question=QUESTION, method="yes_no", options=[])
    vote = act(lifecycle.prepare_vote, alice, spec, meeting=meeting, proposal=proposal)
    pages = [people.page_for(who, language="en") for who in (alice, bob, dirk)]
    for page in pages:
        page.goto(meeting.get_absolute_url())
        live(page)
    seen(pages[0].locator("#presence-heading"), "3 present")  # all three on the vote's roll
    act(lifecycle.open_vote, alice, vote)
    for who, choice in ((bob, "for"), (dirk, "for"), (alice, "against")):
        act(casting.cast_ballot, who, vote, choice=choice, key=secrets.token_hex(16))
    act(lifecycle.close_vote, alice, vote)
    # (Pushes from this process reach the pages only through Redis: alice moves on on hers.)
    pages[0].get_by_role("button", name=f"Discuss now: {garden.title}").click()
    seen(pages[0].locator("#live-status"), garden.title)
    return pages


def cast_for(page: Page, vote: Vote) -> None:
    page.locator(f"#b{vote.pk}-for").check()
    page.locator(f"#btn-cast-{vote.pk}").click()
    seen(page.locator("#live-my-vote"), "You have voted")


def test_a_closed_meeting_s_minutes_are_written_approved_and_published(
    people, panel, meeting, alice, bob
):
    dirk = Membership.objects.create(
        panel=panel, user=make_user("dirk@example.org", "Dirk Member"), role=Role.MEMBER
    )
    moderator, *voters = held(people, meeting, alice, bob, dirk)
    proposal_vote = Vote.objects.get(question=QUESTION)
    repairs = meeting.items.get(title="Repairs")
    following = act(
        meetings.create_meeting,
        alice,
        title="Residents' evening in June",
        starts_at=MEETING_STARTS_AT + timedelta(days=30),
        notify=False,
    )

    # --- Alice closes the meeting and opens its minutes ----------------------------------------
    moderator.locator("#live-close-meeting summary").click()
    moderator.get_by_role("button", name="Yes, close the meeting").click()
    seen(moderator.locator("#live-status"), "This meeting has ended.")
    moderator.reload()
    moderator.get_by_role("link", name="Minutes of this meeting").click()
    expect(moderator.locator("h1")).to_contain_text(meeting.title)
    expect(moderator.locator("main")).to_contain_text("Draft, version 1: not approved")

    # --- She writes a summary of the first item ------------------------------------------------
    moderator.get_by_role("link", name="Edit the minutes").click()
    moderator.get_by_label("Repairs").fill(SUMMARY)
    moderator.get_by_role("button", name="Save the minutes").click()
    main = moderator.locator("main")
    expect(main).to_contain_text("The minutes are saved.")
    expect(main).to_contain_text("Draft, version 2: not approved")
    expect(moderator.locator(f"section:has(#part-{repairs.pk})")).to_contain_text(SUMMARY)

    # --- ... and puts the minutes to approval at the next meeting ------------------------------
    moderator.get_by_label("Put on the agenda of").select_option(str(following.pk))
    moderator.get_by_role("button", name="Put to approval").click()
    expect(main).to_contain_text(f"The minutes are on the agenda of {following.title}.")
    minutes = Minutes.objects.get(meeting=meeting)
    assert minutes.state == Minutes.State.PUT_TO_APPROVAL
    assert minutes.approval_item.meeting == following

    # --- The next meeting: alice opens the vote on the minutes; bob and dirk vote for ----------
    act(meetings.start_meeting, alice, following)
    # Bob and dirk are in the meeting before the vote opens (a live vote's roll is who is
    # present): the moderator sees them on the meeting's page first.
    for page in voters:
        page.goto(following.get_absolute_url())
        live(page)
    minutes_page = moderator.url
    moderator.goto(following.get_absolute_url())
    live(moderator)
    for name in ("Bob Member", "Dirk Member"):
        seen(moderator.locator("#live-presence"), name)
    moderator.goto(minutes_page)
    moderator.get_by_label("How").select_option("yes_no")
    moderator.get_by_role("button", name="Open the vote on the minutes").click()
    expect(main).to_contain_text("The vote on the minutes is open.")
    minutes.refresh_from_db()
    approval = minutes.approval_vote
    assert (approval.meeting, approval.state) == (following, Vote.State.OPEN)

    for page in voters:  # the ballot arrives on their open pages
        seen(page.locator("#live-ballot"), approval.question)
        cast_for(page, approval)
    moderator.goto(following.get_absolute_url())
    live(moderator)
    moderator.locator("#btn-close-vote").click()
    seen(moderator.locator("#live-vote"), "Adopted")
    minutes.refresh_from_db()
    assert minutes.state == Minutes.State.APPROVED
    assert (minutes.approved_version, minutes.approved_in) == (2, following)

    # --- Bob reads the approved minutes ---------------------------------------------------------
    reader = voters[0]
    reader.goto(minutes.get_absolute_url())
    page = reader.locator("main")
    expect(page).to_contain_text("Approved on")
    expect(page).to_contain_text(SUMMARY)
    result = proposal_vote.result
    decided = reader.locator("section[aria-labelledby=decided-heading]")
    expect(decided).to_contain_text(f"{QUESTION}: Adopted")
    expect(decided).to_contain_text(minutes.approved_check_code)
    vote_entry = reader.locator(f"section:has(#part-{repairs.pk}) .minutes-vote")
    expect(vote_entry).to_contain_text(f"{result['cast']} of {result['eligible']} voted")
    reader.locator(f"section:has(#part-{repairs.pk}) details summary").click()
    expect(reader.locator(f"section:has(#part-{repairs.pk})")).to_contain_text(MESSAGE)
    screenshot(reader, "minutes-approved-en")

    # --- ... and their PDF, whose text says what happened --------------------------------------
    with reader.expect_download() as download:
        reader.get_by_role("link", name="Download as PDF").click()
    assert download.value.suggested_filename == f"notulen-{meeting.pk}.pdf"
    pdf = PdfReader(BytesIO(download.value.path().read_bytes()))
    text = flat("\n".join(p.extract_text() for p in pdf.pages))
    closed = AuditEntry.objects.get(
        action=VotingAction.VOTE_CLOSED, subject=f"vote:{proposal_vote.pk}"
    )
    assert result["outcome"] == "adopted"
    expected = [
        f"Minutes: {meeting.title}",
        "Approved on",
        "(version 2)",
        "Repairs",
        SUMMARY,
        f"Bob Member: {MESSAGE}",
        f"Vote: {QUESTION}",
        f"Adopted (For / against / abstain, {result['cast']} of {result['eligible']} voted",
        f"Audit log check code: {closed.hash} (entry {closed.sequence})",
        f"{QUESTION}: Adopted",
        f"Audit log check code at approval: {minutes.approved_check_code}",
    ]
    missing = [line for line in expected if flat(line) not in text]
    assert not missing, f"not in the PDF: {missing}\n{text}"
    assert re.fullmatch(r"[0-9a-f]{64}", minutes.approved_check_code)
