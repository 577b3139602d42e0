"""Who may open which panel URL: a matrix generated from the URLconf.

Every URL in the `panels` namespace must have a row in MATRIX; a new view
without one fails here, so nobody adds a page without deciding who may use it.
"""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from pytest_django.asserts import assertTemplateUsed

from panels import floor, meetings
from panels.access import Perm
from panels.models import (
    Attendance,
    ConstituencyShare,
    Invitation,
    Membership,
    PulseParticipation,
    Role,
    SharedProfile,
    User,
)
from tests.conftest import MEETING_STARTS_AT, make_user
from tests.helpers import agenda, meetings_snapshot
from tests.matrix import (
    ALLOWED,
    ANY_LOGGED_IN,
    assert_every_url_in_matrix,
    assert_outcome,
    expected,
    fail_if_not_in_matrix,
    log_in,
    matrix_cases,
    url_patterns,
)

pytestmark = pytest.mark.django_db

# URL name → (what the person needs, the methods the view answers)
MATRIX = {
    "home": (ANY_LOGGED_IN, {"GET"}),
    # One's own account: everyone logged in, about themselves only (tests/panels/test_privacy.py).
    "account": (ANY_LOGGED_IN, {"GET"}),
    "account_data": (ANY_LOGGED_IN, {"GET"}),
    "account_delete": (ANY_LOGGED_IN, {"GET", "POST"}),
    "text_size": (ANY_LOGGED_IN, {"POST"}),  # tests/panels/test_text_size.py
    "notice_settings": (ANY_LOGGED_IN, {"POST"}),  # tests/panels/test_notices.py
    "calendar_address": (ANY_LOGGED_IN, {"POST"}),
    "detail": (Perm.VIEW_PANEL, {"GET"}),
    "members": (Perm.MANAGE_MEMBERS, {"GET", "POST"}),
    "member_update": (Perm.MANAGE_MEMBERS, {"POST"}),
    "member_set_active": (Perm.MANAGE_MEMBERS, {"POST"}),
    "invitation_revoke": (Perm.MANAGE_MEMBERS, {"POST"}),
    # Meetings: everyone in the panel reads along ...
    "meeting": (Perm.VIEW_PANEL, {"GET"}),
    "meeting_screen": (Perm.VIEW_PANEL, {"GET"}),
    "meeting_calendar": (Perm.VIEW_PANEL, {"GET"}),
    # The big screen's short address (tests/panels/test_join_code.py).
    "meeting_short": (Perm.VIEW_PANEL, {"GET"}),
    # Representativeness (tests/panels/test_representation.py).
    "profile": (Perm.TAKE_PART, {"GET", "POST"}),
    "composition": (Perm.MODERATE, {"GET", "POST"}),
    # The pulse: everyone in the panel answers once (tests/panels/test_pulse.py).
    "meeting_pulse": (Perm.VIEW_PANEL, {"GET", "POST"}),
    # ... moderators plan and steer ...
    "meeting_new": (Perm.MODERATE, {"GET", "POST"}),
    "meeting_edit": (Perm.MODERATE, {"GET", "POST"}),
    # (The matrix's meeting is live, which cannot be cancelled: the moderator gets the form
    # back with the reason. A planned one: tests/panels/test_notices.py.)
    "meeting_cancel": (Perm.MODERATE, {"GET", "POST"}),
    "meeting_state": (Perm.MODERATE, {"POST"}),
    # The desk: moderators, and members appointed for the meeting (tests/panels/test_desk.py).
    "meeting_desk": (Perm.MODERATE, {"GET"}),
    "meeting_desk_action": (Perm.MODERATE, {"POST"}),
    "meeting_attendance_pdf": (Perm.MODERATE, {"GET"}),
    "meeting_floor": (Perm.MODERATE, {"POST"}),
    "item_add": (Perm.MODERATE, {"POST"}),
    "item_finish": (Perm.MODERATE, {"POST"}),
    "item_edit": (Perm.MODERATE, {"GET", "POST"}),
    "item_move": (Perm.MODERATE, {"POST"}),
    "item_remove": (Perm.MODERATE, {"POST"}),
    "item_current": (Perm.MODERATE, {"POST"}),
    "speaker_next": (Perm.MODERATE, {"POST"}),
    "speaker_end": (Perm.MODERATE, {"POST"}),
    "speaker_remove": (Perm.MODERATE, {"POST"}),
    "message_hide": (Perm.MODERATE, {"GET", "POST"}),
    # ... and everyone but observers takes part.
    "hand": (Perm.TAKE_PART, {"POST"}),
    "message_post": (Perm.TAKE_PART, {"POST"}),
}
# Pages for anyone, logged in or not: token links and asking for a login link; tested
# below, in test_invitation_views.py, test_notices.py and tests/test_login_link.py.
PUBLIC = {"invitation", "unsubscribe", "calendar_feed", "login_link", "login_link_use"}

# persona → what they may do in `panel` (None: not logged in; empty: not a member of `panel`)
ROLES = {
    "anonymous": None,
    "mallory": set(),  # outsider
    "oscar": set(),  # moderator of another panel
    "olga": {Perm.VIEW_PANEL},  # observer
    "bob": {Perm.VIEW_PANEL, Perm.TAKE_PART},  # member
    "nora": {Perm.VIEW_PANEL, Perm.TAKE_PART},  # member without voting rights
    "carl": {Perm.VIEW_PANEL, Perm.TAKE_PART},  # corporation representative
    "tina": {Perm.VIEW_PANEL, Perm.TAKE_PART},  # tenant organisation representative
    # moderator
    "alice": {Perm.VIEW_PANEL, Perm.MANAGE_MEMBERS, Perm.MODERATE, Perm.TAKE_PART},
}

# URLs that answer an allowed request with a redirect (onwards, or back after saving).
REDIRECTS = {"meeting_short", "text_size", "notice_settings", "calendar_address"}
# Allowed, but the rules of the matrix's live meeting refuse it (the form comes back).
REFUSED_BY_RULE = {("meeting_cancel", "POST"): 400}


def panel_url_patterns() -> dict:
    return url_patterns(namespace="panels")


def expected_status(name: str, method: str, role: str) -> int | str:
    outcome = expected(MATRIX[name], ROLES[role], method)
    if outcome != ALLOWED:
        return outcome
    if (name, method) in REFUSED_BY_RULE:
        return REFUSED_BY_RULE[name, method]
    if MATRIX[name][0] == ANY_LOGGED_IN:
        return 302 if name in REDIRECTS else 200
    return 200 if method == "GET" and name not in REDIRECTS else 302


def snapshot(panel) -> tuple:
    """Everything a panel URL could change, to prove a refused request changed nothing."""
    return (
        sorted(
            Membership.objects.filter(panel=panel).values_list(
                "pk", "role", "has_voting_rights", "is_active"
            )
        ),
        sorted(Invitation.objects.filter(panel=panel).values_list("pk", "email", "revoked_at")),
        meetings_snapshot(panel),
        PulseParticipation.objects.filter(meeting__panel=panel).count(),
        SharedProfile.objects.filter(membership__panel=panel).count(),
        sorted(ConstituencyShare.objects.filter(panel=panel).values_list("value", "percent")),
        sorted(
            User.objects.values_list(
                "pk",
                "text_size",
                "notify_votes",
                "notify_meetings",
                "notify_results",
                "notify_advice",
                "notice_digest",
                "calendar_token",
            )
        ),
        sorted(
            Attendance.objects.filter(meeting__panel=panel).values_list(
                "pk", "membership", "guest_name", "how", "left_at"
            )
        ),
    )


def live_meeting_ids(panel, alice, meeting) -> dict:
    """Ids in a live meeting of `panel` on which every allowed POST really changes something.

    Sam has the floor and wrote a message, Wendy waits for her turn, and the
    last agenda item is pending with a pending item above it: it can be moved
    up, removed, edited and made current. The personas of the matrix have no
    hand raised, so raising one always counts.
    """
    sam, wendy = (
        Membership.objects.create(panel=panel, user=make_user(f"{name}@example.org", title))
        for name, title in [("sam", "Sam Speaker"), ("wendy", "Wendy Waiting")]
    )
    floor.raise_hand(sam, meeting)
    floor.give_floor(alice, meeting)
    waiting = floor.raise_hand(wendy, meeting)
    message = floor.post_message(sam, meeting, "Wanneer wordt de lift gerepareerd?")
    first, second, last = agenda(meeting)
    assert (first.state, second.state, last.state) == ("current", "pending", "pending")
    return {
        "meeting_id": meeting.pk,
        "item_id": last.pk,
        "request_id": waiting.pk,
        "message_id": message.pk,
    }


# Form data for an allowed POST that changes something (an empty form is refused).
POST_DATA = {
    "meeting_new": {
        "title": "Extra bewonersavond",
        "starts_at": "2030-06-01T19:30",
        "duration_minutes": "90",
    },
    "meeting_edit": {
        "title": "Bewonersavond (verplaatst)",
        "starts_at": "2030-05-08T19:30",
        "duration_minutes": "120",
    },
    "meeting_state": {"action": "close"},
    "meeting_desk_action": {"action": "guest", "name": "Gerda Gast", "how": "phone"},
    "meeting_floor": {"open": "0"},
    "item_add": {"title": "Groenonderhoud"},
    "item_edit": {"title": "Rondvraag en sluiting"},
    "item_move": {"direction": "up"},
    "hand": {"raise": "1"},
    "message_post": {"text": "Ik wil graag iets zeggen over de tuin."},
    "message_hide": {"reason": "Persoonlijke aanval"},
    "meeting_pulse": {"heard": "4", "comment": "Fijne avond."},
    "meeting_cancel": {"reason": "De zaal is dicht."},
    "profile": {"age": "45_64", "consent": "on"},
    "composition": {"attribute": "age", "share-under_30": "20,5"},
    "text_size": {"text_size": "large"},
}


def test_every_panel_url_is_in_the_matrix():
    assert_every_url_in_matrix(url_patterns(namespace="panels", leave_out=PUBLIC), MATRIX, "panel")


def test_every_persona_is_in_the_matrix(request):
    roles = {request.getfixturevalue(p).role for p in ROLES if p not in {"anonymous", "mallory"}}

    assert roles == set(Role.values)


@pytest.mark.parametrize(
    ("name", "method", "role"),
    matrix_cases(url_patterns(namespace="panels", leave_out=PUBLIC), MATRIX, ROLES),
)
def test_permission_matrix(request, client, panel, make_invitation, name, method, role):
    fail_if_not_in_matrix(name, MATRIX, "panel")
    people = {
        persona: request.getfixturevalue(persona) for persona in ROLES if persona != "anonymous"
    }
    bob = people["bob"]
    invitation, _ = make_invitation(email="pending@example.org")
    values = {"panel_id": panel.pk, "membership_id": bob.pk, "invitation_id": invitation.pk}
    pattern = panel_url_patterns()[name]
    if "meeting_id" in pattern.pattern.converters:
        live_meeting = request.getfixturevalue("live_meeting")
        values |= live_meeting_ids(panel, people["alice"], live_meeting)
    unknown = set(pattern.pattern.converters) - set(values)
    assert not unknown, f"the matrix cannot fill in {unknown} for {name!r}"
    url = reverse(f"panels:{name}", kwargs={k: values[k] for k in pattern.pattern.converters})
    post_data = {
        "members": {"email": "newcomer@example.org", "role": Role.MEMBER},
        "member_update": {f"m{bob.pk}-role": Role.OBSERVER},
        "member_set_active": {"active": "0"},
        **POST_DATA,
    }.get(name, {})
    log_in(request, client, role, ROLES)
    before = snapshot(panel)

    response = client.get(url) if method == "GET" else client.post(url, post_data)

    outcome = expected_status(name, method, role)
    assert_outcome(response, outcome)
    if method == "POST" and outcome == 302:
        assert snapshot(panel) != before, "an allowed action should have done something"
    else:
        assert snapshot(panel) == before, "a GET or a refused request must change nothing"


# --- the public invitation link -----------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_invitation_link_opens_for_everyone(request, client, make_invitation, role):
    _, token = make_invitation(email="pending@example.org")
    if role != "anonymous":
        person = request.getfixturevalue(role)
        client.force_login(getattr(person, "user", person))

    response = client.get(reverse("panels:invitation", args=[token]))

    assert response.status_code == 200


def test_invitation_link_answers_only_get_and_post(client, make_invitation):
    _, token = make_invitation()

    response = client.put(reverse("panels:invitation", args=[token]))

    assert response.status_code == 405


# --- logging in with a link by email -------------------------------------------------


@pytest.mark.parametrize("name", ["login_link", "login_link_use"])
@pytest.mark.parametrize("role", ROLES)
def test_login_link_pages_open_for_everyone(request, client, role, name):
    log_in(request, client, role, ROLES)

    response = client.get(reverse(f"panels:{name}"))

    assert response.status_code == 200


@pytest.mark.parametrize("name", ["login_link", "login_link_use"])
def test_login_link_pages_answer_only_get_and_post(client, name):
    response = client.put(reverse(f"panels:{name}"))

    assert response.status_code == 405


# --- objects of another panel ----------------------------------------------------


def test_moderator_cannot_reach_a_membership_of_another_panel(client_for, alice, oscar):
    client = client_for(alice)

    for name, data in [
        ("member_set_active", {"active": "0"}),
        ("member_update", {f"m{oscar.pk}-role": Role.MEMBER}),
    ]:
        url = reverse(f"panels:{name}", args=[alice.panel.pk, oscar.pk])
        assert client.post(url, data).status_code == 404

    oscar.refresh_from_db()
    assert (oscar.role, oscar.is_active) == (Role.MODERATOR, True)


def test_moderator_cannot_revoke_an_invitation_of_another_panel(
    client_for, alice, oscar, make_invitation, other_panel
):
    invitation, _ = make_invitation(for_panel=other_panel)

    response = client_for(alice).post(
        reverse("panels:invitation_revoke", args=[alice.panel.pk, invitation.pk])
    )

    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_moderator_of_one_panel_cannot_open_another(client_for, alice, oscar, other_panel):
    client = client_for(alice)

    assert client.get(reverse("panels:detail", args=[other_panel.pk])).status_code == 404
    assert client.get(reverse("panels:members", args=[other_panel.pk])).status_code == 404


def test_panel_that_does_not_exist_is_not_found(client_for, alice, panel, other_panel):
    missing = max(panel.pk, other_panel.pk) + 1000

    response = client_for(alice).get(reverse("panels:detail", args=[missing]))

    assert response.status_code == 404


def test_deactivated_member_is_an_outsider(client_for, alice, bob):
    bob.is_active = False
    bob.save()

    response = client_for(bob).get(reverse("panels:detail", args=[bob.panel.pk]))

    assert response.status_code == 404


def test_deactivated_moderator_cannot_manage(client_for, alice, martin):
    alice.is_active = False
    alice.save()

    response = client_for(alice).get(reverse("panels:members", args=[alice.panel.pk]))

    assert response.status_code == 404


# --- meetings of another panel, and objects of another meeting ----------------------

MEETING_URLS = sorted(
    name
    for name, pattern in panel_url_patterns().items()
    if "meeting_id" in pattern.pattern.converters
)
# URLs that name an agenda item, a speaker request or a message besides the meeting.
OBJECT_URLS = sorted(
    name
    for name, pattern in panel_url_patterns().items()
    if {"item_id", "request_id", "message_id"} & set(pattern.pattern.converters)
)


def url_for(name: str, values: dict) -> str:
    converters = panel_url_patterns()[name].pattern.converters
    return reverse(f"panels:{name}", kwargs={k: values[k] for k in converters})


def is_refused(response) -> bool:
    """Not found, or sent back to the live page with an error saying why."""
    if response.status_code == 404:
        return True
    levels = [m.level_tag for m in get_messages(response.wsgi_request)]
    return response.status_code in (302, 400) and "error" in levels


def test_meeting_urls_are_all_covered_here():
    assert {"meeting", "meeting_state", "hand", "message_post"} <= set(MEETING_URLS)
    # A new URL that names an object by id needs a thought about ids from elsewhere.
    assert set(OBJECT_URLS) == {
        "item_edit",
        "item_move",
        "item_remove",
        "item_current",
        "speaker_remove",
        "message_hide",
    }


@pytest.mark.parametrize("name", MEETING_URLS)
@pytest.mark.parametrize("via", ["this panel", "own panel"])
def test_moderator_of_another_panel_cannot_reach_a_meeting_here(
    client_for, panel, alice, oscar, other_panel, live_meeting, name, via
):
    values = live_meeting_ids(panel, alice, live_meeting)
    values["panel_id"] = panel.pk if via == "this panel" else other_panel.pk
    client = client_for(oscar)
    before = snapshot(panel)

    for method in sorted(MATRIX[name][1]):
        url = url_for(name, values)
        response = client.get(url) if method == "GET" else client.post(url, POST_DATA.get(name))

        assert response.status_code == 404, (method, url)
    assert snapshot(panel) == before


@pytest.mark.parametrize("name", OBJECT_URLS)
def test_ids_from_another_panel_are_refused_under_an_own_meeting(
    client_for, panel, alice, oscar, other_panel, live_meeting, name
):
    values = live_meeting_ids(panel, alice, live_meeting)
    own = meetings.create_meeting(oscar, title="Elders", starts_at=MEETING_STARTS_AT, notify=False)
    meetings.add_item(oscar, own, title="Elders punt")
    meetings.start_meeting(oscar, own)
    floor.set_floor(oscar, own, True)
    values |= {"panel_id": other_panel.pk, "meeting_id": own.pk}
    client = client_for(oscar)
    before, before_elsewhere = snapshot(panel), snapshot(other_panel)

    for method in sorted(MATRIX[name][1]):
        url = url_for(name, values)
        response = client.get(url) if method == "GET" else client.post(url, POST_DATA.get(name))

        assert is_refused(response), (method, url, response.status_code)
    assert snapshot(panel) == before
    assert snapshot(other_panel) == before_elsewhere


@pytest.mark.parametrize("name", OBJECT_URLS)
def test_ids_of_another_meeting_of_the_same_panel_are_refused(
    client_for, panel, alice, live_meeting, name
):
    values = {"panel_id": panel.pk} | live_meeting_ids(panel, alice, live_meeting)
    other = meetings.create_meeting(
        alice, title="Tweede avond", starts_at=MEETING_STARTS_AT, notify=False
    )
    meetings.add_item(alice, other, title="Punt van de tweede avond")
    meetings.start_meeting(alice, other)
    floor.set_floor(alice, other, True)
    values["meeting_id"] = other.pk
    client = client_for(alice)
    before = snapshot(panel)

    for method in sorted(MATRIX[name][1]):
        url = url_for(name, values)
        response = client.get(url) if method == "GET" else client.post(url, POST_DATA.get(name))

        assert is_refused(response), (method, url, response.status_code)
    assert snapshot(panel) == before


def test_meeting_that_does_not_exist_is_not_found(client_for, alice, meeting):
    response = client_for(alice).get(
        reverse("panels:meeting", args=[meeting.panel_id, meeting.pk + 1000])
    )

    assert response.status_code == 404


# --- friendly error pages ---------------------------------------------------------


def main_of(response) -> str:
    match = re.search(r"<main\b[^>]*>(.*)</main>", response.content.decode(), re.DOTALL)
    assert match, "the page has no <main>"
    return match.group(1)


def test_forbidden_page_is_ours_and_leads_home(client_for, bob):
    response = client_for(bob).get(reverse("panels:members", args=[bob.panel.pk]))

    assert response.status_code == 403
    assertTemplateUsed(response, "403.html")
    assert f'href="{reverse("panels:home")}"' in main_of(response)


@pytest.mark.parametrize("path", ["panel-of-others", "/no/such/page/"])
def test_not_found_page_is_ours_and_leads_home(client_for, mallory, panel, path):
    if path == "panel-of-others":
        path = reverse("panels:detail", args=[panel.pk])

    response = client_for(mallory).get(path)

    assert response.status_code == 404
    assertTemplateUsed(response, "404.html")
    assert f'href="{reverse("panels:home")}"' in main_of(response)
