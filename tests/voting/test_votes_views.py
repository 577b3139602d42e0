"""The vote pages over HTTP: who may open which vote URL (generated from the URLconf),
preparing, the ballot form, casting with and without JavaScript, results, CSV, receipts,
and the proxy page (voting/vote_views.py)."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from panels import meetings
from panels.access import Perm
from panels.models import Presence
from tests.helpers import csv_rows
from tests.matrix import (
    ALLOWED,
    assert_every_url_in_matrix,
    expected,
    fail_if_not_in_matrix,
    log_in,
    matrix_cases,
    refused_before_lookup,
    url_patterns,
)
from tests.voting.conftest import ballot_key, be_present, cast, fresh, votes_snapshot
from voting import casting, eligibility, lifecycle, methods, proposals, results
from voting import urls as voting_urls
from voting.models import Ballot, Participation, Proxy, Vote

pytestmark = pytest.mark.django_db

RECEIPT = re.compile(r"[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}")
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, *args) -> str:
    return reverse(f"voting:{name}", args=args)


def vote_url(name: str, vote: Vote) -> str:
    return url(name, vote.panel_id, vote.pk)


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


# --- the permission matrix ------------------------------------------------------------------

# URL name → (permission, methods the view answers, the object it is about)
MATRIX = {
    "vote_new": (Perm.MODERATE, {"GET", "POST"}, "panel"),
    "vote": (Perm.VIEW_PANEL, {"GET"}, "open vote"),
    "vote_open": (Perm.MODERATE, {"POST"}, "prepared vote"),
    "vote_close": (Perm.MODERATE, {"POST"}, "open vote"),
    # Anyone in the panel may post a ballot; the vote itself decides who may cast one.
    "vote_cast": (Perm.VIEW_PANEL, {"POST"}, "open vote"),
    "vote_csv": (Perm.VIEW_PANEL, {"GET"}, "closed vote"),
    # Checking a receipt answers with the page itself (a redirect would carry the code).
    "vote_receipt": (Perm.VIEW_PANEL, {"POST"}, "closed secret vote"),
    # A closed date poll's best date becomes a meeting.
    "vote_schedule": (Perm.MODERATE, {"POST"}, "closed date-poll vote"),
    # What to do with an answer to an open question: a moderator hides it; its author or a
    # moderator brings it in as a proposal (others are told they may not).
    "vote_answer_hide": (Perm.MODERATE, {"POST"}, "closed open-question vote"),
    "vote_answer_propose": (Perm.TAKE_PART, {"POST"}, "closed open-question vote"),
    "proxy": (Perm.TAKE_PART, {"GET", "POST"}, "meeting"),
    # The desk: moderators, and members appointed to it for the meeting
    # (tests/voting/test_desk_ballots.py).
    "vote_desk": (Perm.MODERATE, {"GET"}, "open vote"),
    "vote_desk_ballot": (Perm.MODERATE, {"POST"}, "open vote"),
    "vote_room_count": (Perm.MODERATE, {"POST"}, "open vote"),
    "vote_room_confirm": (Perm.MODERATE, {"POST"}, "open vote"),
    "vote_sheets": (Perm.MODERATE, {"GET"}, "meeting"),
}

# persona → what they may do in `panel` (None: not logged in; empty: not a member)
ROLES = {
    "anonymous": None,
    "mallory": set(),  # outsider
    "oscar": set(),  # moderator of another panel
    "olga": {Perm.VIEW_PANEL},  # observer
    "nora": {Perm.VIEW_PANEL, Perm.TAKE_PART},  # member without voting rights
    "bob": {Perm.VIEW_PANEL, Perm.TAKE_PART},  # member
    "carl": {Perm.VIEW_PANEL, Perm.TAKE_PART},  # corporation representative
    "tina": {Perm.VIEW_PANEL, Perm.TAKE_PART},  # tenant organisation representative
    "alice": {Perm.VIEW_PANEL, Perm.TAKE_PART, Perm.MODERATE},  # moderator
}


def vote_patterns() -> dict:
    """The vote pages of the voting URLconf (proposals and amendments are tested elsewhere)."""
    return url_patterns(
        [p for p in voting_urls.urlpatterns if p.name.startswith("vote") or p.name == "proxy"]
    )


def test_every_vote_url_is_in_the_matrix():
    assert_every_url_in_matrix(vote_patterns(), MATRIX, "vote")


def expected_status(name: str, method: str, role: str) -> int | str:
    outcome = expected(MATRIX[name], ROLES[role], method)
    if outcome != ALLOWED:
        return outcome
    return 200 if method == "GET" or name == "vote_receipt" else 302


@pytest.fixture
def vote_world(make_vote, alice, bob, nora, olga, tina, live_meeting):
    """An open live vote (alice, bob, nora and olga present), a prepared timed vote, and a
    closed named and a closed secret vote with one ballot each."""
    closed = make_vote(question="Al gesloten", present=[alice, bob, nora, olga])
    cast(bob, closed)
    lifecycle.close_vote(alice, closed)
    closed_secret = make_vote(question="Geheim en gesloten", secret=True)
    cast(bob, closed_secret)
    lifecycle.close_vote(alice, closed_secret)
    poll = make_vote(
        question="Wanneer vergaderen we?",
        method="date_poll",
        options=["2027-03-01 19:30", "2027-03-08 19:30"],
    )
    first = poll.options.first()
    casting.cast_ballot(bob, poll, {"marks": {str(first.pk): "yes"}}, key=ballot_key())
    lifecycle.close_vote(alice, poll)
    question = make_vote(question="Wat kan beter?", method="open_question")
    casting.cast_ballot(alice, question, {"remark": "Meer licht"}, key=ballot_key())
    lifecycle.close_vote(alice, question)
    return {
        "closed open-question vote": fresh(question),
        "closed date-poll vote": fresh(poll),
        "open vote": make_vote(question="Nu open"),
        "prepared vote": make_vote(opened=False, mode=Vote.Mode.TIMED, question="Later"),
        "closed vote": fresh(closed),
        "closed secret vote": fresh(closed_secret),
    }


def post_data(name: str, world: dict, live_meeting, tina) -> dict:
    return {
        "vote_new": {
            "question": "Nieuwe vraag",
            "method": "yes_no",
            "majority": "simple",
            "qualified": "2/3",
            "mode": "live",
            "meeting": live_meeting.pk,
        },
        "vote_cast": {"choice": "for", "key": ballot_key()},
        "vote_receipt": {"receipt": "0000-0000-0000"},
        "vote_answer_hide": {"answer": "Meer licht", "reason": "Test"},
        "vote_answer_propose": {
            "answer": "Meer licht",
            "item": live_meeting.items.get(state="current").pk,
        },
        "proxy": {"holder": tina.pk},
    }.get(name, {})


@pytest.mark.parametrize(("name", "method", "role"), matrix_cases(vote_patterns(), MATRIX, ROLES))
def test_permission_matrix(request, client, name, method, role):
    fail_if_not_in_matrix(name, MATRIX, "vote")
    outcome = expected_status(name, method, role)
    pattern = vote_patterns()[name]
    converters = pattern.pattern.converters
    if refused_before_lookup(client, f"voting:{name}", pattern, method, outcome):
        return
    world = request.getfixturevalue("vote_world")
    panel, live_meeting = request.getfixturevalue("panel"), request.getfixturevalue("live_meeting")
    target = MATRIX[name][2]
    values = {"panel_id": panel.pk, "meeting_id": live_meeting.pk}
    if "vote" in target:
        values["vote_id"] = world[target].pk
    address = reverse(f"voting:{name}", kwargs={k: values[k] for k in converters})
    log_in(request, client, role, ROLES)
    before = votes_snapshot(panel)

    if method == "GET":
        response = client.get(address)
    else:
        data = post_data(name, world, live_meeting, request.getfixturevalue("tina"))
        response = client.post(address, data)

    assert response.status_code == outcome
    if outcome != 302:
        assert votes_snapshot(panel) == before, "a GET or a refused request must change nothing"


@pytest.mark.parametrize("name", ["vote", "vote_open", "vote_close", "vote_cast", "vote_csv"])
def test_another_panels_moderator_cannot_reach_our_votes_via_his_panel(
    client_for, oscar, other_panel, vote_world, name
):
    vote = vote_world["closed vote" if name == "vote_csv" else "open vote"]
    address = url(name, other_panel.pk, vote.pk)

    response = client_for(oscar).generic("GET" if name in ("vote", "vote_csv") else "POST", address)

    assert response.status_code == 404


def test_another_panels_moderator_cannot_reach_our_meetings_proxies(
    client_for, oscar, other_panel, live_meeting
):
    assert client_for(oscar).get(url("proxy", other_panel.pk, live_meeting.pk)).status_code == 404


def test_an_observer_posting_a_ballot_is_refused_and_nothing_is_recorded(
    client_for, olga, panel, vote_world
):
    vote = vote_world["open vote"]
    before = votes_snapshot(panel)

    response = client_for(olga).post(
        vote_url("vote_cast", vote), {"choice": "for", "key": ballot_key()}
    )

    assert response.status_code == 302
    assert [level for level, _ in messages_of(response)] == ["error"]
    assert votes_snapshot(panel) == before


# --- preparing a vote ------------------------------------------------------------------------

VALID = {"question": "Komen er bankjes?", "method": "yes_no", "majority": "simple"}
VALID |= {"qualified": "2/3", "mode": "live"}


def test_the_moderator_gets_the_form(client_for, alice, panel, live_meeting):
    response = client_for(alice).get(url("vote_new", panel.pk) + f"?meeting={live_meeting.pk}")

    assertContains(response, "Prepare a vote")
    assertContains(response, f'name="meeting" value="{live_meeting.pk}"')
    assertContains(response, 'name="options"')


def test_a_vote_on_a_proposal_is_for_or_against_only(client_for, alice, panel, proposal):
    response = client_for(alice).get(url("vote_new", panel.pk) + f"?proposal={proposal.pk}")

    assertContains(response, "On the proposal “<bdi>Groen in de wijk</bdi>”.")
    assertNotContains(response, 'name="options"')
    assertNotContains(response, 'value="ranked"')


def test_the_moderator_prepares_a_vote_in_the_meeting(client_for, alice, panel, live_meeting):
    response = client_for(alice).post(
        url("vote_new", panel.pk), VALID | {"meeting": live_meeting.pk}
    )

    vote = Vote.objects.get()
    assert response.status_code == 302
    assert response.url == live_meeting.get_absolute_url()
    assert (vote.question, vote.state, vote.meeting, vote.created_by) == (
        "Komen er bankjes?",
        Vote.State.DRAFT,
        live_meeting,
        alice,
    )
    assert messages_of(response) == [
        ("success", "The vote is prepared. Open it when the time comes.")
    ]


def test_a_timed_vote_without_a_meeting_leads_to_its_own_page(client_for, alice, panel):
    deadline = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")

    response = client_for(alice).post(
        url("vote_new", panel.pk), VALID | {"mode": "timed", "closes_at": deadline}
    )

    vote = Vote.objects.get()
    assert response.url == vote_url("vote", vote)
    assert (vote.mode, vote.meeting) == (Vote.Mode.TIMED, None)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"method": ""}, "This field is required."),
        ({"quorum_percent": "150"}, "less than or equal to 100"),
        ({"method": "one_choice", "options": "Alleen deze"}, "Give at least two options."),
        ({"mode": "live"}, "A live vote belongs to a meeting."),
        ({"mode": "timed"}, "A timed vote needs a deadline in the future."),
    ],
    ids=["no method", "quorum", "one option", "live without meeting", "timed without deadline"],
)
def test_an_invalid_vote_form_is_shown_again_with_400(client_for, alice, panel, data, error):
    response = client_for(alice).post(url("vote_new", panel.pk), VALID | data)

    assertContains(response, error, status_code=400)
    assert not Vote.objects.exists()


def test_a_member_cannot_prepare_a_vote(client_for, bob, panel, live_meeting):
    client = client_for(bob)

    assert client.get(url("vote_new", panel.pk)).status_code == 403
    response = client.post(url("vote_new", panel.pk), VALID | {"meeting": live_meeting.pk})
    assert response.status_code == 403
    assert not Vote.objects.exists()


@pytest.mark.parametrize("query", ["meeting=abc", "proposal={their}", "meeting={their_meeting}"])
def test_preparing_about_something_outside_the_panel_is_404(client_for, alice, panel, oscar, query):
    theirs = meetings.create_meeting(
        oscar, title="Elders", starts_at=timezone.now() + timedelta(days=1), notify=False
    )
    item = meetings.add_item(oscar, theirs, title="Punt")
    their = proposals.create_proposal(oscar, item, title="Hun voorstel", text="Tekst.")
    query = query.format(their=their.pk, their_meeting=theirs.pk)

    response = client_for(alice).get(url("vote_new", panel.pk) + "?" + query)

    assert response.status_code == 404


# --- the vote page and the ballot form -------------------------------------------------------


def cast_button(vote: Vote) -> str:
    return f'id="btn-cast-{vote.pk}"'


def test_the_ballot_form_is_shown_to_a_member_who_may_vote(client_for, make_vote, bob):
    vote = make_vote(present=[bob])

    response = client_for(bob).get(vote_url("vote", vote))

    assertContains(response, cast_button(vote))
    assertContains(response, 'name="key" value="')
    assertContains(response, f'action="{vote_url("vote_cast", vote)}"')
    assertContains(response, 'value="for"')


@pytest.mark.parametrize("persona", ["nora", "olga", "carl"])
def test_no_ballot_form_for_who_may_not_vote_now(request, client_for, make_vote, bob, persona):
    """nora: no voting rights; olga: observer; carl: corporation."""
    people = [request.getfixturevalue(name) for name in ("nora", "olga", "carl")]
    vote = make_vote(present=[bob, *people])

    response = client_for(request.getfixturevalue(persona)).get(vote_url("vote", vote))

    assertNotContains(response, cast_button(vote))
    assertContains(response, "You cannot vote in this vote.")


def test_opening_a_live_vote_s_page_is_being_at_the_meeting(client_for, make_vote, bob, tina):
    """As opening the meeting's page is: tina was not present when the vote opened."""
    vote = make_vote(present=[bob])
    assert not eligibility.capacities(vote, tina)

    response = client_for(tina).get(vote_url("vote", vote))

    assertContains(response, cast_button(vote))
    assert eligibility.capacities(vote, tina) == [tina]


def test_the_page_of_a_closed_vote_makes_nobody_present(client_for, make_vote, alice, tina):
    vote = make_vote(present=[alice])
    lifecycle.close_vote(alice, vote)
    client_for(tina).get(vote_url("vote", vote))
    assert not Presence.objects.filter(membership=tina).exists()


def test_after_a_secret_vote_the_form_is_gone(client_for, make_vote, bob):
    vote = make_vote(secret=True, present=[bob])
    cast(bob, vote)

    response = client_for(bob).get(vote_url("vote", vote))

    assertNotContains(response, cast_button(vote))
    assertContains(response, "You have voted in this vote.")


def test_in_a_named_vote_the_form_stays_to_change_the_vote(client_for, make_vote, bob):
    vote = make_vote(present=[bob])
    cast(bob, vote)

    assertContains(client_for(bob).get(vote_url("vote", vote)), cast_button(vote))


def test_a_proxy_holder_chooses_for_whom_to_vote(client_for, make_vote, live_meeting, bob, tina):
    eligibility.give_proxy(bob, live_meeting, tina)
    vote = make_vote(present=[tina])

    response = client_for(tina).get(vote_url("vote", vote))

    assertContains(response, f'name="for" value="{tina.pk}"')
    assertContains(response, f'name="for" value="{bob.pk}"')
    assertContains(response, "<bdi>Bob Member</bdi> (proxy)")


def test_only_the_moderator_sees_the_controls(client_for, make_vote, alice, bob):
    vote = make_vote(present=[alice, bob])

    assertContains(client_for(alice).get(vote_url("vote", vote)), vote_url("vote_close", vote))
    assertNotContains(client_for(bob).get(vote_url("vote", vote)), vote_url("vote_close", vote))


# --- casting ---------------------------------------------------------------------------------


def test_casting_with_a_plain_form_redirects_with_the_receipt(client_for, make_vote, bob):
    vote = make_vote(secret=True, present=[bob])

    response = client_for(bob).post(
        vote_url("vote_cast", vote), {"choice": "against", "key": ballot_key()}
    )

    assert response.status_code == 302
    assert response.url == vote_url("vote", vote)
    (success, info) = messages_of(response)
    assert success == ("success", "Your vote has been recorded.")
    assert info[0] == "info"
    assert info[1].startswith("Receipt code for \u2068Bob Member\u2069: ")
    (code,) = RECEIPT.findall(info[1])
    assert results.ballots(vote) == [methods.ballot("against")]
    lifecycle.close_vote(vote.created_by, vote)
    assert casting.receipt_counted(fresh(vote), code)


def test_casting_goes_back_to_a_page_on_this_site_only(client_for, make_vote, bob, tina):
    vote = make_vote(present=[bob, tina])
    meeting_page = vote.meeting.get_absolute_url()

    here = client_for(bob).post(
        vote_url("vote_cast", vote), {"choice": "for", "key": ballot_key(), "next": meeting_page}
    )
    away = client_for(tina).post(
        vote_url("vote_cast", vote),
        {"choice": "for", "key": ballot_key(), "next": "//evil.example/"},
    )

    assert here.url == meeting_page
    assert away.url == vote_url("vote", vote)


def test_casting_with_htmx_answers_with_the_notice_and_the_receipt(client_for, make_vote, bob):
    vote = make_vote(secret=True, present=[bob])

    response = client_for(bob).post(
        vote_url("vote_cast", vote), {"choice": "for", "key": ballot_key()}, **HTMX
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="live-notice" hx-swap-oob="innerHTML"' in html
    assert "Your vote has been recorded." in html
    (code,) = re.findall(r'<strong class="receipt">([0-9A-F-]+)</strong>', html)
    assert [b["choice"] for b in results.ballots(vote)] == ["for"]
    lifecycle.close_vote(vote.created_by, vote)
    assert casting.receipt_counted(fresh(vote), code)


def test_htmx_without_a_key_is_refused(client_for, make_vote, bob):
    vote = make_vote(present=[bob])

    response = client_for(bob).post(vote_url("vote_cast", vote), {"choice": "for"}, **HTMX)

    assert "Reload the page and vote again." in response.content.decode()
    assert not Participation.objects.exists()


def test_htmx_retry_with_the_same_key_shows_the_same_receipt(client_for, make_vote, bob):
    vote = make_vote(secret=True, present=[bob])
    client, data = client_for(bob), {"choice": "for", "key": ballot_key()}

    first = client.post(vote_url("vote_cast", vote), data, **HTMX).content.decode()
    again = client.post(vote_url("vote_cast", vote), data, **HTMX).content.decode()

    assert RECEIPT.findall(first) == RECEIPT.findall(again) != []
    assert len(results.ballots(vote)) == 1


def test_without_javascript_and_without_a_key_a_vote_is_cast_once(client_for, make_vote, bob):
    vote = make_vote(secret=True, present=[bob])
    client = client_for(bob)

    first = client.post(vote_url("vote_cast", vote), {"choice": "for"})
    assert [level for level, _ in messages_of(first)] == ["success", "info"]
    client.get(first.url)  # the page shows (and so uses up) the messages
    second = client.post(vote_url("vote_cast", vote), {"choice": "against"})

    assert messages_of(second) == [("error", "This vote has already been cast.")]
    assert [b["choice"] for b in results.ballots(vote)] == ["for"]


def test_a_holder_casts_for_both_with_one_form(client_for, make_vote, live_meeting, bob, tina):
    eligibility.give_proxy(bob, live_meeting, tina)
    vote = make_vote(secret=True, present=[tina])

    response = client_for(tina).post(
        vote_url("vote_cast", vote),
        {"choice": "for", "key": ballot_key(), "for": [tina.pk, bob.pk]},
    )

    shown = [text for _level, text in messages_of(response)]
    assert shown[0] == "Your vote has been recorded."
    assert [t.split(":")[0] for t in shown[1:]] == [
        "Receipt code for \u2068Tina Tenantorg\u2069",
        "Receipt code for \u2068Bob Member\u2069",
    ]
    assert sorted(Participation.objects.values_list("voter", "on_behalf_of")) == sorted(
        [(tina.pk, tina.pk), (tina.pk, bob.pk)]
    )


def test_casting_for_someone_without_their_proxy_is_refused(client_for, make_vote, bob, tina):
    vote = make_vote(present=[bob, tina])

    response = client_for(tina).post(
        vote_url("vote_cast", vote), {"choice": "for", "key": ballot_key(), "for": [bob.pk]}
    )

    assert messages_of(response) == [("error", "You cannot vote in this vote (for this person).")]
    assert not Participation.objects.exists()


def test_a_ranked_ballot_from_the_form(client_for, make_vote, bob):
    vote = make_vote(
        method=Vote.Method.RANKED, options=["Speeltuin", "Bankjes", "Fietsen"], present=[bob]
    )
    s, b, f = vote.options.all()

    client_for(bob).post(
        vote_url("vote_cast", vote),
        {"key": ballot_key(), f"rank_{s.pk}": "2", f"rank_{b.pk}": "", f"rank_{f.pk}": "1"},
    )

    assert Ballot.objects.get().ranking == [f.pk, s.pk]


def test_a_one_choice_ballot_from_the_form(client_for, make_vote, bob):
    vote = make_vote(method=Vote.Method.ONE_CHOICE, options=["Groen", "Blauw"], present=[bob])
    blue = vote.options.get(label="Blauw")

    client_for(bob).post(vote_url("vote_cast", vote), {"key": ballot_key(), "option": blue.pk})

    assert Ballot.objects.get().option == blue


def test_abstaining_among_options_is_one_of_the_options_radio_buttons(client_for, make_vote, bob):
    vote = make_vote(method=Vote.Method.ONE_CHOICE, options=["Groen", "Blauw"], present=[bob])
    client = client_for(bob)

    form = client.get(vote_url("vote", vote)).content.decode()
    client.post(vote_url("vote_cast", vote), {"key": ballot_key(), "option": "abstain"})

    assert 'name="option" value="abstain"' in form, "one radio group: one choice, arrow keys"
    assert (Ballot.objects.get().choice, Ballot.objects.get().option) == ("abstain", None)


# --- opening and closing -------------------------------------------------------------------


def test_the_moderator_opens_and_closes_over_http(client_for, make_vote, alice, bob):
    vote = make_vote(opened=False, present=[bob])
    client = client_for(alice)

    opened = client.post(vote_url("vote_open", vote))
    assert messages_of(opened) == [("success", "The vote is open.")]
    client.get(opened.url)
    cast(bob, fresh(vote))
    closed = client.post(vote_url("vote_close", vote))

    assert messages_of(closed) == [("success", "The vote is closed and the result is published.")]
    assert fresh(vote).result["cast"] == 1


def test_closing_with_a_written_round(client_for, make_vote, alice):
    vote = make_vote()
    until = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")

    response = client_for(alice).post(vote_url("vote_close", vote), {"written_round_until": until})

    assert messages_of(response) == [("success", "The written round has started.")]
    assert fresh(vote).state == Vote.State.WRITTEN_ROUND


def test_closing_with_a_bad_date_changes_nothing(client_for, make_vote, alice):
    vote = make_vote()

    response = client_for(alice).post(
        vote_url("vote_close", vote), {"written_round_until": "morgen"}
    )

    assert messages_of(response) == [("error", "Give a valid date and time.")]
    assert fresh(vote).state == Vote.State.OPEN


def test_a_refused_open_is_said_in_the_htmx_notice(client_for, make_vote, alice):
    make_vote()
    second = make_vote(opened=False, question="Tweede")

    response = client_for(alice).post(vote_url("vote_open", second), **HTMX)

    assert response.status_code == 200
    assertContains(response, "Close the open vote first.")
    assert fresh(second).state == Vote.State.DRAFT


# --- results: page, CSV, receipt check -----------------------------------------------------


@pytest.fixture
def closed_secret_vote(make_vote, alice, bob, tina):
    vote = make_vote(secret=True, present=[alice, bob, tina])
    receipts = {
        "bob": cast(bob, vote, "for").receipt,
        "tina": cast(tina, vote, "against").receipt,
        "alice": cast(alice, vote, "for").receipt,
    }
    lifecycle.close_vote(alice, vote)
    return fresh(vote), receipts


@pytest.mark.parametrize("state", ["prepared", "open", "written round"])
def test_no_csv_before_close(client_for, make_vote, alice, state):
    vote = make_vote(opened=state != "prepared")
    if state == "written round":
        lifecycle.close_vote(alice, vote, written_round_until=timezone.now() + timedelta(hours=1))

    assert client_for(alice).get(vote_url("vote_csv", vote)).status_code == 404


def test_the_csv_has_the_counts_and_the_receipts(client_for, bob, closed_secret_vote):
    vote, _receipts = closed_secret_vote

    response = client_for(bob).get(vote_url("vote_csv", vote))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="stemming-{vote.pk}.csv"'
    rows = csv_rows(response)
    assert rows[0] == ["question", vote.question]
    assert ["outcome", "adopted"] in rows
    assert ["cast", "3"] in rows and ["eligible", "3"] in rows
    assert sorted(r for r in rows if r[0] == "count") == [
        ["count", "abstain", "0"],
        ["count", "against", "1"],
        ["count", "for", "2"],
    ]
    assert [r[1:] for r in rows if r[0] == "receipt"] == [[h] for h in vote.result["receipts"]]
    assert "Bob Member" not in response.content.decode()


def test_the_counts_are_listed_in_ballot_order(client_for, make_vote, alice, bob, tina):
    vote = make_vote(
        method=Vote.Method.ONE_CHOICE,
        question="Welke kleur krijgen de deuren?",
        options=["Groen", "Blauw", "Rood"],
        present=[bob, tina],
    )
    cast(bob, vote, None, option_id=vote.options.get(label="Rood").pk)
    cast(tina, vote, "abstain")
    lifecycle.close_vote(alice, vote)
    client = client_for(bob)

    page = client.get(vote_url("vote", vote)).content.decode()
    rows = csv_rows(client.get(vote_url("vote_csv", vote)))

    in_ballot_order = ["Groen", "Blauw", "Rood", "abstain"]
    assert [r[1] for r in rows if r[0] == "count"] == in_ballot_order
    shown = re.findall(r'<th scope="row">(?:<bdi>)?([^<]+)(?:</bdi>)?</th>', page)
    assert shown == ["Groen", "Blauw", "Rood", "Abstain"]


def test_the_csv_of_a_named_vote_names_the_voters(client_for, make_vote, alice, bob):
    vote = make_vote(present=[bob])
    cast(bob, vote, "against")
    lifecycle.close_vote(alice, vote)
    response = client_for(bob).get(vote_url("vote_csv", vote))

    rows = csv_rows(response)

    assert ["ballot", "Bob Member", "against"] in rows


def test_the_result_page_shows_the_outcome(client_for, olga, closed_secret_vote):
    vote, _receipts = closed_secret_vote

    response = client_for(olga).get(vote_url("vote", vote))

    assertContains(response, "Adopted")
    assertContains(response, "3 of 3 who could vote took part.")
    assertContains(response, vote_url("vote_csv", vote))
    assertContains(response, 'name="receipt"')
    assertNotContains(response, "Who voted what")


def check_receipt(client, vote: Vote, code: str) -> str:
    response = client.post(vote_url("vote_receipt", vote), {"receipt": code})
    assert response.status_code == 200  # the page itself: no redirect to carry the code
    # Without the CSRF tokens, which differ on every page.
    token = r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")\w+'
    return re.sub(token, "", response.content.decode())


def test_a_voter_checks_their_receipt_on_the_vote_page(client_for, tina, closed_secret_vote):
    vote, receipts = closed_secret_vote

    found = check_receipt(client_for(tina), vote, f" {receipts['tina'].lower()} ")
    wrong = check_receipt(client_for(tina), vote, "0000-0000-0000")

    assert "Your ballot was counted: it is one of the 3 ballots in the count." in found
    assert "This code is not among the counted ballots." in wrong
    assert receipts["tina"] not in found and "0000-0000-0000" not in wrong  # not echoed


def test_a_receipt_shows_nobody_the_choice(client_for, bob, tina, closed_secret_vote):
    """Tina voted against, Bob and Alice for: whichever code is checked, by whom, the answer
    is the same page. A code proves it was counted, and nothing else, to anyone."""
    vote, receipts = closed_secret_vote

    for checker in (bob, tina):
        pages = {check_receipt(client_for(checker), vote, code) for code in receipts.values()}
        assert len(pages) == 1
        assert "Your ballot was counted" in pages.pop()
    assert vote.result["receipts"] == sorted(vote.result["receipts"])
    assert all(isinstance(entry, str) for entry in vote.result["receipts"])


def test_a_receipt_in_the_address_is_ignored(client_for, tina, closed_secret_vote):
    """Codes in a URL end up in access logs next to the voter's address: never read there."""
    vote, receipts = closed_secret_vote

    page = client_for(tina).get(vote_url("vote", vote), {"receipt": receipts["tina"]})

    assertNotContains(page, "Your ballot was counted")
    assertNotContains(page, "not among the counted ballots")
    assertContains(page, f'action="{vote_url("vote_receipt", vote)}"')
    assertContains(page, 'method="post"')


def test_no_receipt_check_for_an_open_or_a_named_vote(client_for, make_vote, alice, bob):
    named = make_vote(question="Hoofdelijk", present=[bob])
    cast(bob, named, "for")
    lifecycle.close_vote(alice, named)
    open_secret = make_vote(secret=True, present=[bob])
    code = cast(bob, open_secret, "for").receipt

    for vote in (open_secret, named):
        response = client_for(bob).post(vote_url("vote_receipt", vote), {"receipt": code})
        assert response.status_code == 404


def test_a_named_vote_shows_who_voted_what_and_no_receipt_form(client_for, make_vote, alice, bob):
    vote = make_vote(present=[bob])
    cast(bob, vote, "abstain")
    lifecycle.close_vote(alice, vote)

    response = client_for(bob).get(vote_url("vote", vote))

    assertContains(response, "Who voted what")
    assertContains(response, "<li><bdi>Bob Member</bdi>: Abstain</li>", html=True)
    assertNotContains(response, 'name="receipt"')


# --- the proxy page --------------------------------------------------------------------------


def proxy_url(meeting) -> str:
    return url("proxy", meeting.panel_id, meeting.pk)


def test_a_member_gives_and_revokes_a_proxy_on_the_proxy_page(
    client_for, live_meeting, bob, tina, nora, olga
):
    client = client_for(bob)

    page = client.get(proxy_url(live_meeting))
    assertContains(page, f'<option value="{tina.pk}">Tina Tenantorg</option>', html=True)
    assertNotContains(page, f'<option value="{bob.pk}">')
    assertNotContains(page, f'<option value="{nora.pk}">')  # cannot hold a proxy
    assertNotContains(page, f'<option value="{olga.pk}">')

    given = client.post(proxy_url(live_meeting), {"holder": tina.pk})
    assert given.url == proxy_url(live_meeting)
    assert messages_of(given) == [
        ("success", "\u2068Tina Tenantorg\u2069 may now vote for you in this meeting.")
    ]
    proxy = Proxy.objects.get()
    assertContains(client.get(proxy_url(live_meeting)), "<bdi>Tina Tenantorg</bdi> votes for you")
    assertContains(client_for(tina).get(proxy_url(live_meeting)), "Proxies you hold")

    client = client_for(bob)
    revoked = client.post(proxy_url(live_meeting), {"revoke": proxy.pk})
    assert messages_of(revoked) == [("success", "The proxy has been revoked.")]
    assert fresh(proxy).revoked_at is not None


@pytest.mark.parametrize(
    ("holder", "error"),
    [
        ("nora", "The proxy holder must be a member who may vote."),
        ("bob", "You cannot give a proxy to yourself."),
        ("oscar", "Choose a member of this panel."),
        ("nobody", "Choose a member of this panel."),
    ],
)
def test_a_refused_proxy_is_said_and_changes_nothing(
    request, client_for, live_meeting, bob, holder, error
):
    pk = "x" if holder == "nobody" else request.getfixturevalue(holder).pk

    response = client_for(bob).post(proxy_url(live_meeting), {"holder": pk})

    assert messages_of(response) == [("error", error)]
    assert not Proxy.objects.exists()


def test_the_moderator_sees_and_revokes_every_proxy(client_for, live_meeting, alice, bob, tina):
    proxy = eligibility.give_proxy(bob, live_meeting, tina)
    client = client_for(alice)

    assertContains(
        client.get(proxy_url(live_meeting)), "<bdi>Bob Member</bdi> → <bdi>Tina Tenantorg</bdi>"
    )
    client.post(proxy_url(live_meeting), {"revoke": proxy.pk})

    assert fresh(proxy).revoked_at is not None


def test_the_holder_cannot_revoke_over_http(client_for, live_meeting, bob, tina):
    proxy = eligibility.give_proxy(bob, live_meeting, tina)

    response = client_for(tina).post(proxy_url(live_meeting), {"revoke": proxy.pk})

    assert messages_of(response) == [("error", "Only the member who gave the proxy can revoke it.")]
    assert fresh(proxy).revoked_at is None


def test_a_proxy_of_another_meeting_cannot_be_revoked_here(
    client_for, alice, live_meeting, bob, tina
):
    later = meetings.create_meeting(
        alice, title="Later", starts_at=timezone.now() + timedelta(days=9), notify=False
    )
    elsewhere = eligibility.give_proxy(bob, later, tina)

    response = client_for(bob).post(proxy_url(live_meeting), {"revoke": elsewhere.pk})

    assert messages_of(response) == [("error", "This proxy no longer exists.")]
    assert fresh(elsewhere).revoked_at is None


def test_no_proxy_changes_while_a_vote_is_open_over_http(
    client_for, make_vote, live_meeting, bob, tina
):
    be_present(live_meeting, bob)
    make_vote()

    response = client_for(bob).post(proxy_url(live_meeting), {"holder": tina.pk})

    assert messages_of(response) == [("error", "Proxies can only change while no vote is open.")]


@pytest.mark.parametrize(
    ("language", "shares"),
    [("nl", ["66,7&nbsp;%", "33,3&nbsp;%"]), ("en", ["66.7&nbsp;%", "33.3&nbsp;%"])],
)
def test_a_result_shows_each_share_in_the_readers_number_format(
    client_for, make_vote, alice, bob, tina, language, shares
):
    vote = make_vote(present=[alice, bob, tina])
    cast(alice, vote, "for")
    cast(bob, vote, "for")
    cast(tina, vote, "against")
    lifecycle.close_vote(alice, vote)
    response = client_for(bob).get(vote_url("vote", vote), headers={"accept-language": language})
    for share in shares:
        assertContains(response, share)
