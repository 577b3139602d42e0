"""Named people in one demo-like panel, plus an outsider and another panel's moderator.

Tests read like a spec: "alice the moderator invites", "bob the member cannot".
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.cache import caches
from django.utils import timezone

from panels import floor, meetings
from panels.meetings import MeetingError
from panels.models import Invitation, Meeting, Membership, Organisation, Panel, Role, User
from tests.helpers import meetings_snapshot, refusal

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, the test database is a file rather than memory, so that a real server
    in another process (tests/servers.py: the browser tests) can read what a test wrote."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(autouse=True)
def fresh_abuse_limits():
    """Every test starts with no login failures, hands or messages counted (panels.limits)."""
    caches["limits"].clear()


def make_user(email: str, name: str) -> User:
    return User.objects.create_user(email=email, password=PASSWORD, name=name)


@pytest.fixture
def corporation() -> Organisation:
    return Organisation.objects.create(
        name="Woonstichting Test", kind=Organisation.Kind.CORPORATION
    )


@pytest.fixture
def tenant_organisation() -> Organisation:
    return Organisation.objects.create(
        name="Huurdersvereniging Test", kind=Organisation.Kind.TENANT_ORGANISATION
    )


@pytest.fixture
def panel(corporation, tenant_organisation) -> Panel:
    return Panel.objects.create(
        name="Huurderspanel Test",
        corporation=corporation,
        tenant_organisation=tenant_organisation,
        constituency_size=1000,
    )


@pytest.fixture
def other_panel(corporation, tenant_organisation) -> Panel:
    return Panel.objects.create(
        name="Ander panel", corporation=corporation, tenant_organisation=tenant_organisation
    )


def _member(panel: Panel, email: str, name: str, role: Role, votes: bool = True) -> Membership:
    return Membership.objects.create(
        panel=panel, user=make_user(email, name), role=role, has_voting_rights=votes
    )


@pytest.fixture
def alice(panel) -> Membership:
    """The moderator."""
    return _member(panel, "alice@example.org", "Alice Moderator", Role.MODERATOR)


@pytest.fixture
def bob(panel) -> Membership:
    """A panel member with voting rights."""
    return _member(panel, "bob@example.org", "Bob Member", Role.MEMBER)


@pytest.fixture
def nora(panel) -> Membership:
    """A panel member without voting rights."""
    return _member(panel, "nora@example.org", "Nora NoVote", Role.MEMBER, votes=False)


@pytest.fixture
def olga(panel) -> Membership:
    """An observer: reads along, never votes."""
    return _member(panel, "olga@example.org", "Olga Observer", Role.OBSERVER, votes=False)


@pytest.fixture
def carl(panel) -> Membership:
    """The housing corporation's representative."""
    return _member(panel, "carl@example.org", "Carl Corporation", Role.CORPORATION_REP, False)


@pytest.fixture
def tina(panel) -> Membership:
    """The tenant organisation's representative."""
    return _member(panel, "tina@example.org", "Tina Tenantorg", Role.TENANT_ORG_REP)


@pytest.fixture
def mallory() -> User:
    """Logged in, but a member of no panel."""
    return make_user("mallory@example.org", "Mallory Outsider")


@pytest.fixture
def oscar(other_panel) -> Membership:
    """The moderator of another panel."""
    return _member(other_panel, "oscar@example.org", "Oscar Elsewhere", Role.MODERATOR)


@pytest.fixture
def client_for(client):
    """Log the test client in as a membership's person (or a user)."""

    def login(who) -> object:
        user = who.user if isinstance(who, Membership) else who
        client.force_login(user)
        return client

    return login


@pytest.fixture
def martin(panel) -> Membership:
    """A second moderator, so that alice is not the last one."""
    return _member(panel, "martin@example.org", "Martin Moderator", Role.MODERATOR)


@pytest.fixture
def make_invitation(panel, alice):
    """Create an invitation directly (no email); returns (invitation, token).

    Services only ever email the token; tests that need the link without
    going through the mailbox use this.
    """

    def make(
        email: str = "newcomer@example.org",
        role: Role = Role.MEMBER,
        has_voting_rights: bool = True,
        for_panel: Panel | None = None,
        **fields,
    ) -> tuple[Invitation, str]:
        token, token_hash = Invitation.new_token()
        invitation = Invitation.objects.create(
            panel=for_panel or panel,
            email=email,
            role=role,
            has_voting_rights=has_voting_rights,
            token_hash=token_hash,
            invited_by=alice.user,
            expires_at=fields.pop("expires_at", Invitation.default_expiry()),
            **fields,
        )
        return invitation, token

    return make


# --- meetings -------------------------------------------------------------------

# 19:30 in Amsterdam in summer time, 17:30 UTC.
MEETING_STARTS_AT = datetime(2030, 5, 1, 19, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
AGENDA = ("Opening en mededelingen", "Onderhoud en reparaties", "Rondvraag")


@pytest.fixture
def meeting(alice) -> Meeting:
    """A meeting alice has planned, with an empty agenda; nobody was emailed."""
    return meetings.create_meeting(
        alice,
        title="Bewonersavond",
        description="Over onderhoud en de huurverhoging.",
        starts_at=MEETING_STARTS_AT,
        notify=False,
    )


@pytest.fixture
def live_meeting(meeting, alice) -> Meeting:
    """The meeting, live: three agenda items, the first under discussion, the floor open."""
    for title in AGENDA:
        meetings.add_item(alice, meeting, title=title)
    meetings.start_meeting(alice, meeting)
    floor.set_floor(alice, meeting, True)
    meeting.refresh_from_db()
    return meeting


@pytest.fixture
def hall(alice) -> Meeting:
    """A live meeting in a community room, and online (the desk: panels/attendance.py)."""
    meeting = meetings.create_meeting(
        alice,
        title="Bewonersavond in de Buurtkamer",
        starts_at=timezone.now(),
        venue=Meeting.Venue.HYBRID,
        location="Buurtkamer De Linde, Lindelaan 4, Utrecht",
        notify=False,
    )
    return meetings.start_meeting(alice, meeting)


# --- refusals ------------------------------------------------------------------------


@pytest.fixture
def state_snapshot(panel):
    """What a refused call must leave as it was: here the panel's meetings, with their
    sequence numbers. An app's conftest.py overrides it with its own state."""
    return lambda: meetings_snapshot(panel, seq=True)


@pytest.fixture
def refusal_error():
    """The error a refused call raises: here MeetingError. An app's conftest.py overrides it."""
    return MeetingError


@pytest.fixture
def refused(django_capture_on_commit_callbacks, state_snapshot, refusal_error):
    """Run a call that must be refused; returns the message shown to the person.

    The call raises the app's `refusal_error` with a reason, and changes nothing: the app's
    `state_snapshot` is unchanged and nothing is pushed (tests.helpers.refusal).
    """

    def check(call) -> str:
        return str(
            refusal(
                call,
                error=refusal_error,
                snapshot=state_snapshot,
                capture_on_commit=django_capture_on_commit_callbacks,
            )
        )

    return check
