"""Every change the product audits is audited however it is made, the admin included.

The list below is what the product audits: each AuditAction, with the fields whose change
is that action. The walk takes every registered admin and every inline from the admin
site itself (so a new one is covered without touching this file) and, for each audited
field of its model, posts the change form as a browser would with that one value
changed: the value must stay as it was (read-only, refused) or the change must come with
its audit entry. The last-moderator rule holds in the admin too, and no admin reverts a
record to an old version of its history.
"""

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.db import models
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from agreements.models import AdviceRequest, Agreement, InputResponse, Signature
from minutes.audit_actions import MinutesAction
from minutes.models import Minutes
from panels.models import (
    AgendaItem,
    Attendance,
    Attribute,
    AuditAction,
    AuditEntry,
    ConstituencyShare,
    DeskAppointment,
    Invitation,
    Meeting,
    Membership,
    Message,
    Organisation,
    Panel,
    Role,
    User,
)
from tests.live_helpers import make_live_meeting
from voting import amendments
from voting import proposals as voting
from voting.models import (
    Amendment,
    Consultation,
    HiddenAnswer,
    Participation,
    Proposal,
    Proxy,
    RoomCount,
    Vote,
)

pytestmark = pytest.mark.django_db

CREATED = "+"  # creating the row is the audited action: the admin must not add one

# What the product audits: action -> [(model, fields whose change is that action)].
AUDITED: dict[str, list[tuple[type[models.Model], list[str]]]] = {
    AuditAction.VOTE_OPENED: [(Vote, ["state", "opened_at"])],
    AuditAction.CONSULTATION_OPENED: [(Consultation, ["state", "opened_at"])],
    AuditAction.ANSWER_HIDDEN: [
        (HiddenAnswer, [CREATED, "vote", "text_sha256", "reason", "hidden_by", "hidden_at"])
    ],
    AuditAction.CONSULTATION_CLOSED: [(Consultation, ["state", "closed_at"])],
    AuditAction.VOTE_WRITTEN_ROUND: [(Vote, ["state", "written_round_until"])],
    AuditAction.VOTE_CLOSED: [
        (Vote, ["state", "closed_at", "result"]),
        (Proposal, ["state"]),  # adopted or rejected by the vote
        (Amendment, ["state", "decided_at"]),
    ],
    AuditAction.AGREEMENT_SIGNED: [
        (Signature, [CREATED, "agreement", "version", "party", "signed_by", "signed_at"])
    ],
    AuditAction.MEMBER_JOINED: [(Membership, [CREATED, "panel", "user"])],
    AuditAction.ROLE_CHANGED: [(Membership, ["role", "has_voting_rights"])],
    AuditAction.MEMBER_DEACTIVATED: [(Membership, ["is_active"])],
    AuditAction.MEMBER_REACTIVATED: [(Membership, ["is_active"])],
    AuditAction.MEETING_STARTED: [(Meeting, ["state", "started_at"])],
    AuditAction.MEETING_CLOSED: [(Meeting, ["state", "closed_at"])],
    AuditAction.MEETING_CANCELLED: [(Meeting, ["state", "cancelled_at", "cancel_reason"])],
    AuditAction.MESSAGE_HIDDEN: [(Message, ["hidden_at", "hidden_by", "hidden_reason"])],
    AuditAction.PROPOSAL_HIDDEN: [(Proposal, ["hidden_at", "hidden_by", "hidden_reason"])],
    AuditAction.AMENDMENT_HIDDEN: [(Amendment, ["hidden_at", "hidden_by", "hidden_reason"])],
    AuditAction.PERSON_ERASED: [(User, ["erased_at"])],
    AuditAction.INPUT_ANSWERED: [
        (InputResponse, [CREATED, "proposal", "status", "reasons", "answered_by", "answered_at"])
    ],
    # The desk of a meeting (panels/attendance.py, voting/desk.py), and proxies on paper.
    AuditAction.ATTENDANCE_REGISTERED: [
        (Attendance, [CREATED, "meeting", "membership", "how", "arrived_at", "registered_by"])
    ],
    AuditAction.ATTENDANCE_ENDED: [(Attendance, ["left_at"])],
    AuditAction.GUEST_REGISTERED: [(Attendance, [CREATED, "guest_name"])],
    AuditAction.DESK_APPOINTED: [
        (DeskAppointment, [CREATED, "meeting", "membership", "appointed_by", "appointed_at"])
    ],
    AuditAction.BALLOT_AT_DESK: [(Participation, [CREATED, "at_desk"])],
    AuditAction.ROOM_COUNT_ENTERED: [
        (RoomCount, [CREATED, "vote", "counts", "taking_part", "how", "entered_by", "entered_at"]),
        (Vote, ["counted_in_room"]),
    ],
    AuditAction.ROOM_COUNT_CONFIRMED: [(RoomCount, ["confirmed_by", "confirmed_at"])],
    AuditAction.PAPER_PROXY: [(Proxy, ["principal", "holder", "paper_reference", "registered_by"])],
    # Not audited, but the meeting's live state: the moderator opens the floor in the
    # meeting, and everyone's page follows. Not for the admin either.
    "live state": [(Meeting, ["floor_open"])],
    # Minutes (minutes/services.py): put to approval in a meeting, approved by its vote.
    MinutesAction.PUT_TO_APPROVAL: [(Minutes, ["state", "approval_item", "approval_vote"])],
    MinutesAction.APPROVED: [
        (
            Minutes,
            [
                "state",
                "approved_at",
                "approved_version",
                "approved_texts",
                "approved_in",
                "approved_check_code",
            ],
        )
    ],
    MinutesAction.NOT_APPROVED: [(Minutes, ["state"])],
}


def audited_fields(model) -> set[str]:
    return {
        field
        for changes in AUDITED.values()
        for audited_model, fields in changes
        if audited_model is model
        for field in fields
    }


def admin_forms() -> list[tuple[str, admin.ModelAdmin, InlineModelAdmin | None]]:
    """Every registered admin, and every inline within one: (name, admin, inline)."""
    found = []
    for model_admin in admin.site._registry.values():
        found.append((type(model_admin).__name__, model_admin, None))
        for inline_class in model_admin.inlines:
            inline = inline_class(model_admin.model, admin.site)
            found.append(
                (f"{type(model_admin).__name__}.{inline_class.__name__}", model_admin, inline)
            )
    return found


CASES = [
    pytest.param(model_admin, inline, field, id=f"{name}-{field.replace(CREATED, 'add')}")
    for name, model_admin, inline in admin_forms()
    for field in sorted(audited_fields((inline or model_admin).model))
]


def test_every_audited_action_is_in_the_list():
    assert set(AuditAction) <= set(AUDITED)


def test_the_walk_covers_every_model_with_audited_fields():
    walked = {(inline or model_admin).model for _name, model_admin, inline in admin_forms()}

    assert walked >= {model for changes in AUDITED.values() for model, _ in changes}


# --- a panel with one of everything ------------------------------------------------------


@pytest.fixture
def root() -> User:
    return User.objects.create_superuser(email="root@example.org", password="x", name="Root Desk")


@pytest.fixture
def desk(root) -> Client:
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(root)
    return browser


@pytest.fixture
def world(
    alice, bob, carl, tina, panel, other_panel, corporation
) -> dict[type[models.Model], models.Model]:
    """One record of each model with an admin, made the way the app makes them."""
    meeting = make_live_meeting(alice)
    item = meeting.items.get(state="current")
    message = Message.objects.create(item=item, author=bob, text="Zullen we de tuin doen?")
    proposal = voting.create_proposal(bob, item, title="Groen", text="Meer groen.\n\nBankjes.")
    amendment = amendments.propose_amendment(
        bob,
        proposal,
        kind="replace",
        paragraph=1,
        new_text="Bomen.",
        rationale="Schaduw.",
        base_version=1,
    )
    vote = Vote.objects.create(
        panel=panel, question="Bankjes?", method=Vote.Method.YES_NO, created_by=alice
    )
    agreement = Agreement.objects.create(panel=panel, title="Groen", topic="Tuinen")
    signature = Signature.objects.create(
        agreement=agreement,
        version=1,
        content_hash="0" * 64,
        party=Signature.Party.CORPORATION,
        signed_by=carl,
    )
    answer = InputResponse.objects.create(
        proposal=proposal, status=InputResponse.Status.FOLLOWED, answered_by=carl
    )
    invitation = Invitation.objects.create(
        panel=panel,
        email="fien@example.org",
        token_hash="0" * 64,
        invited_by=alice.user,
        expires_at=Invitation.default_expiry(),
    )
    share = ConstituencyShare.objects.create(
        panel=panel, attribute=Attribute.AGE, value="65+", percent=30
    )
    proxy = Proxy.objects.create(meeting=meeting, principal=tina, holder=bob)
    advice = AdviceRequest.objects.create(
        panel=panel,
        title="Huurverhoging",
        intended_change="Twee procent.",
        requested_by=carl,
        advice_due=timezone.localdate(),
    )
    consultation = Consultation.objects.create(
        panel=panel, title="Onderhoud", closes_at=timezone.now(), created_by=alice
    )
    hidden = HiddenAnswer.objects.create(vote=vote, text_sha256="0" * 64, reason="Grof")
    stay = Attendance.objects.create(
        meeting=meeting, membership=bob, how=Attendance.How.PHONE, registered_by=alice
    )
    appointed = DeskAppointment.objects.create(meeting=meeting, membership=tina, appointed_by=alice)
    at_desk = Participation.objects.create(
        vote=vote, voter=alice, on_behalf_of=bob, key_hash="0" * 64, at_desk=True
    )
    counted = RoomCount.objects.create(
        vote=vote, counts={"for": 1}, taking_part=1, how=RoomCount.How.HANDS, entered_by=alice
    )
    return {
        Attendance: stay,
        DeskAppointment: appointed,
        Participation: at_desk,
        RoomCount: counted,
        Consultation: consultation,
        HiddenAnswer: hidden,
        Organisation: corporation,
        Panel: panel,
        Invitation: invitation,
        AgendaItem: item,
        ConstituencyShare: share,
        Proxy: proxy,
        AdviceRequest: advice,
        Membership: bob,
        Meeting: meeting,
        Message: message,
        Proposal: proposal,
        Amendment: amendment,
        Vote: vote,
        Signature: signature,
        InputResponse: answer,
        User: bob.user,
        Agreement: agreement,
        Minutes: Minutes.objects.create(
            meeting=meeting, record={"items": [], "votes": {}, "chairs": [], "present": {}}
        ),
    }


# --- the form, as a browser sends it -----------------------------------------------------


class FormFields(HTMLParser):
    """The controls of the admin's change form (<form id="..._form">), with their values as
    a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self.in_form = False
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.in_form = (a.get("id") or "").endswith("_form")
        if not self.in_form or not a.get("name") and tag != "option":
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "file", "image"):
            box = a.get("type") in ("checkbox", "radio")
            if not box or "checked" in a:
                default = "on" if box else ""  # what a browser sends for a box without value
                self.data.setdefault(a["name"], []).append(a.get("value", default) or "")
        elif tag == "select":
            self.select = a["name"]
            self.data.setdefault(a["name"], [])
        elif tag == "option" and self.select and "selected" in a:
            self.data[self.select].append(a.get("value") or "")
        elif tag == "textarea":
            self.textarea = a["name"]
            self.data[a["name"]] = [""]

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][0] += data.removeprefix("\n")


def form_data(page) -> dict[str, list[str]]:
    assert page.status_code == 200, page.status_code
    parser = FormFields()
    parser.feed(page.content.decode())
    assert parser.data, "no change form on the page"
    return parser.data


def changed_value(field: models.Field, stored) -> dict[str, list[str]]:
    """Form values that say something else than `stored`, for this field's widget."""
    if isinstance(field, models.BooleanField):
        return {} if stored else {field.name: ["on"]}
    if field.choices:
        return {field.name: [next(str(v) for v, _ in field.choices if v and v != stored)]}
    if isinstance(field, models.DateTimeField):
        return {
            field.name: ["2031-02-03 04:05:06"],
            f"{field.name}_0": ["2031-02-03"],
            f"{field.name}_1": ["04:05:06"],
        }
    if isinstance(field, models.ForeignKey):
        other = field.related_model.objects.exclude(pk=stored).first()
        return {field.name: [str(other.pk)]}
    if isinstance(field, models.JSONField):
        return {field.name: ['{"forged": true}']}
    if isinstance(field, models.IntegerField):
        return {field.name: [str((stored or 0) + 1)]}
    return {field.name: [f"{stored or ''} (changed)"]}


def with_change(data: dict, prefix: str, field: models.Field, stored) -> dict:
    names = {field.name, f"{field.name}_0", f"{field.name}_1"}
    kept = {name: value for name, value in data.items() if name not in {prefix + n for n in names}}
    return kept | {prefix + name: value for name, value in changed_value(field, stored).items()}


def change_url(obj) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def inline_prefix(data: dict, obj) -> str:
    """The inline form's prefix for this record on its parent's page ("memberships-0-")."""
    for name, values in data.items():
        if name.endswith("-id") and values == [str(obj.pk)] and "__prefix__" not in name:
            return name.removesuffix("id")
    raise AssertionError(f"{obj!r} is not in the inline on the page")


def entries_about(obj) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(subject=f"{obj._meta.model_name}:{obj.pk}"))


# --- the walk ----------------------------------------------------------------------------


@pytest.mark.parametrize(("model_admin", "inline", "field_name"), CASES)
def test_an_admin_change_to_an_audited_field_is_refused_or_audited(
    desk, root, world, model_admin, inline, field_name
):
    model = (inline or model_admin).model
    assert model in world, f"the test's panel has no {model.__name__}: add one to `world`"
    obj = world[model]
    request = RequestFactory().get("/")
    request.user = root

    if field_name == CREATED:
        may_add = (
            inline.has_add_permission(request, None)
            if inline
            else model_admin.has_add_permission(request)
        )
        assert not may_add, "creating this record is audited: the admin must not add one"
        return

    parent = obj if inline is None else getattr(obj, inline.fk_name or _fk(inline).name)
    url = change_url(parent)
    page = desk.get(url)
    if page.status_code == 403:
        return  # not even shown
    data = form_data(page)
    unchanged = desk.post(url, data)
    if unchanged.status_code == 403:
        return  # shown, but the admin changes nothing here
    assert unchanged.status_code == 302, "the walk sent a form the admin finds invalid"
    prefix = inline_prefix(data, obj) if inline else ""
    field = model._meta.get_field(field_name)
    stored = getattr(type(obj).objects.get(pk=obj.pk), field.attname)
    audited_before = entries_about(obj)

    response = desk.post(url, with_change(data, prefix, field, stored))

    assert response.status_code in (200, 302), response.status_code
    now = getattr(type(obj).objects.get(pk=obj.pk), field.attname)
    new_entries = entries_about(obj)[len(audited_before) :]
    assert now == stored or any(e.details.get("staff") == root.pk for e in new_entries), (
        f"{field_name} changed from {stored!r} to {now!r} without an audit entry"
    )


def _fk(inline: InlineModelAdmin) -> models.ForeignKey:
    from django.forms.models import _get_foreign_key

    return _get_foreign_key(inline.parent_model, inline.model, fk_name=inline.fk_name)


@pytest.mark.parametrize(
    "model_admin",
    [a for a in admin.site._registry.values() if hasattr(a, "history_form_view")],
    ids=lambda a: type(a).__name__,
)
def test_no_admin_reverts_to_an_old_version(desk, world, model_admin):
    """A revert would save every field of an old version at once, around the services."""
    assert model_admin.model in world, "add a record of this kind to `world`"
    obj = world[model_admin.model]
    version = obj.history.order_by("history_id").first()
    meta = obj._meta
    url = reverse(
        f"admin:{meta.app_label}_{meta.model_name}_simple_history", args=[obj.pk, version.pk]
    )
    page = desk.get(url)

    response = desk.post(url, form_data(page) if page.status_code == 200 else {})

    assert response.status_code == 403


# --- the role of a member, changed at the desk -------------------------------------------


def membership_form(desk, membership: Membership, **changes) -> dict:
    data = form_data(desk.get(change_url(membership)))
    data.pop("has_voting_rights", None)
    data.pop("is_active", None)
    values = {"has_voting_rights": membership.has_voting_rights, "is_active": True} | changes
    return data | {
        name: ["on"] if value is True else [value]
        for name, value in values.items()
        if value is not False
    }


def test_staff_change_a_role_with_an_audit_entry_that_names_them(desk, root, world, alice, bob):
    response = desk.post(change_url(bob), membership_form(desk, bob, role=Role.OBSERVER))

    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.role == Role.OBSERVER
    (entry,) = entries_about(bob)
    assert entry.action == AuditAction.ROLE_CHANGED
    assert (entry.actor_name, entry.actor_membership_id) == ("Root Desk", None)
    assert entry.details["staff"] == root.pk
    assert entry.details["to"] == {"role": "observer", "voting_rights": True}


def test_the_admin_cannot_leave_a_panel_without_a_moderator(desk, world, alice, panel):
    demoted = membership_form(desk, alice, role=Role.MEMBER)
    deactivated = membership_form(desk, alice, role=Role.MODERATOR, is_active=False)
    panel_page = form_data(desk.get(change_url(panel)))
    prefix = inline_prefix(panel_page, alice)
    in_the_panel = panel_page | {f"{prefix}role": [Role.MEMBER]}

    responses = [
        desk.post(change_url(alice), demoted),
        desk.post(change_url(alice), deactivated),
        desk.post(change_url(panel), in_the_panel),
    ]

    alice.refresh_from_db()
    assert (alice.role, alice.is_active) == (Role.MODERATOR, True)
    assert not entries_about(alice)
    for response in responses:
        assert response.status_code == 200
        assert "A panel needs at least one moderator." in response.content.decode()


def test_staff_deactivate_a_member_in_the_panel_page_with_an_audit_entry(
    desk, root, world, panel, bob
):
    page = form_data(desk.get(change_url(panel)))
    prefix = inline_prefix(page, bob)
    page.pop(f"{prefix}is_active")

    assert desk.post(change_url(panel), page).status_code == 302
    bob.refresh_from_db()
    assert not bob.is_active
    (entry,) = entries_about(bob)
    assert (entry.action, entry.details["staff"]) == (AuditAction.MEMBER_DEACTIVATED, root.pk)
