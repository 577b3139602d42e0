"""A member's connection drops; the meeting goes on; the member comes back and catches up.

Chromium's offline mode does not cut a WebSocket that is already open, so the member's
socket runs through a Playwright route that can be cut, as a train tunnel would: the
socket closes abnormally, every new attempt fails, and the browser reports itself
offline until the line is restored.
"""

import re

from django.urls import reverse
from playwright.sync_api import BrowserContext, WebSocketRoute, expect

from panels.models import Role
from tests.e2e.conftest import SEEN_WITHIN_MS, live
from tests.live_helpers import make_live_meeting, session_cookie
from voting.models import Ballot, Vote

# Once the phone is back online it reconnects within a second or two (live.js retries every
# second while offline), not after the growing back-off meant for a restarting server.
BACK_WITHIN_MS = 3000
ABNORMAL = 1006  # what a browser reports when the network goes, without a closing handshake


class Line:
    """The member's network, for WebSockets."""

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.up = True
        self.open: list[tuple[WebSocketRoute, WebSocketRoute]] = []
        self.attempts = 0
        context.route_web_socket(re.compile(r"/ws/"), self._connect)

    def _connect(self, page_side: WebSocketRoute) -> None:
        self.attempts += 1
        if not self.up:
            page_side.close(code=ABNORMAL)
            return
        server_side = page_side.connect_to_server()
        self.open.append((page_side, server_side))

    def cut(self) -> None:
        self.up = False
        self.context.set_offline(True)
        for page_side, server_side in self.open:
            server_side.close()
            page_side.close(code=ABNORMAL)
        self.open.clear()

    def restore(self) -> None:
        self.up = True
        self.context.set_offline(False)


def test_a_member_who_was_offline_sees_the_current_state_without_reloading(people, alice, bob):
    meeting = make_live_meeting(alice)
    paint = meeting.items.get(position=1)
    moderator = people.page_for(alice)
    member = people.page_for(bob)
    line = Line(member.context)
    for page in (moderator, member):
        page.goto(meeting.get_absolute_url())
        live(page)
    member.evaluate("window.sameDocument = true")  # gone if the page were reloaded

    line.cut()
    # The phone knows it is offline: the line says so (not merely "connection lost").
    expect(member.locator("#live-connection")).to_have_attribute("data-state", "network-down")
    expect(member.locator("#live-connection")).to_contain_text("U bent offline")

    # While the member is away, the moderator moves to the next item and opens a vote.
    moderator.locator(f"#btn-current-{paint.pk}").click()
    expect(moderator.locator("#live-status")).to_contain_text(paint.title)
    moderator.get_by_role("link", name="Stemming over een vraag voorbereiden").click()
    moderator.get_by_label("Vraag").fill("Schilderen in 2026?")
    moderator.get_by_role("button", name="Stemming voorbereiden").click()
    live(moderator)
    vote = Vote.objects.get(question="Schilderen in 2026?")
    moderator.locator(f"#btn-open-vote-{vote.pk}").click()
    expect(moderator.locator("#live-vote")).to_contain_text("Schilderen in 2026?")
    member.wait_for_timeout(4000)  # a few reconnect attempts fail meanwhile
    assert line.attempts >= 3
    expect(member.locator("#live-status")).not_to_contain_text(paint.title)

    line.restore()
    expect(member.locator("#live-status")).to_contain_text(paint.title, timeout=BACK_WITHIN_MS)
    expect(member.locator("#live-connection")).to_have_attribute("data-state", "open")
    expect(member.locator("#live-ballot")).to_contain_text("Schilderen in 2026?")
    assert member.evaluate("window.sameDocument") is True

    # And the live page works again: the member votes, the moderator sees the turnout.
    member.locator(f"#b{vote.pk}-for").check()
    member.locator(f"#btn-cast-{vote.pk}").click()
    expect(moderator.locator("#live-vote")).to_contain_text("1 van de", timeout=SEEN_WITHIN_MS)
    assert Ballot.objects.filter(vote=vote).count() == 1


# --- when the server closes the connection, the page does what its code says ----------------


def bob_on_the_live_page(people, alice, bob):
    """Alice's live meeting, and Bob's page on it with its socket open."""
    meeting = make_live_meeting(alice)
    member = people.page_for(bob)
    member.goto(meeting.get_absolute_url())
    live(member)
    return meeting, member


def test_a_member_made_moderator_gets_the_moderator_view_without_reloading(
    people, server, alice, bob
):
    _meeting, member = bob_on_the_live_page(people, alice, bob)
    member.evaluate("window.sameDocument = true")
    expect(member.locator("#btn-floor")).to_have_count(0)

    server.post_as(
        session_cookie(alice),
        reverse("panels:member_update", args=[bob.panel_id, bob.pk]),
        {f"m{bob.pk}-role": Role.MODERATOR, f"m{bob.pk}-has_voting_rights": "on"},
    )

    expect(member.locator("#btn-floor")).to_be_visible(timeout=SEEN_WITHIN_MS)
    expect(member.locator("#live-connection")).to_have_attribute("data-state", "open")
    assert member.evaluate("window.sameDocument") is True


def test_a_deactivated_member_is_told_they_no_longer_have_access(people, server, alice, bob):
    _meeting, member = bob_on_the_live_page(people, alice, bob)

    server.post_as(
        session_cookie(alice),
        reverse("panels:member_set_active", args=[bob.panel_id, bob.pk]),
        {"active": "0"},
    )

    connection = member.locator("#live-connection")
    expect(connection).to_have_attribute("data-state", "refused", timeout=SEEN_WITHIN_MS)
    expect(connection).to_have_text(connection.get_attribute("data-refused"))


def test_when_the_meeting_ends_the_page_shows_the_end_and_stays(people, server, alice, bob):
    meeting, member = bob_on_the_live_page(people, alice, bob)

    server.post_as(
        session_cookie(alice),
        reverse("panels:meeting_state", args=[meeting.panel_id, meeting.pk]),
        {"action": "close"},
    )

    expect(member.locator("#live-connection")).to_have_attribute(
        "data-state", "ended", timeout=SEEN_WITHIN_MS
    )
    expect(member.locator("#live-status")).to_contain_text("afgelopen")
