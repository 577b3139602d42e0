"""A hybrid meeting end to end in the browser: three members online, four in the room (one
with an assisted ballot, three counted by show of hands), one by phone, a paper proxy.

The people and the live meeting (online and in a community room) are made with the ORM
and the services; everything the desk and the voters do is done through the pages, in
Dutch: alice the moderator registers who is in the room and on the phone on the desk page
(searching, then one tap each), registers a proxy handed in on paper, opens the vote,
enters a ballot for a member in the room and one for the member on the phone, and the
room's count by show of hands; a count larger than the room and a second ballot from the
room are refused with nothing recorded. Bob votes online for himself and for karel, whose
paper proxy he holds; dirk and eva vote online. The result adds up, the quorum counts
everyone present, and the audit log verifies.

The arithmetic (a yes/no vote, simple majority, quorum 8 ballots):

    on the roll (10): alice, bob, dirk, eva (online), fenna, gert, hanna, ingrid (in the
        room), jan (on the phone), and karel (absent, bob holds his paper proxy)
    online (4):      bob for, karel for (bob, by proxy), dirk against, eva abstains
    at the desk (2): fenna against (in the room), jan for (on the phone)
    the room (3):    gert, hanna and ingrid by show of hands: 2 for, 1 against
    total (9):       5 for, 3 against, 1 abstention; alice does not vote

Online alone (4 ballots) the quorum of 8 would not be reached: it counts the room and the
phone too.
"""

import re

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from panels import audit, meetings
from panels.models import Attendance, AuditAction, AuditEntry, Meeting, Membership, Role
from tests.conftest import make_user
from tests.e2e.conftest import SEEN_WITHIN_MS, act, live, screenshot
from tests.voting.conftest import vote_spec
from voting import eligibility, lifecycle
from voting.audit_actions import VotingAction
from voting.models import Ballot, Participation, Proxy, RoomCount, Vote

QUESTION = "Komen er bankjes in de binnentuin?"
ADDRESS = "Buurtkamer De Linde, Lindelaan 4, Utrecht"
QUORUM = 8


def member(panel, first: str, last: str) -> Membership:
    return Membership.objects.create(
        panel=panel,
        user=make_user(f"{first.lower()}@example.org", f"{first} {last}"),
        role=Role.MEMBER,
    )


def seen(locator, text) -> None:
    """Another person's browser shows `text` without reloading, within a few seconds."""
    expect(locator).to_contain_text(text, timeout=SEEN_WITHIN_MS)


def said(page: Page, text: str) -> None:
    """The page's messages say `text` (after a form was sent)."""
    expect(page.locator(".messages")).to_contain_text(text)


def register(desk: Page, name: str, how: str) -> None:
    """At the desk: find the member by name, then one tap on "In de zaal" or "Telefonisch"."""
    desk.get_by_label("Naam of e-mailadres").fill(name.split()[0])
    desk.get_by_role("button", name="Zoeken", exact=True).click()
    found = desk.locator("#desk-members > li").filter(has_text=name)
    expect(found).to_have_count(1)
    found.get_by_role("button", name=f"{how} {name}", exact=True).click()
    said(desk, "Aangemeld.")
    expect(desk.locator("#desk-here")).to_contain_text(name)


def live_page(people, meeting: Meeting, who: Membership) -> Page:
    page = people.page_for(who)
    page.goto(meeting.get_absolute_url())
    return live(page)


def cast_online(page: Page, choice: str) -> None:
    ballot = page.locator("#live-ballot")
    ballot.get_by_role("radio", name=choice, exact=True).check()
    ballot.get_by_role("button", name="Mijn stem uitbrengen").click()
    seen(page.locator("#live-notice"), "Uw stem is vastgelegd.")


def assisted(desk: Page, name: str, choice: str) -> None:
    """The desk enters the ballot of a member registered there, who asks for it."""
    form = desk.get_by_role("region", name="Een stem invoeren voor een lid")
    form.get_by_role("combobox", name="Stem van").select_option(label=name)
    form.get_by_role("radio", name=choice, exact=True).check()
    form.get_by_role("button", name="Stem invoeren").click()


def room_count(desk: Page, taking_part: int, **counts: int) -> None:
    """A moderator enters the room's count by show of hands."""
    form = desk.get_by_role("region", name="Telling in de zaal")
    form.get_by_role("radio", name="Met handopsteken", exact=True).check()
    for answer, number in counts.items():
        form.get_by_role("spinbutton", name=answer, exact=True).fill(str(number))
    form.get_by_role("spinbutton", name="Mensen in de zaal die meededen").fill(str(taking_part))
    form.get_by_role("button", name=re.compile("^(Telling invoeren|Telling verbeteren)$")).click()


def test_a_hybrid_meeting_votes_online_in_the_room_by_phone_and_by_paper_proxy(
    people, panel, alice, bob
):
    # --- set up with the services: who is who, and the meeting, live, online and in a room
    dirk, eva = member(panel, "Dirk", "de Boer"), member(panel, "Eva", "Jansen")
    fenna, gert = member(panel, "Fenna", "Visser"), member(panel, "Gert", "Smit")
    hanna, ingrid = member(panel, "Hanna", "Mulder"), member(panel, "Ingrid", "Bos")
    jan, karel = member(panel, "Jan", "Vos"), member(panel, "Karel", "Dekker")
    room = [fenna, gert, hanna, ingrid]
    meeting = act(
        meetings.create_meeting,
        alice,
        title="Bewonersavond in de Buurtkamer",
        starts_at=timezone.now(),
        venue=Meeting.Venue.HYBRID,
        location=ADDRESS,
        notify=False,
    )
    act(meetings.start_meeting, alice, meeting)
    spec = vote_spec(question=QUESTION, quorum_count=QUORUM)
    vote = act(lifecycle.prepare_vote, alice, spec, meeting=meeting)

    # --- the desk: four in the room, one on the phone, each found and tapped
    desk = people.page_for(alice)
    desk.goto(meeting.get_absolute_url())
    desk.get_by_role("link", name=re.compile("Aanmeldtafel")).first.click()
    expect(desk.locator("h1")).to_have_text("Aanmeldtafel")
    expect(desk.locator("main")).to_contain_text(ADDRESS)
    for person in room:
        register(desk, person.user.name, "In de zaal")
    register(desk, jan.user.name, "Telefonisch")
    expect(desk.locator("#desk-counts")).to_contain_text("4 in de zaal · 1 telefonisch")
    assert sorted(
        Attendance.objects.filter(meeting=meeting, left_at__isnull=True).values_list(
            "membership__user__name", "how"
        )
    ) == sorted([(p.user.name, "room") for p in room] + [(jan.user.name, "phone")])

    # --- karel handed in a proxy on paper: bob votes for him
    desk.goto(reverse("voting:proxy", args=[panel.pk, meeting.pk]))
    paper = desk.get_by_role("region", name="Een volmacht op papier registreren")
    paper.get_by_label("Wie geeft de volmacht").select_option(label=karel.user.name)
    paper.get_by_label("Wie mag voor diegene stemmen").select_option(label=bob.user.name)
    paper.get_by_label("Verwijzing naar het papier").fill("Volmacht nr. 3, map Bewonersavond")
    paper.get_by_role("button", name="Volmacht registreren").click()
    said(desk, "Geregistreerd")
    expect(desk.locator("main")).to_contain_text("op papier: Volmacht nr. 3, map Bewonersavond")
    proxy = Proxy.objects.get(meeting=meeting)
    assert (proxy.principal, proxy.holder, proxy.registered_by) == (karel, bob, alice)

    # --- three members online, and alice; everyone present counts: 4 online + 5 at the desk
    online = {who: live_page(people, meeting, who) for who in (bob, dirk, eva)}
    moderator = live_page(people, meeting, alice)
    seen(moderator.locator("#presence-heading"), "9 aanwezig")
    moderator.get_by_role("button", name=f"Stemming openen: {QUESTION}").click()
    # On the roll: the nine present who may vote, and karel through bob's proxy.
    for page in [moderator, *online.values()]:
        seen(page.locator("#live-vote"), "0 van de 10 hebben gestemd")

    # --- online: bob for himself and for karel, dirk against, eva abstains
    cast_online(online[bob], "Voor")
    # Bob holds karel's paper proxy: the live page offers him karel's ballot on the vote's
    # page. He follows the link in the same tab: the vote's page keeps him present.
    proxy_note = online[bob].locator("#live-my-vote")
    seen(proxy_note, f"U hebt een volmacht van {karel.user.name}.")
    proxy_note.get_by_role("link", name="Stem ook namens hen").click()
    for_them = online[bob]
    ballot = for_them.locator("form.ballot")
    for_karel = ballot.get_by_role("checkbox", name=f"{karel.user.name} (volmacht)")
    expect(for_karel).to_be_checked()
    ballot.get_by_role("checkbox", name="mijzelf").uncheck()
    ballot.get_by_role("radio", name="Voor", exact=True).check()
    ballot.get_by_role("button", name="Mijn stem uitbrengen").click()
    seen(for_them.locator("#live-notice"), "Uw stem is vastgelegd.")
    assert Participation.objects.get(vote=vote, on_behalf_of=karel).voter == bob
    for_them.go_back()
    live(for_them)
    cast_online(online[dirk], "Tegen")
    cast_online(online[eva], "Onthouding")
    seen(moderator.locator("#live-vote"), "4 van de 10 hebben gestemd")

    # --- at the desk: fenna (in the room) and jan (on the phone) ask for their ballot
    moderator.get_by_role("link", name=re.compile("^Aanmeldtafel: een stem voor iemand")).click()
    desk = moderator
    expect(desk.locator("h1")).to_have_text("Aan de aanmeldtafel")
    assisted(desk, fenna.user.name, "Tegen")
    said(desk, "De stem is ingevoerd.")
    assisted(desk, jan.user.name, "Voor")
    said(desk, "De stem is ingevoerd.")
    at_desk = Participation.objects.filter(vote=vote, at_desk=True)
    assert sorted(at_desk.values_list("on_behalf_of", "voter")) == sorted(
        [(fenna.pk, alice.pk), (jan.pk, alice.pk)]
    )

    # --- the room's count: three are left in the room; a count of four is refused
    count = desk.get_by_role("region", name="Telling in de zaal")
    expect(count).to_contain_text("3 personen in de zaal")
    room_count(desk, 4, Voor=3, Tegen=1, Onthouding=0)
    said(desk, "een telling van 4 is te veel")
    assert not RoomCount.objects.filter(vote=vote).exists()
    room_count(desk, 3, Voor=2, Tegen=1, Onthouding=0)
    said(desk, "De telling in de zaal is ingevoerd.")
    expect(count).to_contain_text("met handopsteken")
    # 4 online + 2 at the desk + 3 hands: everyone on the roll but alice has taken part.
    for page in online.values():
        seen(page.locator("#live-vote"), "9 van de 10 hebben gestemd")

    # --- a double entry: gert raised his hand, and now asks the desk for a ballot too
    ballots_before = Ballot.objects.filter(vote=vote).count()
    assisted(desk, gert.user.name, "Voor")
    said(desk, "een stem uit de zaal zou nu dubbel tellen")
    expect(desk.locator(".messages")).not_to_contain_text("De stem is ingevoerd.")
    assert Ballot.objects.filter(vote=vote).count() == ballots_before
    assert not Participation.objects.filter(vote=vote, on_behalf_of=gert).exists()
    screenshot(desk, "hybrid-vote-desk")

    # --- alice closes the vote on the live page; everyone sees the result
    desk.goto(meeting.get_absolute_url())
    live(desk)
    desk.get_by_role("button", name="Stemming sluiten").click()
    for page in [desk, *online.values()]:
        result = page.locator("#live-vote .result")
        seen(result.locator(".result__outcome"), "Aangenomen")
        seen(result, f"9 van de 10 stemgerechtigden deden mee. Quorum: {QUORUM}.")
        seen(
            result.locator(".result__room"),
            "Waarvan geteld in de zaal, met handopsteken (3 personen): "
            "Voor 2 · Tegen 1 · Onthouding 0",
        )
    screenshot(online[bob], "hybrid-result")

    # --- the arithmetic, from the database
    vote.refresh_from_db()
    assert vote.state == Vote.State.CLOSED and vote.counted_in_room
    result = vote.result
    online_ballots = 4  # bob, karel (by bob), dirk, eva
    desk_ballots = 2  # fenna, jan
    from_room = 3  # gert, hanna, ingrid by show of hands
    assert Participation.objects.filter(vote=vote, at_desk=False).count() == online_ballots
    assert Participation.objects.filter(vote=vote).count() == online_ballots + desk_ballots
    assert result["cast"] == online_ballots + desk_ballots + from_room == 9
    assert result["eligible"] == 10  # 4 online + 4 in the room + 1 on the phone + karel
    assert result["quorum_needed"] == QUORUM
    assert online_ballots < QUORUM <= result["cast"]
    assert result["outcome"] == "adopted"
    # For: bob, karel, jan and 2 hands; against: dirk, fenna and 1 hand; eva abstains.
    assert result["counts"] == [["for", 1 + 1 + 1 + 2], ["against", 1 + 1 + 1], ["abstain", 1]]
    assert result["room"] == {
        "cast": 3,
        "how": "hands",
        "counts": [["for", 2], ["against", 1], ["abstain", 0]],
        "counted": True,
    }
    named = {name: choice for name, choice, _pk in result["named"]}
    assert named == {
        bob.user.name: "for",
        karel.user.name: "for",
        dirk.user.name: "against",
        eva.user.name: "abstain",
        fenna.user.name: "against",
        jan.user.name: "for",
    }
    hands = RoomCount.objects.get(vote=vote)
    assert (hands.counts, hands.taking_part, hands.how) == (
        {"for": 2, "against": 1, "abstain": 0},
        3,
        "hands",
    )
    assert eligibility.room_places_left(vote) == 0
    # Every registration and entry is in the audit log, once (the refused ones are not),
    # a desk ballot without what it says; and the chain verifies.
    logged = AuditEntry.objects.filter(panel=panel)
    registered_at_desk = logged.filter(action=AuditAction.ATTENDANCE_REGISTERED)
    assert sorted(e.details["member"] for e in registered_at_desk) == sorted(
        p.pk for p in [*room, jan]
    )
    assert [e.details for e in logged.filter(action=VotingAction.PAPER_PROXY)] == [
        {"member": karel.pk, "holder": bob.pk, "reference": "Volmacht nr. 3, map Bewonersavond"}
    ]
    desk_entries = logged.filter(action=VotingAction.BALLOT_AT_DESK)
    assert sorted(e.details["member"] for e in desk_entries) == sorted([fenna.pk, jan.pk])
    assert all(set(e.details) == {"member"} for e in desk_entries)
    assert [e.details for e in logged.filter(action=VotingAction.ROOM_COUNT_ENTERED)] == [
        {"counts": {"for": 2, "against": 1, "abstain": 0}, "taking_part": 3, "how": "hands"}
    ]
    assert audit.verify().broken is None
