"""Ballots without a device (voting/desk.py): a ballot the desk enters for a member in the
room or on the phone, and the room's count by show of hands or on paper. One person, one
vote across every channel; every entry on someone's behalf audited; bad input refused with
nothing recorded."""

import pytest
from django.urls import reverse

from panels import attendance, audit, meetings
from panels.models import Attendance, AuditAction, AuditEntry
from tests.voting.conftest import ballot_key, be_present, cast, vote_spec
from voting import casting, desk, lifecycle
from voting.errors import VotingError
from voting.models import Participation, Proxy, RoomCount, Vote

pytestmark = pytest.mark.django_db
ROOM, PHONE = Attendance.How.ROOM, Attendance.How.PHONE


@pytest.fixture
def roomful(make_member, hall, alice):
    """Four members the desk registered in the room."""
    people = [make_member(f"Zaal{number}") for number in range(4)]
    for person in people:
        attendance.mark_present(alice, hall, person.pk, ROOM)
    return people


def open_vote(alice, hall, **fields) -> Vote:
    vote = lifecycle.prepare_vote(alice, vote_spec(**fields), meeting=hall)
    return lifecycle.open_vote(alice, vote)


@pytest.fixture
def state_snapshot(panel):
    def snapshot():
        return (
            sorted(Participation.objects.values_list("vote", "voter", "on_behalf_of", "at_desk")),
            sorted(RoomCount.objects.values_list("vote", "taking_part", "confirmed_by")),
            sorted(Vote.objects.values_list("pk", "state", "counted_in_room")),
            sorted(Proxy.objects.values_list("principal", "holder", "revoked_at")),
            AuditEntry.objects.count(),
        )

    return snapshot


@pytest.fixture
def refusal_error():
    return VotingError


# --- a ballot entered at the desk -----------------------------------------------------------


def test_the_desk_enters_the_ballot_of_a_member_in_the_room(hall, alice, bob, client_for):
    attendance.mark_present(alice, hall, bob.pk, ROOM)
    vote = open_vote(alice, hall)
    assert desk.registered(vote) == [bob]

    desk.cast_at_desk(alice, vote, bob.pk, {"choice": "against"}, key=ballot_key())

    taken = Participation.objects.get(vote=vote)
    assert (taken.voter, taken.on_behalf_of, taken.at_desk) == (alice, bob, True)
    assert desk.registered(vote) == []
    entry = AuditEntry.objects.get(action=AuditAction.BALLOT_AT_DESK)
    assert (entry.actor_membership_id, entry.details) == (alice.pk, {"member": bob.pk})
    assert audit.verify().broken is None
    closed = lifecycle.close_vote(alice, vote)
    assert dict(closed.result["counts"])["against"] == 1
    assert closed.result["named"][0][:3] == ["Bob Member", "against", bob.pk]
    page = client_for(bob).get(
        reverse("voting:vote", args=[vote.panel_id, vote.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "entered at the desk by <bdi>Alice Moderator</bdi>" in page.content.decode()


def test_a_secret_ballot_at_the_desk_gives_the_member_a_receipt_and_the_log_no_choice(
    hall, alice, bob
):
    attendance.mark_present(alice, hall, bob.pk, PHONE)
    vote = open_vote(alice, hall, secret=True)

    entered = desk.cast_at_desk(alice, vote, bob.pk, {"choice": "for"}, key=ballot_key())
    closed = lifecycle.close_vote(alice, vote)

    assert entered.receipt and casting.receipt_counted(closed, entered.receipt)
    entry = AuditEntry.objects.get(action=AuditAction.BALLOT_AT_DESK)
    assert "for" not in str(entry.details)
    assert dict(closed.result["counts"])["for"] == 1 and "named" not in closed.result


def test_one_person_one_vote_across_the_app_and_the_desk(hall, alice, bob, tina, refused):
    attendance.mark_present(alice, hall, bob.pk, ROOM)
    attendance.mark_present(alice, hall, tina.pk, ROOM)
    be_present(hall, bob, tina)
    vote = open_vote(alice, hall)
    cast(bob, vote, "for")  # bob votes in the app first
    assert refused(
        lambda: desk.cast_at_desk(alice, vote, bob.pk, {"choice": "against"}, key=ballot_key())
    )
    desk.cast_at_desk(alice, vote, tina.pk, {"choice": "against"}, key=ballot_key())
    # ... and tina, entered at the desk, cannot vote again in the app.
    with pytest.raises(VotingError):
        cast(tina, vote, "for")
    assert Participation.objects.filter(vote=vote).count() == 2


@pytest.mark.parametrize(
    "how",
    ["not registered", "left", "another panel", "no one", "observer", "not the desk", "ballot"],
)
def test_refused_desk_ballots_record_nothing(hall, alice, bob, olga, oscar, tina, refused, how):
    attendance.mark_present(alice, hall, bob.pk, ROOM)
    attendance.mark_present(alice, hall, olga.pk, ROOM)
    vote = open_vote(alice, hall)
    actor, member, ballot = alice, bob.pk, {"choice": "for"}
    if how == "not registered":
        member = tina.pk
    elif how == "left":
        attendance.mark_left(alice, hall, bob.pk)
    elif how == "another panel":
        member = oscar.pk
    elif how == "no one":
        member = None
    elif how == "observer":
        member = olga.pk  # registered, but may not vote
    elif how == "not the desk":
        actor = tina
    else:
        ballot = {"choice": "perhaps"}
    assert refused(lambda: desk.cast_at_desk(actor, vote, member, ballot, key=ballot_key()))


def test_a_member_appointed_to_the_desk_enters_ballots(hall, alice, bob, tina):
    attendance.appoint(alice, hall, tina.pk)
    attendance.mark_present(tina, hall, bob.pk, PHONE)
    vote = open_vote(alice, hall)
    desk.cast_at_desk(tina, vote, bob.pk, {"choice": "for"}, key=ballot_key())
    assert Participation.objects.get(vote=vote).voter == tina


def test_a_ballot_at_the_desk_is_in_the_member_s_own_data_export(hall, alice, bob):
    from panels.privacy import export

    attendance.mark_present(alice, hall, bob.pk, ROOM)
    vote = open_vote(alice, hall)
    desk.cast_at_desk(alice, vote, bob.pk, {"choice": "for"}, key=ballot_key())
    exported = str(export(bob.user))
    assert "'entered_at_desk_by': 'Alice Moderator'" in exported
    assert "Buurtkamer" in exported  # the stay at the meeting


# --- the room's count -------------------------------------------------------------------------


def count(alice, vote, counts, taking_part, how="hands"):
    return desk.enter_room_count(alice, vote, counts=counts, taking_part=taking_part, how=how)


def test_the_room_s_count_adds_to_the_digital_ballots(hall, alice, bob, roomful):
    be_present(hall, bob)
    vote = open_vote(alice, hall)
    cast(bob, vote, "for")  # online
    count(alice, vote, {"for": 2, "against": 1, "abstain": 1}, 4)

    closed = lifecycle.close_vote(alice, vote)

    assert dict(closed.result["counts"]) == {"for": 3, "against": 1, "abstain": 1}
    assert closed.result["cast"] == 5
    assert closed.result["room"] == {
        "cast": 4,
        "how": "hands",
        "counts": [["for", 2], ["against", 1], ["abstain", 1]],
        "counted": True,
    }
    # Everyone in the room could vote: on the roll, with bob.
    assert closed.result["eligible"] == 5  # bob and the four in the room
    entry = AuditEntry.objects.get(action=AuditAction.ROOM_COUNT_ENTERED)
    assert entry.details["taking_part"] == 4


def test_the_live_turnout_counts_the_room_once_its_count_counts(
    hall, alice, bob, roomful, make_member
):
    from panels.live import fragments
    from panels.models import Role
    from voting import live

    def turnout():
        return live.vote_context(fragments.LiveState(hall.pk))["turnout"]

    hall.panel.room_counts_confirmed = True
    hall.panel.save()
    second = make_member("Mona", role=Role.MODERATOR)
    be_present(hall, bob)
    vote = open_vote(alice, hall)
    cast(bob, vote, "for")
    assert turnout() == 1
    count(alice, vote, {"for": 2, "against": 1}, 3)
    assert turnout() == 1  # not yet: a second moderator must confirm it
    desk.confirm_room_count(second, vote)
    assert turnout() == 1 + 3


def test_a_count_cannot_exceed_the_room_less_those_who_voted_otherwise(
    hall, alice, roomful, refused
):
    vote = open_vote(alice, hall)
    be_present(hall, roomful[0])
    cast(roomful[0], vote, "for")  # voted on a phone although in the room
    message = refused(lambda: count(alice, vote, {"for": 4}, 4))
    assert "3" in message
    count(alice, vote, {"for": 3}, 3)
    # Now nobody else in the room can vote in the app: they may have raised a hand.
    be_present(hall, roomful[1])
    with pytest.raises(VotingError):
        cast(roomful[1], vote, "against")


def test_an_assisted_ballot_after_a_full_count_of_the_room_is_refused(hall, alice, roomful):
    vote = open_vote(alice, hall)
    count(alice, vote, {"for": 2, "against": 2}, 4)
    with pytest.raises(VotingError):
        desk.cast_at_desk(alice, vote, roomful[0].pk, {"choice": "for"}, key=ballot_key())


def test_a_partial_count_leaves_room_for_the_others(hall, alice, roomful):
    vote = open_vote(alice, hall)
    count(alice, vote, {"for": 2}, 2)
    desk.cast_at_desk(alice, vote, roomful[0].pk, {"choice": "against"}, key=ballot_key())
    desk.cast_at_desk(alice, vote, roomful[1].pk, {"choice": "against"}, key=ballot_key())
    with pytest.raises(VotingError):
        desk.cast_at_desk(alice, vote, roomful[2].pk, {"choice": "against"}, key=ballot_key())


@pytest.mark.parametrize(
    ("counts", "taking_part", "how"),
    [
        ({"for": 2, "against": 1}, 4, "hands"),  # does not add up
        ({"for": -1, "against": 2}, 1, "hands"),
        ({"for": "2"}, 2, "hands"),
        ({"maybe": 2}, 2, "hands"),
        ({"for": 0}, 0, "hands"),
        ({"for": 2}, 2, "smoke signals"),
        ({"for": 5}, 5, "paper"),  # more than the room
        ("for", 1, "hands"),
    ],
)
def test_counts_that_do_not_fit_are_refused(
    hall, alice, roomful, refused, counts, taking_part, how
):
    vote = open_vote(alice, hall)
    assert refused(lambda: count(alice, vote, counts, taking_part, how))


def test_a_count_of_the_room_needs_a_room_a_moderator_and_a_method_counted_by_hand(
    hall, alice, bob, roomful, meeting, refused
):
    points = open_vote(alice, hall, method="points", options=["Dak", "Lift"])
    assert refused(lambda: count(alice, points, {}, 1))
    lifecycle.close_vote(alice, points)
    online = meetings.start_meeting(alice, meeting)
    elsewhere = open_vote(alice, online)
    assert refused(lambda: count(alice, elsewhere, {"for": 1}, 1))
    vote = open_vote(alice, hall, question="Nog een vraag")
    assert refused(lambda: count(bob, vote, {"for": 1}, 1))


def test_one_choice_and_sense_check_are_counted_by_hand_too(hall, alice, roomful):
    choice = open_vote(alice, hall, method="one_choice", options=["Dak", "Lift"])
    dak = choice.options.get(label="Dak")
    count(alice, choice, {str(dak.pk): 3, "abstain": 1}, 4)
    closed = lifecycle.close_vote(alice, choice)
    assert closed.result["winner"] == "Dak"
    assert closed.result["room"]["counts"] == [["Dak", 3], ["Lift", 0], ["abstain", 1]]

    sense = open_vote(alice, hall, method="sense_check", question="Hoe voelt het?")
    count(alice, sense, {"up": 1, "down": 3}, 4, "paper")
    assert dict(lifecycle.close_vote(alice, sense).result["counts"])["down"] == 3


def test_where_the_panel_asks_a_second_moderator_confirms_the_count(
    hall, alice, roomful, make_member, refused
):
    from panels.models import Role

    hall.panel.room_counts_confirmed = True
    hall.panel.save()
    second = make_member("Mona", role=Role.MODERATOR)
    vote = open_vote(alice, hall)
    count(alice, vote, {"for": 3, "against": 1}, 4)

    assert refused(lambda: lifecycle.close_vote(alice, vote))
    assert refused(lambda: desk.confirm_room_count(alice, vote))  # not the one who entered it
    desk.confirm_room_count(second, vote)
    assert refused(lambda: count(alice, vote, {"for": 4}, 4))  # confirmed: it stays
    closed = lifecycle.close_vote(alice, vote)
    assert closed.result["room"]["counted"] is True
    assert dict(closed.result["counts"])["for"] == 3


def test_a_scheduled_close_leaves_an_unconfirmed_count_out_and_says_so(hall, alice, roomful):
    hall.panel.room_counts_confirmed = True
    hall.panel.save()
    vote = open_vote(alice, hall)
    count(alice, vote, {"for": 4}, 4)
    closed = lifecycle.close_vote(None, vote)
    assert closed.result["cast"] == 0
    assert closed.result["room"]["counted"] is False


# --- the page ------------------------------------------------------------------------------


def desk_url(name, vote) -> str:
    return reverse(f"voting:{name}", args=[vote.panel_id, vote.pk])


def test_the_desk_page_enters_a_ballot_and_a_count(hall, alice, roomful, client_for):
    vote = open_vote(alice, hall)
    client = client_for(alice)
    page = client.get(desk_url("vote_desk", vote), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert all(person.user.name in html for person in roomful)
    assert "Count of the room" in html

    client.post(
        desk_url("vote_desk_ballot", vote),
        {"member": roomful[0].pk, "choice": "for", "key": ballot_key()},
    )
    answer = client.post(
        desk_url("vote_room_count", vote),
        {
            "how": "hands",
            "count_for": "2",
            "count_against": "1",
            "count_abstain": "0",
            "taking_part": "3",
        },
        follow=True,
    )
    assert b"message--error" not in answer.content
    closed = lifecycle.close_vote(alice, vote)
    assert dict(closed.result["counts"]) == {"for": 3, "against": 1, "abstain": 0}


@pytest.mark.parametrize(
    "data",
    [
        {"how": "hands", "count_for": "x", "taking_part": "1"},
        {"how": "hands", "count_for": "1", "taking_part": ""},
        {"how": "hands", "count_for": "99999999999999", "taking_part": "1"},
        {"how": "hands", "count_for": "1", "count_against": "1", "taking_part": "1"},
        {},
    ],
)
def test_bad_counts_on_the_page_get_a_message_and_record_nothing(
    hall, alice, roomful, client_for, state_snapshot, data
):
    vote = open_vote(alice, hall)
    before = state_snapshot()
    answer = client_for(alice).post(desk_url("vote_room_count", vote), data, follow=True)
    assert answer.status_code == 200 and b"message--error" in answer.content
    assert state_snapshot() == before


def test_the_desk_page_is_for_whoever_keeps_the_desk(hall, alice, bob, tina, client_for):
    vote = open_vote(alice, hall)
    assert client_for(tina).get(desk_url("vote_desk", vote)).status_code == 403
    attendance.appoint(alice, hall, tina.pk)
    page = client_for(tina).get(desk_url("vote_desk", vote), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Count of the room" not in page.content.decode()  # moderators count the room


# --- proxies on paper --------------------------------------------------------------------------


def test_a_moderator_registers_a_proxy_handed_in_on_paper(hall, alice, bob, tina, client_for):
    from voting import eligibility

    proxy = eligibility.register_paper_proxy(alice, hall, tina.pk, bob.pk, " Volmacht  nr. 7 ")

    assert (proxy.principal, proxy.holder, proxy.registered_by) == (tina, bob, alice)
    assert proxy.paper_reference == "Volmacht nr. 7"
    entry = AuditEntry.objects.get(action=AuditAction.PAPER_PROXY)
    assert entry.details == {"member": tina.pk, "holder": bob.pk, "reference": "Volmacht nr. 7"}
    # bob votes for tina like for any proxy.
    be_present(hall, bob)
    vote = open_vote(alice, hall)
    assert tina.pk in {m.pk for m in eligibility.capacities(vote, bob)}
    page = client_for(alice).get(reverse("voting:proxy", args=[hall.panel_id, hall.pk]))
    assert "Volmacht nr. 7" in page.content.decode()


@pytest.mark.parametrize(
    "how", ["member", "no reference", "long reference", "outsider", "chain", "twice", "vote open"]
)
def test_a_paper_proxy_keeps_the_rules_of_proxies(
    hall, alice, bob, tina, carl, oscar, make_member, refused, how
):
    from voting import eligibility

    actor, principal, holder, reference = alice, tina.pk, bob.pk, "nr. 8"
    other = make_member("Piet")
    if how == "member":
        actor = bob
    elif how == "no reference":
        reference = "  "
    elif how == "long reference":
        reference = "x" * 101
    elif how == "outsider":
        principal = oscar.pk
    elif how == "chain":  # bob already gave his vote to piet: he cannot hold one
        eligibility.give_proxy(bob, hall, other)
    elif how == "twice":  # tina already gave hers
        eligibility.give_proxy(tina, hall, other)
    else:
        open_vote(alice, hall)
    assert refused(
        lambda: eligibility.register_paper_proxy(actor, hall, principal, holder, reference)
    )


def test_a_paper_proxy_on_the_page_with_bad_input_gets_a_message(
    hall, alice, bob, client_for, state_snapshot
):
    before = state_snapshot()
    answer = client_for(alice).post(
        reverse("voting:proxy", args=[hall.panel_id, hall.pk]),
        {"principal": "x", "holder": bob.pk, "paper_reference": "nr. 9"},
        follow=True,
    )
    assert answer.status_code == 200 and b"message--error" in answer.content
    assert state_snapshot() == before


# --- on paper ------------------------------------------------------------------------------


def pdf_text(response) -> tuple[int, str]:
    import io

    from pypdf import PdfReader

    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_ballot_sheets_for_the_votes_a_room_can_count(hall, alice, client_for):
    secret = lifecycle.prepare_vote(
        alice, vote_spec(question="Bankjes in de tuin?", secret=True), meeting=hall
    )
    lifecycle.prepare_vote(
        alice,
        vote_spec(question="Welke kleur?", method="one_choice", options=["Groen", "Blauw"]),
        meeting=hall,
    )
    lifecycle.prepare_vote(
        alice,
        vote_spec(question="Punten verdelen", method="points", options=["A", "B"]),
        meeting=hall,
    )
    url = reverse("voting:vote_sheets", args=[hall.panel_id, hall.pk])

    pages, text = pdf_text(client_for(alice).get(url, {"slips": "4"}, HTTP_ACCEPT_LANGUAGE="en"))

    assert pages == 4  # two votes, four slips each, three to a page
    assert text.count("Bankjes in de tuin?") == 4 and text.count("Welke kleur?") == 4
    assert "Punten verdelen" not in text  # points are not counted by hand
    assert "Groen" in text and "Blauw" in text and "Against" in text
    assert "Do not write your name" in text and "Name: ____" in text
    assert secret.pk


def test_the_attendance_list_names_every_member_with_a_place_to_sign(
    hall, alice, bob, tina, client_for
):
    url = reverse("panels:meeting_attendance_pdf", args=[hall.panel_id, hall.pk])
    _pages, text = pdf_text(client_for(alice).get(url, HTTP_ACCEPT_LANGUAGE="en"))
    assert "Attendance list" in text and "Lindelaan 4" in text
    assert all(name in text for name in ("Alice Moderator", "Bob Member", "Tina Tenantorg"))
    assert "Signature" in text and "Guests (no vote)" in text


def test_papers_are_for_the_desk(hall, bob, client_for):
    sheets = reverse("voting:vote_sheets", args=[hall.panel_id, hall.pk])
    names = reverse("panels:meeting_attendance_pdf", args=[hall.panel_id, hall.pk])
    assert client_for(bob).get(sheets).status_code == 403
    assert client_for(bob).get(names).status_code == 403


def test_a_secret_ballot_at_the_desk_answers_with_a_receipt_to_print(hall, alice, bob, client_for):
    attendance.mark_present(alice, hall, bob.pk, PHONE)
    vote = open_vote(alice, hall, secret=True)
    data = {"member": bob.pk, "choice": "for", "key": ballot_key()}
    client = client_for(alice)

    page = client.post(reverse("voting:vote_desk_ballot", args=[vote.panel_id, vote.pk]), data)
    again = client.post(reverse("voting:vote_desk_ballot", args=[vote.panel_id, vote.pk]), data)

    code = page.context["code"]
    assert page.status_code == 200 and code in page.content.decode()
    assert again.context["code"] == code  # a reload gives the same receipt, and no second ballot
    assert Participation.objects.filter(vote=vote).count() == 1
    closed = lifecycle.close_vote(alice, vote)
    assert casting.receipt_counted(closed, code)


def test_the_desk_enters_a_principal_s_ballot_for_a_holder_without_a_device(
    hall, alice, bob, tina, carl, refused
):
    from voting import eligibility

    eligibility.register_paper_proxy(alice, hall, tina.pk, bob.pk, "nr. 3")
    attendance.mark_present(alice, hall, bob.pk, ROOM)
    vote = open_vote(alice, hall)
    assert desk.principals(vote) == [(bob, tina)]

    desk.cast_at_desk(alice, vote, bob.pk, {"choice": "for"}, key=ballot_key())
    desk.cast_at_desk(alice, vote, bob.pk, {"choice": "against"}, key=ballot_key(), for_id=tina.pk)

    assert desk.principals(vote) == []
    entries = AuditEntry.objects.filter(action=AuditAction.BALLOT_AT_DESK).order_by("sequence")
    assert [e.details for e in entries] == [
        {"member": bob.pk},
        {"member": tina.pk, "holder": bob.pk},
    ]
    # Bob holds no proxy for carl.
    assert refused(
        lambda: desk.cast_at_desk(
            alice, vote, bob.pk, {"choice": "for"}, key=ballot_key(), for_id=carl.pk
        )
    )
    closed = lifecycle.close_vote(alice, vote)
    assert dict(closed.result["counts"]) == {"for": 1, "against": 1, "abstain": 0}


def test_a_member_in_the_room_who_gave_a_proxy_has_no_hand_to_count(
    hall, alice, bob, roomful, refused
):
    from voting import eligibility

    eligibility.register_paper_proxy(alice, hall, roomful[0].pk, bob.pk, "nr. 5")
    vote = open_vote(alice, hall)
    assert refused(lambda: count(alice, vote, {"for": 4}, 4))
    count(alice, vote, {"for": 3}, 3)


def test_a_proxy_holder_who_follows_the_link_to_the_vote_s_page_stays_present(
    hall, alice, bob, tina, client_for
):
    """The live page sends a proxy holder to the vote's page to vote for their principal:
    leaving the live page closes their socket, and the vote's page keeps them present."""
    from tests.voting.conftest import leave
    from voting import eligibility

    eligibility.register_paper_proxy(alice, hall, tina.pk, bob.pk, "nr. 11")
    be_present(hall, bob)
    vote = open_vote(alice, hall)
    leave(hall, bob)  # the socket closed as the live page was left

    page = client_for(bob).get(reverse("voting:vote", args=[vote.panel_id, vote.pk]))
    assert f'value="{tina.pk}"' in page.content.decode()  # tina's ballot is offered
    client_for(bob).post(
        reverse("voting:vote_cast", args=[vote.panel_id, vote.pk]),
        {"choice": "for", "for": [str(tina.pk)], "key": ballot_key()},
    )
    assert Participation.objects.get(vote=vote, on_behalf_of=tina).voter == bob
