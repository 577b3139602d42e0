"""A double click on a live button stays on the live page and acts once (issue 18, defect 1).

Many people double-click every button on the web, as they do on their desktop. For some
20–25 ms after an answer's fragments are swapped in, htmx has not yet taken charge of their
forms, and those fragments carry no CSRF token: a click in that window sent the form the
plain way and was refused with a CSRF 403 page, which threw the person off the live page.
A second click that did reach a new button acted a second time: the floor opened and closed
again, an agenda item moved two places, the floor went to two speakers in turn.

Every case double-clicks one button as a person does: press and release in the middle of
the button and, 60–80 ms after the first press (drawn per case from a seed, and printed with
the interval the page measured), press and release again with a click count of 2. Once every
request the clicks made has its answer (one htmx queued behind the first too), the page must
be the same live page, and the meeting must differ from before in the one way the button
promises, and in nothing else (a second click that lands on whatever moved under the
pointer is a second action too).
"""

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Error, Locator, Page, Request, expect

from panels import floor, meetings
from panels.models import AgendaItem, Meeting, Membership, Message
from tests.conftest import AGENDA
from tests.e2e.conftest import DESKTOP, PHONE, act, live
from voting import amendments, lifecycle, proposals
from voting.models import Amendment, Proposal, Vote

# What the page tells the test. Requests still unanswered: one htmx queued behind another is
# sent from the first one's answer (its `load`), so it is counted before the first is done.
# Fragments swapped in, and their ids: the socket's first snapshot replaces them all just
# after it opens.
# When each press happened, to print the interval the page saw. And whether the page is
# being left: a form sent the plain way (nothing took the submission in hand), a link
# followed, or the page unloading (the navigation's request may be seen only later).
INSTRUMENTS = """
window.__unanswered = 0;
window.__swapped = 0;
window.__presses = [];
window.__leaving = null;
const send = XMLHttpRequest.prototype.send;
XMLHttpRequest.prototype.send = function (...args) {
  window.__unanswered += 1;
  this.addEventListener("loadend", () => { window.__unanswered -= 1; });
  return send.apply(this, args);
};
window.__swappedIds = [];
document.addEventListener("htmx:oobAfterSwap", (e) => {
  window.__swapped += 1;
  window.__swappedIds.push((e.detail && e.detail.target && e.detail.target.id) || e.target.id);
});
document.addEventListener("mousedown", (e) => { window.__presses.push(e.timeStamp); }, true);
window.addEventListener("submit", (e) => {
  if (!e.defaultPrevented) { window.__leaving = "a form sent the plain way to " + e.target.action; }
});
window.addEventListener("click", (e) => {
  const link = e.target.closest && e.target.closest("a[href]");
  if (link && !e.defaultPrevented) { window.__leaving = "a link followed to " + link.href; }
});
window.addEventListener("beforeunload", () => { window.__leaving ||= "the page unloading"; });
"""

RENT = "Huurverhoging 2026"  # a fourth agenda item, so that moving one place too far shows
BENCHES, BIKES = "Komen er bankjes in de binnentuin?", "Komt er een fietsenstalling?"


# --- the meeting, before and after -----------------------------------------------------------


def world(meeting: Meeting) -> dict[str, object]:
    """Everything about the meeting a button on the live page can change."""
    meeting = Meeting.objects.get(pk=meeting.pk)
    items = meeting.items.order_by("position")
    proposal_set = Proposal.objects.filter(item__meeting=meeting).order_by("pk")
    return {
        "meeting": (meeting.state, "floor open" if meeting.floor_open else "floor closed"),
        "agenda": list(items.values_list("title", "state")),
        "closed for proposals": list(
            items.filter(submissions_open=False).values_list("title", flat=True)
        ),
        "hands": list(
            meeting.speaker_requests.order_by("pk").values_list("membership__user__name", "state")
        ),
        "messages": list(
            Message.objects.filter(item__meeting=meeting)
            .order_by("pk")
            .values_list("author__user__name", "text")
        ),
        "votes": [
            (vote.question, vote.state, sorted(vote.ballots.values_list("choice", flat=True)))
            for vote in Vote.objects.filter(meeting=meeting).order_by("pk")
        ],
        "proposals": list(proposal_set.values_list("title", "state", "version")),
        "amendments": list(
            Amendment.objects.filter(proposal__in=proposal_set)
            .order_by("pk")
            .values_list("new_text", "state")
        ),
    }


@dataclass
class Room:
    """The meeting and its people, for setting up a case before any page is opened."""

    meeting: Meeting
    alice: Membership
    bob: Membership
    nora: Membership

    def live(self, *, floor_open: bool = True, more: tuple[str, ...] = ()) -> None:
        """Live with the agenda's items (the first under discussion), the floor open."""
        self.plan(*more)
        act(meetings.start_meeting, self.alice, self.meeting)
        if floor_open:
            act(floor.set_floor, self.alice, self.meeting, True)

    def plan(self, *more: str) -> None:
        for title in AGENDA + more:
            act(meetings.add_item, self.alice, self.meeting, title=title)

    def item(self, title: str) -> AgendaItem:
        return self.meeting.items.get(title=title)

    def hands_up(self, *people: Membership) -> None:
        for who in people:
            act(floor.raise_hand, who, self.meeting)

    def vote(self, question: str, *, opened: bool = False) -> Vote:
        spec = lifecycle.VoteSpec(question=question, method="yes_no", options=[])
        vote = act(lifecycle.prepare_vote, self.alice, spec, meeting=self.meeting)
        return act(lifecycle.open_vote, self.alice, vote) if opened else vote

    def proposal(self, title: str) -> Proposal:
        text = "De binnentuin krijgt vier bankjes.\n\nDe huurders kiezen samen waar."
        return act(
            proposals.create_proposal, self.bob, self.item(AGENDA[0]), title=title, text=text
        )


@dataclass
class Click:
    """The button a case double-clicks, how the meeting looks after one click on it (the
    parts of `world` that change), and what the person does on the page before."""

    button: Callable[[Page], Locator]
    after: dict[str, object]
    before: Callable[[Page], None] = field(default=lambda page: None)


def button(name: str) -> Callable[[Page], Locator]:
    return lambda page: page.get_by_role("button", name=name, exact=True)


BOB, NORA = "Bob Member", "Nora NoVote"
WAITING, SPEAKING, ENDED, LOWERED, REMOVED = "waiting", "speaking", "done", "withdrawn", "removed"
PENDING, CURRENT, DONE = "pending", "current", "done"


# --- the cases: a member's buttons (bob, on a phone) -----------------------------------------


def raise_hand(room: Room) -> Click:
    room.live()
    return Click(button("Hand opsteken"), {"hands": [(BOB, WAITING)]})


def lower_hand(room: Room) -> Click:
    room.live()
    room.hands_up(room.bob)
    return Click(button("Hand laten zakken"), {"hands": [(BOB, LOWERED)]})


def done_speaking(room: Room) -> Click:
    room.live()
    room.hands_up(room.bob)
    act(floor.give_floor, room.alice, room.meeting)
    return Click(button("Ik ben klaar met spreken"), {"hands": [(BOB, ENDED)]})


def post_message(room: Room) -> Click:
    room.live()
    text = "Wanneer komt de loodgieter in blok C?"
    return Click(
        button("Bericht plaatsen"),
        {"messages": [(BOB, text)]},
        before=lambda page: page.get_by_role("textbox", name="Uw bericht").fill(text),
    )


def cast_vote(room: Room) -> Click:
    room.live()
    vote = room.vote(BENCHES, opened=True)
    return Click(
        button("Mijn stem uitbrengen"),
        {"votes": [(BENCHES, Vote.State.OPEN, ["for"])]},
        before=lambda page: page.locator(f"#b{vote.pk}-for").check(),
    )


def accept_amendment(room: Room) -> Click:
    """Bob's proposal has two amendments by nora; he accepts the first as friendly."""
    room.live()
    proposal = room.proposal("Bankjes in de binnentuin")
    six, evening = "De binnentuin krijgt zes bankjes.", "De huurders kiezen samen, op een avond."
    first, _second = (
        act(
            amendments.propose_amendment,
            room.nora,
            proposal,
            kind="replace",
            paragraph=paragraph,
            new_text=new_text,
            rationale="Meer plek om te zitten.",
            base_version=1,
        )
        for paragraph, new_text in ((0, six), (1, evening))
    )
    # (The words after "Overnemen" are for screen readers; Chromium puts a space before them.)
    which = re.compile(rf"^Overnemen ?: Amendement #{first.pk} van {NORA}$")
    return Click(
        lambda page: page.get_by_role("button", name=which),
        {
            "amendments": [(six, Amendment.State.ACCEPTED), (evening, Amendment.State.PENDING)],
            "proposals": [(proposal.title, Proposal.State.SUBMITTED, 2)],
        },
    )


# --- the cases: the moderator's buttons (alice, on a laptop) ---------------------------------


def start_meeting(room: Room) -> Click:
    room.plan()
    return Click(
        button("Bijeenkomst beginnen"),
        {
            "meeting": (Meeting.State.LIVE, "floor closed"),
            "agenda": [(AGENDA[0], CURRENT), (AGENDA[1], PENDING), (AGENDA[2], PENDING)],
        },
    )


def open_floor(room: Room) -> Click:
    room.live(floor_open=False)
    return Click(button("Woord vrijgeven"), {"meeting": (Meeting.State.LIVE, "floor open")})


def close_floor(room: Room) -> Click:
    room.live()
    return Click(button("Woord sluiten"), {"meeting": (Meeting.State.LIVE, "floor closed")})


def discuss_now(room: Room) -> Click:
    room.live()
    return Click(
        button(f"Nu bespreken: {AGENDA[1]}"),
        {"agenda": [(AGENDA[0], DONE), (AGENDA[1], CURRENT), (AGENDA[2], PENDING)]},
    )


def mark_as_done(room: Room) -> Click:
    room.live()
    return Click(
        button("Afronden"),
        {"agenda": [(AGENDA[0], DONE), (AGENDA[1], PENDING), (AGENDA[2], PENDING)]},
    )


def move_up(room: Room) -> Click:
    room.live(more=(RENT,))
    order = [AGENDA[0], AGENDA[1], RENT, AGENDA[2]]
    return Click(button(f"Omhoog: {RENT}"), {"agenda": agenda_of(order)})


def move_down(room: Room) -> Click:
    room.live(more=(RENT,))
    order = [AGENDA[0], AGENDA[2], AGENDA[1], RENT]
    return Click(button(f"Omlaag: {AGENDA[1]}"), {"agenda": agenda_of(order)})


def remove_item(room: Room) -> Click:
    room.live(more=(RENT,))
    order = [AGENDA[0], AGENDA[2], RENT]
    return Click(button(f"Verwijderen: {AGENDA[1]}"), {"agenda": agenda_of(order)})


def add_item(room: Room) -> Click:
    room.live()

    def before(page: Page) -> None:
        page.get_by_text("Agendapunt toevoegen", exact=True).click()
        page.get_by_label("Titel van het agendapunt").fill(RENT)

    return Click(button("Aan de agenda toevoegen"), {"agenda": agenda_of([*AGENDA, RENT])}, before)


def agenda_of(titles: list[str]) -> list[tuple[str, str]]:
    """The agenda in this order, the meeting's first item under discussion."""
    return [(title, CURRENT if title == AGENDA[0] else PENDING) for title in titles]


def give_floor(room: Room) -> Click:
    room.live()
    room.hands_up(room.bob, room.nora)
    return Click(
        button("Geef het woord aan de volgende spreker"),
        {"hands": [(BOB, SPEAKING), (NORA, WAITING)]},
    )


def end_turn(room: Room) -> Click:
    room.live()
    room.hands_up(room.bob, room.nora)
    act(floor.give_floor, room.alice, room.meeting)
    return Click(button("Spreekbeurt beëindigen"), {"hands": [(BOB, ENDED), (NORA, WAITING)]})


def remove_from_queue(room: Room) -> Click:
    room.live()
    room.hands_up(room.bob, room.nora)
    return Click(button(f"Verwijderen: {BOB}"), {"hands": [(BOB, REMOVED), (NORA, WAITING)]})


def open_vote(room: Room) -> Click:
    room.live()
    room.vote(BENCHES)
    room.vote(BIKES)
    return Click(
        button(f"Stemming openen: {BENCHES}"),
        {"votes": [(BENCHES, Vote.State.OPEN, []), (BIKES, Vote.State.DRAFT, [])]},
    )


def close_vote(room: Room) -> Click:
    room.live()
    room.vote(BENCHES, opened=True)
    room.vote(BIKES)
    return Click(
        button("Stemming sluiten"),
        {"votes": [(BENCHES, Vote.State.CLOSED, []), (BIKES, Vote.State.DRAFT, [])]},
    )


def put_on_floor(room: Room) -> Click:
    room.live()
    first = room.proposal("Bankjes in de binnentuin")
    second = room.proposal("Een fietsenstalling bij blok C")
    return Click(
        lambda page: page.locator(f"#proposal-{first.pk}").get_by_role(
            "button", name="In behandeling nemen"
        ),
        {
            "proposals": [
                (first.title, Proposal.State.ON_FLOOR, 1),
                (second.title, Proposal.State.SUBMITTED, 1),
            ]
        },
    )


def close_proposals(room: Room) -> Click:
    room.live()
    return Click(button("Voorstellen sluiten"), {"closed for proposals": [AGENDA[0]]})


def open_proposals(room: Room) -> Click:
    room.live()
    act(proposals.set_submissions, room.alice, room.item(AGENDA[0]), False)
    return Click(button("Voorstellen openen"), {"closed for proposals": []})


def close_meeting(room: Room) -> Click:
    room.live()
    return Click(
        button("Ja, sluit de bijeenkomst"),
        {
            "meeting": (Meeting.State.CLOSED, "floor closed"),
            "agenda": [(AGENDA[0], DONE), (AGENDA[1], PENDING), (AGENDA[2], PENDING)],
        },
        before=lambda page: page.get_by_text("Bijeenkomst sluiten", exact=True).click(),
    )


MEMBER = {
    "raise-hand": raise_hand,
    "lower-hand": lower_hand,
    "done-speaking": done_speaking,
    "post-message": post_message,
    "cast-vote": cast_vote,
    "accept-amendment": accept_amendment,
}
MODERATOR = {
    "start-meeting": start_meeting,
    "open-floor": open_floor,
    "close-floor": close_floor,
    "discuss-now": discuss_now,
    "mark-as-done": mark_as_done,
    "move-up": move_up,
    "move-down": move_down,
    "remove-item": remove_item,
    "add-item": add_item,
    "give-floor": give_floor,
    "end-turn": end_turn,
    "remove-from-queue": remove_from_queue,
    "open-vote": open_vote,
    "close-vote": close_vote,
    "put-on-floor": put_on_floor,
    "close-proposals": close_proposals,
    "open-proposals": open_proposals,
    "close-meeting": close_meeting,
}
CASES = MEMBER | MODERATOR


# --- clicking and looking ----------------------------------------------------------------------


def opened(people, room: Room, case: str) -> tuple[Click, Page, list[Request]]:
    """Set the case up, open the clicking person's live page, and watch it navigate."""
    click = CASES[case](room)
    if case in MEMBER:
        page = people.page_for(room.bob, viewport=PHONE)
    else:
        page = people.page_for(room.alice, viewport=DESKTOP)
    page.add_init_script(INSTRUMENTS)
    page.goto(room.meeting.get_absolute_url())
    live(page)
    # The socket's snapshot is in: the status is in it (a presence push alone, which may
    # overtake the snapshot, is not).
    page.wait_for_function("() => window.__swappedIds.includes('live-status')")
    click.before(page)
    page.evaluate("() => { window.__beforeTheClicks = true; window.__presses = []; }")
    navigations: list[Request] = []

    def watch(request: Request) -> None:
        if request.is_navigation_request() and request.frame == page.main_frame:
            navigations.append(request)

    page.on("request", watch)
    return click, page, navigations


def pause_for(case: str) -> int:
    """Milliseconds from the first press to the second: drawn per case, the same every run."""
    return random.Random(f"double-click {case}").randint(60, 80)


def press_twice(page: Page, target: Locator, gap_ms: int, *, second_count: int = 2) -> str:
    """Press and release in the middle of the button; `gap_ms` after the first press, press
    and release again. Returns the interval as the page saw it, to print."""
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    first = time.monotonic()
    page.mouse.down()
    page.mouse.up()
    # Counted from the first press (releasing it took some of the time already).
    time.sleep(max(0.0, first + gap_ms / 1000 - time.monotonic()))
    page.mouse.down(click_count=second_count)
    page.mouse.up(click_count=second_count)
    try:
        presses = page.evaluate("() => window.__presses")
    except Error:  # the page is going away: still_the_live_page says where to
        presses = []
    # A page busy swapping in the first click's answer takes the second press in late, as it
    # would a person's: the interval it measured says so.
    seen = f"{presses[1] - presses[0]:.0f} ms" if len(presses) == 2 else f"presses {presses}"
    print(f"the second press {gap_ms} ms after the first (the page took it in after {seen})")
    return f"second press after {gap_ms} ms (taken in after {seen})"


def still_the_live_page(page: Page, url: str, navigations: list[Request], what: str) -> None:
    """Every request the clicks made has its answer, and the page is the live page it was."""
    page.wait_for_function("() => window.__unanswered === 0")
    try:
        here, leaving = page.evaluate("() => [window.__beforeTheClicks === true, window.__leaving]")
    except Error:  # the page went away under the question
        here, leaving = False, None
    if navigations or leaving or not here:  # the page was left: wait for where it went
        page.wait_for_function("() => !window.__beforeTheClicks")
        page.wait_for_load_state()
        sent = [f"{r.method} {r.url} → {r.response().status}" for r in navigations]
        heading = (page.locator("h1").first.text_content(timeout=1000) or "").strip()
        raise AssertionError(
            f"{what}: the live page was left ({leaving or 'a new page'}) for {heading!r}: {sent}"
        )
    assert page.url.endswith(url), f"{what}: now at {page.url}"
    expect(page.locator("body")).not_to_contain_text(re.compile("CSRF|403"))
    expect(page.locator("#live-status")).to_be_visible()


@pytest.mark.parametrize("case", CASES)
def test_a_double_click_stays_on_the_live_page_and_acts_once(
    people, meeting, alice, bob, nora, case
):
    click, page, navigations = opened(people, Room(meeting, alice, bob, nora), case)
    before = world(meeting)

    what = press_twice(page, click.button(page), pause_for(case))

    still_the_live_page(page, meeting.get_absolute_url(), navigations, what)
    expected, found = before | click.after, world(meeting)
    wrong = {part: {"once": expected[part], "found": found[part]} for part in found}
    wrong = {part: seen for part, seen in wrong.items() if seen["once"] != seen["found"]}
    assert not wrong, f"{what}: not what one click does: {wrong}"


@pytest.mark.parametrize("case", ["open-floor", "raise-hand"])
def test_two_quick_single_clicks_never_leave_the_live_page(people, meeting, alice, bob, nora, case):
    click, page, navigations = opened(people, Room(meeting, alice, bob, nora), case)

    what = press_twice(page, click.button(page), 70, second_count=1)

    still_the_live_page(page, meeting.get_absolute_url(), navigations, what)
