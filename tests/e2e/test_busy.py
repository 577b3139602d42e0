"""A ballot that does not get through says so, and keeps the choice for sending it again.

When the server is too busy (every database connection taken: it answers 503) or the phone
has no connection, htmx swaps nothing; the page must still tell the member, in words, and
one more click must be enough.
"""

from playwright.sync_api import Route, expect

from tests.e2e.conftest import act, live, screenshot
from tests.live_helpers import make_live_meeting
from voting import lifecycle
from voting.models import Ballot


def test_a_ballot_that_does_not_get_through_is_kept_and_sent_again(people, alice, bob):
    meeting = make_live_meeting(alice)
    spec = lifecycle.VoteSpec(question="Komt er een fietsenstalling?", method="yes_no", options=[])
    vote = act(
        lifecycle.open_vote, alice, act(lifecycle.prepare_vote, alice, spec, meeting=meeting)
    )
    page = people.page_for(bob)
    page.goto(meeting.get_absolute_url())
    live(page)
    against = page.locator(f"#b{vote.pk}-against")
    cast = page.locator(f"#btn-cast-{vote.pk}")
    notice = page.locator("#live-notice")

    answers = ["offline", "busy"]

    def trouble(route: Route) -> None:
        answer = answers.pop(0) if answers else None
        if answer == "offline":
            route.abort("internetdisconnected")
        elif answer == "busy":
            route.fulfill(status=503, headers={"Retry-After": "5"}, body="Het is even te druk")
        else:
            route.continue_()

    page.route("**/cast/", trouble)
    against.check()

    # While the first request is under way a push replaces the ballot (as pushes do): the
    # answer must still be reported, although the form that sent it is gone.
    page.evaluate(
        """() => document.addEventListener("htmx:beforeSend", () => setTimeout(() => {
             const ballot = document.getElementById("live-ballot");
             const copy = ballot.cloneNode(true);
             ballot.replaceWith(copy);
             htmx.process(copy);
           }), {once: true})"""
    )
    cast.click()
    expect(notice).to_contain_text("Uw stem is NIET vastgelegd: er is geen verbinding.")
    expect(against).to_be_checked()

    cast.click()
    expect(notice).to_contain_text("Uw stem is NIET vastgelegd: het is even erg druk.")
    expect(against).to_be_checked()
    screenshot(page, "ballot-too-busy")
    assert not Ballot.objects.filter(vote=vote).exists()

    cast.click()
    expect(notice).to_contain_text("Uw stem is vastgelegd.")
    expect(page.locator("#live-my-vote")).to_contain_text("U hebt gestemd.")
    assert list(Ballot.objects.filter(vote=vote).values_list("choice", flat=True)) == ["against"]
