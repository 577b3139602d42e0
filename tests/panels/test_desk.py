"""The desk (panels/attendance.py): members in the room or on the phone count as present,
like everyone online; guests are noted without a vote; every registration is audited; a
refusal changes nothing and pushes nothing."""

import pytest
from django.urls import reverse
from django.utils import timezone

from panels import attendance, audit, meetings
from panels.live import presence
from panels.meetings import MeetingError
from panels.models import (
    Attendance,
    AuditAction,
    AuditEntry,
    DeskAppointment,
    LiveWorker,
    Presence,
)
from tests.helpers import meetings_snapshot
from tests.voting.conftest import be_present

pytestmark = pytest.mark.django_db
ROOM, PHONE = Attendance.How.ROOM, Attendance.How.PHONE


@pytest.fixture
def state_snapshot(panel):
    """What a refused desk action must leave as it was."""

    def snapshot():
        return (
            meetings_snapshot(panel, seq=True),
            sorted(Attendance.objects.values_list("pk", "membership", "how", "left_at")),
            sorted(Presence.objects.values_list("connection", "membership")),
            sorted(DeskAppointment.objects.values_list("meeting", "membership")),
            AuditEntry.objects.count(),
        )

    return snapshot


def present(meeting) -> set[int]:
    return set(presence.connected().filter(meeting=meeting).values_list("membership_id", flat=True))


def test_a_member_in_the_room_is_present_like_everyone_online(
    hall, alice, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as pushed:
        stay = attendance.mark_present(alice, hall, bob.pk, ROOM)

    assert present(hall) == {bob.pk}
    assert presence.present_count(hall.pk) == 1
    assert presence.attending(hall.pk) == {bob.pk: "room"}
    assert (stay.membership, stay.how, stay.registered_by, stay.left_at) == (bob, ROOM, alice, None)
    assert pushed, "everyone's presence list and bob's own fragments are pushed"
    entry = AuditEntry.objects.get(action=AuditAction.ATTENDANCE_REGISTERED)
    assert (entry.actor_membership_id, entry.details) == (
        alice.pk,
        {"member": bob.pk, "how": "room"},
    )
    assert audit.verify().broken is None


def test_a_second_tap_registers_once_and_a_switch_changes_how(hall, alice, bob):
    first = attendance.mark_present(alice, hall, bob.pk, ROOM)
    again = attendance.mark_present(alice, hall, bob.pk, ROOM)
    assert again.pk == first.pk
    assert AuditEntry.objects.filter(action=AuditAction.ATTENDANCE_REGISTERED).count() == 1

    phoned = attendance.mark_present(alice, hall, bob.pk, PHONE)
    assert phoned.pk == first.pk and phoned.how == PHONE
    assert Attendance.objects.count() == 1
    assert Presence.objects.filter(membership=bob).count() == 1
    assert [h.how for h in first.history.order_by("history_id")] == [ROOM, PHONE]


def test_a_member_who_left_is_no_longer_present_but_stays_in_the_record(hall, alice, bob):
    attendance.mark_present(alice, hall, bob.pk, ROOM)
    stay = attendance.mark_left(alice, hall, bob.pk)

    assert present(hall) == set()
    assert stay.left_at is not None
    assert attendance.mark_left(alice, hall, bob.pk) is None  # twice: nothing more
    # Back later: a second stay.
    attendance.mark_present(alice, hall, bob.pk, PHONE)
    assert present(hall) == {bob.pk}
    assert Attendance.objects.filter(membership=bob).count() == 2


def test_online_and_in_the_room_counts_once(hall, alice, bob):
    be_present(hall, bob)
    attendance.mark_present(alice, hall, bob.pk, ROOM)
    assert presence.present_count(hall.pk) == 1
    # Bob closes the app: the desk still has him, and nobody is told he left.
    socket = Presence.objects.get(membership=bob, worker_id="worker-test").connection
    assert presence.record("worker-test", leaves=[socket]) == set()
    assert present(hall) == {bob.pk}


def test_a_guest_is_noted_without_being_present(hall, alice):
    guest = attendance.add_guest(alice, hall, "  Gerda   Gast ", ROOM)
    assert (guest.guest_name, guest.membership, guest.is_guest) == ("Gerda Gast", None, True)
    assert present(hall) == set()
    assert list(attendance.current(hall)) == [guest]
    attendance.guest_left(alice, hall, guest.pk)
    assert list(attendance.current(hall)) == []


def test_another_worker_s_heartbeat_keeps_the_desk(hall, alice, bob):
    attendance.mark_present(alice, hall, bob.pk, ROOM)
    presence.heartbeat(presence.worker_name())
    assert present(hall) == {bob.pk}
    assert LiveWorker.objects.filter(pk=presence.desk_worker(hall.pk)).exists()


def test_closing_the_meeting_ends_every_stay_and_the_desk(hall, alice, bob, tina):
    attendance.mark_present(alice, hall, bob.pk, ROOM)
    attendance.mark_present(alice, hall, tina.pk, PHONE)
    attendance.add_guest(alice, hall, "Gerda Gast", ROOM)

    meetings.close_meeting(alice, hall)

    assert not Attendance.objects.filter(left_at__isnull=True).exists()
    assert Attendance.objects.count() == 3  # the record stays
    assert not Presence.objects.filter(meeting=hall).exists()
    assert not LiveWorker.objects.filter(pk=presence.desk_worker(hall.pk)).exists()
    assert set(meetings.attendees(hall)) >= {bob.pk, tina.pk}


def test_an_appointed_member_keeps_the_desk_until_dismissed(hall, alice, bob, tina):
    attendance.appoint(alice, hall, tina.pk)
    assert attendance.may_keep_desk(tina, hall)
    attendance.mark_present(tina, hall, bob.pk, ROOM)
    assert present(hall) == {bob.pk}

    attendance.dismiss(alice, hall, tina.pk)
    assert not attendance.may_keep_desk(tina, hall)
    with pytest.raises(MeetingError):
        attendance.mark_left(tina, hall, bob.pk)


def test_a_desk_appointment_is_for_one_meeting(hall, alice, tina, meeting):
    attendance.appoint(alice, hall, tina.pk)
    assert not attendance.may_keep_desk(tina, meeting)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda m, a, b, o: attendance.mark_present(b, m, a.pk, ROOM), id="member"),
        pytest.param(lambda m, a, b, o: attendance.mark_present(a, m, o.pk, ROOM), id="outsider"),
        pytest.param(lambda m, a, b, o: attendance.mark_present(a, m, None, ROOM), id="nobody"),
        pytest.param(lambda m, a, b, o: attendance.mark_present(a, m, b.pk, "boat"), id="how"),
        pytest.param(lambda m, a, b, o: attendance.add_guest(a, m, "   ", ROOM), id="no-name"),
        pytest.param(lambda m, a, b, o: attendance.add_guest(a, m, "x" * 121, ROOM), id="long"),
        pytest.param(lambda m, a, b, o: attendance.add_guest(b, m, "Gerda", ROOM), id="guest"),
        pytest.param(lambda m, a, b, o: attendance.appoint(b, m, b.pk), id="self-appoint"),
        pytest.param(lambda m, a, b, o: attendance.appoint(a, m, o.pk), id="appoint-outsider"),
        pytest.param(lambda m, a, b, o: attendance.mark_present(o, m, b.pk, ROOM), id="oscar"),
    ],
)
def test_refused_desk_actions_change_nothing(hall, alice, bob, oscar, refused, call):
    assert refused(lambda: call(hall, alice, bob, oscar))


def test_an_online_meeting_has_no_room_but_a_phone(meeting, alice, bob, refused):
    assert "zaal" in refused(lambda: attendance.mark_present(alice, meeting, bob.pk, ROOM))
    attendance.mark_present(alice, meeting, bob.pk, PHONE)
    assert present(meeting) == {bob.pk}


def test_a_closed_meeting_takes_no_registration(hall, alice, bob, refused):
    meetings.close_meeting(alice, hall)
    assert refused(lambda: attendance.mark_present(alice, hall, bob.pk, ROOM))


def test_a_meeting_in_a_room_needs_its_address(alice, refused):
    message = refused(
        lambda: meetings.create_meeting(
            alice, title="Avond", starts_at=timezone.now(), venue="room", notify=False
        )
    )
    assert "adres" in message
    online = meetings.create_meeting(
        alice, title="Avond", starts_at=timezone.now(), location="Ergens 1", notify=False
    )
    assert (online.venue, online.location) == ("online", "")


# --- the page ----------------------------------------------------------------------------


def section(page, element_id: str) -> str:
    """The element with this id, up to the first closing tag of its kind (no nesting)."""
    html = page.content.decode()
    start = html.rindex("<", 0, html.index(f'id="{element_id}"'))
    tag = html[start + 1 :].split(maxsplit=1)[0]
    return html[start : html.index(f"</{tag}>", start)]


def desk_url(meeting) -> str:
    return reverse("panels:meeting_desk", args=[meeting.panel_id, meeting.pk])


def act_url(meeting) -> str:
    return reverse("panels:meeting_desk_action", args=[meeting.panel_id, meeting.pk])


def test_the_desk_finds_members_and_registers_them_with_one_tap(hall, alice, bob, tina, client_for):
    client = client_for(alice)
    page = client.get(desk_url(hall), {"q": "bob"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    found = section(page, "desk-members")
    assert "Bob Member" in found and "Tina Tenantorg" not in found
    assert "Lindelaan 4" in page.content.decode()

    answer = client.post(
        act_url(hall), {"action": "present", "member": bob.pk, "how": "room", "q": "bob"}
    )
    assert answer.status_code == 302 and answer["Location"].endswith("?q=bob")
    assert present(hall) == {bob.pk}
    page = client.get(desk_url(hall), HTTP_ACCEPT_LANGUAGE="en")
    assert "1 in the room" in section(page, "desk-counts")


@pytest.mark.parametrize(
    "data",
    [
        {"action": "present", "member": "x", "how": "room"},
        {"action": "present", "member": "99999999999999999999", "how": "room"},
        {"action": "present", "how": "room"},
        {"action": "fly"},
        {},
        {"action": "guest", "name": "", "how": "room"},
        {"action": "guest_left", "stay": "-1"},
    ],
)
def test_bad_input_at_the_desk_gets_a_message_and_changes_nothing(
    hall, alice, client_for, state_snapshot, data
):
    before = state_snapshot()
    client = client_for(alice)
    answer = client.post(act_url(hall), data, follow=True)
    assert answer.status_code == 200
    assert before == state_snapshot()
    if data.get("action") != "guest_left":
        assert b"message--error" in answer.content


def test_a_member_appointed_to_the_desk_sees_the_page_and_others_do_not(
    hall, alice, bob, tina, client_for
):
    assert client_for(tina).get(desk_url(hall)).status_code == 403
    attendance.appoint(alice, hall, tina.pk)
    page = client_for(tina).get(desk_url(hall))
    assert page.status_code == 200
    assert "Who keeps the desk" not in page.content.decode()  # only moderators appoint
    client_for(tina).post(act_url(hall), {"action": "appoint", "member": bob.pk})
    assert not DeskAppointment.objects.filter(membership=bob).exists()


def test_the_moderator_sees_how_each_person_takes_part(hall, alice, bob, client_for):
    attendance.mark_present(alice, hall, bob.pk, PHONE)
    html = client_for(alice).get(hall.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    html = html.content.decode()
    assert "1 by phone" in html
    assert "Desk: who is in the room or on the phone" in html
    member_page = client_for(bob).get(hall.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert "Desk:" not in member_page.content.decode()


def test_a_big_panel_lists_fifty_and_asks_the_desk_to_search(hall, alice, client_for):
    from panels.models import Membership, Role
    from tests.conftest import make_user

    for number in range(55):
        Membership.objects.create(
            panel=hall.panel,
            user=make_user(f"lid{number:02d}@example.org", f"Lid {number:02d}"),
            role=Role.MEMBER,
        )
    page = client_for(alice).get(desk_url(hall), HTTP_ACCEPT_LANGUAGE="en")
    found = section(page, "desk-members")
    assert found.count("<li>") == 50
    assert "type more of the name" in page.content.decode()
    narrowed = client_for(alice).get(desk_url(hall), {"q": "Lid 07"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Lid 07" in section(narrowed, "desk-members")
    assert "type more of the name" not in narrowed.content.decode()
