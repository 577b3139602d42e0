"""Minutes (notulen): drawn up from the meeting when it closes, edited per part with every
edit a version, approved by a vote at a next meeting; a vote's result in them comes from
the record and the audit log, whatever anyone writes."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from minutes import services
from minutes import urls as minutes_urls
from minutes.models import Minutes
from panels import audit, floor, meetings
from panels.access import Perm
from panels.models import AuditEntry, Meeting
from tests.matrix import (
    ALLOWED,
    assert_every_url_in_matrix,
    assert_outcome,
    expected,
    fail_if_not_in_matrix,
    log_in,
    matrix_cases,
    url_patterns,
)
from tests.voting.conftest import be_present, cast, vote_spec
from voting import lifecycle, proposals
from voting.models import Vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(alice, bob, tina, panel, django_capture_on_commit_callbacks):
    """A meeting that was held: bob and tina present, a message from bob on the first
    item, a proposal of tina's adopted by a vote (2 for, 1 against), then closed."""
    meeting = meetings.create_meeting(
        alice,
        title="Bewonersavond april",
        starts_at=timezone.now() - timedelta(hours=2),
        notify=False,
    )
    garden = meetings.add_item(alice, meeting, title="De binnentuin")
    meetings.add_item(alice, meeting, title="Rondvraag")
    meetings.start_meeting(alice, meeting)
    floor.set_floor(alice, meeting, True)
    floor.post_message(bob, meeting, "Ik wil meer bankjes.")
    proposal = proposals.create_proposal(tina, garden, title="Bankjes", text="Drie bankjes.")
    proposals.submit_proposal(tina, proposal)
    be_present(meeting, alice, bob, tina)
    vote = lifecycle.open_vote(
        alice, lifecycle.prepare_vote(alice, vote_spec(question=""), proposal=proposal)
    )
    cast(alice, vote, "for")
    cast(bob, vote, "for")
    cast(tina, vote, "against")
    lifecycle.close_vote(alice, vote)
    with django_capture_on_commit_callbacks(execute=True):
        meetings.close_meeting(alice, meeting)
    return Meeting.objects.get(pk=meeting.pk)


@pytest.fixture
def next_meeting(alice) -> Meeting:
    return meetings.create_meeting(
        alice,
        title="Bewonersavond mei",
        starts_at=timezone.now() + timedelta(days=30),
        notify=False,
    )


def minutes_of(meeting) -> Minutes:
    return Minutes.objects.get(meeting=meeting)


def the_vote(meeting) -> Vote:
    return Vote.objects.get(meeting=meeting, proposal__isnull=False)


# --- the record ------------------------------------------------------------------------------


def test_closing_a_meeting_draws_up_its_minutes_from_what_happened(held, alice, bob, tina):
    minutes = minutes_of(held)
    record = minutes.record
    vote = the_vote(held)
    closed = AuditEntry.objects.get(action="vote_closed", subject=f"vote:{vote.pk}")

    assert minutes.state == Minutes.State.DRAFT and minutes.version == 1
    assert record["chairs"] == [alice.pk]
    assert set(record["present"]["online"]) >= {alice.pk, bob.pk, tina.pk}
    garden, question_time = record["items"]
    assert garden["title"] == "De binnentuin" and garden["from"] and garden["until"]
    assert len(garden["messages"]) == 1 and len(garden["proposals"]) == 1
    assert garden["votes"] == [vote.pk]
    entry = record["votes"][str(vote.pk)]
    assert entry["result"]["outcome"] == "adopted"
    assert (entry["result"]["cast"], entry["result"]["eligible"]) == (3, vote.result["eligible"])
    assert "named" not in entry["result"]  # who voted what stays with the vote
    assert entry["check_code"] == closed.hash and entry["entry"] == closed.sequence
    assert question_time["messages"] == []


def test_a_meeting_closed_before_minutes_existed_gets_them_when_asked(held, client_for, alice):
    Minutes.objects.all().delete()

    page = client_for(alice).get(reverse("minutes:detail", args=[held.panel_id, held.pk]))

    assert page.status_code == 200
    assert minutes_of(held).record["items"][0]["title"] == "De binnentuin"


def test_the_closed_meeting_s_page_keeps_every_item_s_discussion(held, client_for, bob):
    page = client_for(bob).get(held.get_absolute_url()).content.decode()

    assert "Wat er besproken is" in page
    assert "Ik wil meer bankjes." in page
    assert reverse("minutes:detail", args=[held.panel_id, held.pk]) in page


# --- editing ---------------------------------------------------------------------------------


def test_every_edit_is_a_version_and_two_versions_compare(held, alice, client_for):
    minutes = minutes_of(held)
    garden = str(minutes.record["items"][0]["id"])
    services.edit(alice, minutes, texts={garden: "Bob vraagt om bankjes."}, base_version=1)
    services.edit(alice, minutes, texts={garden: "Bob vraagt om meer bankjes."}, base_version=2)

    history = client_for(alice).get(
        reverse("minutes:history", args=[held.panel_id, held.pk]) + "?a=2&b=3"
    )

    assert minutes_of(held).version == 3
    page = history.content.decode()
    inserted = page.split('<ins class="diff-ins">')[1].split("</ins>")[0]
    assert "meer" in inserted
    with pytest.raises(services.MinutesError):  # written on an old version
        services.edit(alice, minutes, texts={garden: "Anders."}, base_version=2)


def test_a_vote_result_cannot_be_edited_away(held, alice, client_for):
    minutes = minutes_of(held)
    garden = str(minutes.record["items"][0]["id"])
    record = dict(minutes.record)
    url = reverse("minutes:edit", args=[held.panel_id, held.pk])
    client = client_for(alice)

    response = client.post(
        url,
        {
            "version": "1",
            f"part-{garden}": "Het voorstel Bankjes is verworpen.",
            "record": '{"votes": {}}',
            "part-votes": "verworpen",
        },
    )

    assert response.status_code == 302
    minutes = minutes_of(held)
    assert minutes.record == record
    assert minutes.texts == {garden: "Het voorstel Bankjes is verworpen."}
    page = client.get(reverse("minutes:detail", args=[held.panel_id, held.pk]) + "?draft")
    decided = page.content.decode().split('id="decided-heading"')[1]
    assert "Aangenomen" in decided or "Adopted" in decided
    assert the_vote(held).result["outcome"] == "adopted"


def test_only_moderators_and_the_minute_taker_edit(held, alice, bob, tina):
    minutes = minutes_of(held)
    with pytest.raises(services.MinutesError):
        services.edit(bob, minutes, texts={"opening": "x"}, base_version=1)
    with pytest.raises(services.MinutesError):
        services.appoint_taker(bob, minutes, bob)
    services.appoint_taker(alice, minutes, tina)

    services.edit(tina, minutes, texts={"opening": "Opening om 19.30 uur."}, base_version=1)

    assert minutes_of(held).texts == {"opening": "Opening om 19.30 uur."}
    with pytest.raises(services.MinutesError):
        services.edit(tina, minutes, texts={"opening": "x" * 20_001}, base_version=2)


# --- approval --------------------------------------------------------------------------------


def approve(alice, members, minutes, next_meeting, *, against=()):
    services.put_to_approval(alice, minutes, next_meeting)
    meetings.start_meeting(alice, next_meeting)
    be_present(next_meeting, alice, *members)
    vote = services.open_approval_vote(alice, minutes_of(minutes.meeting))
    for member in [alice, *members]:
        cast(member, vote, "against" if member in against else "for")
    lifecycle.close_vote(alice, vote)
    return vote


def test_minutes_are_approved_by_a_vote_at_the_next_meeting(
    held, next_meeting, alice, bob, tina, client_for, django_capture_on_commit_callbacks
):
    minutes = minutes_of(held)
    services.edit(alice, minutes, texts={"opening": "Welkom."}, base_version=1)
    with django_capture_on_commit_callbacks(execute=True):
        approve(alice, [bob, tina], minutes_of(held), next_meeting)

    minutes = minutes_of(held)
    approved = AuditEntry.objects.get(action="minutes.approved")
    assert minutes.state == Minutes.State.APPROVED
    assert (minutes.approved_version, minutes.approved_texts) == (2, {"opening": "Welkom."})
    assert minutes.approved_in == next_meeting
    assert minutes.approved_check_code == approved.hash == audit.head().hash
    assert next_meeting.items.filter(title__contains=held.title).exists()
    told = [m for m in mail.outbox if m.subject.startswith("Notulen vastgesteld")]
    assert sorted(m.to[0] for m in told) == sorted(
        m.user.email for m in held.panel.memberships.active()
    )

    # A later change is a draft until approved again; members read the approved text.
    services.edit(alice, minutes, texts={"opening": "Welkom allemaal."}, base_version=2)
    page = client_for(bob).get(minutes.get_absolute_url()).content.decode()
    assert "Welkom." in page and "Welkom allemaal." not in page
    assert minutes_of(held).state == Minutes.State.DRAFT


def test_minutes_not_approved_are_a_draft_again(held, next_meeting, alice, bob, tina):
    approve(alice, [bob, tina], minutes_of(held), next_meeting, against=[alice, bob, tina])

    minutes = minutes_of(held)
    assert minutes.state == Minutes.State.DRAFT and not minutes.is_approved
    assert AuditEntry.objects.filter(action="minutes.not_approved").count() == 1


def test_minutes_put_to_approval_do_not_change_until_the_vote(held, next_meeting, alice):
    minutes = minutes_of(held)
    services.put_to_approval(alice, minutes, next_meeting)
    services.put_to_approval(alice, minutes, next_meeting)  # a double click

    with pytest.raises(services.MinutesError):
        services.edit(alice, minutes, texts={"opening": "Later."}, base_version=1)
    assert next_meeting.items.count() == 1


@pytest.mark.parametrize("how", ["cancelled", "closed without a vote", "item removed"])
def test_minutes_whose_approval_meeting_lapsed_can_be_edited_and_put_to_approval_again(
    held, next_meeting, alice, client_for, how
):
    """The meeting that had them on its agenda was cancelled, or closed before the vote on
    them, or the item was taken off its agenda: they were stuck "put to approval" for good
    (no edit, no new approval, no vote)."""
    minutes = services.put_to_approval(alice, minutes_of(held), next_meeting)
    if how == "cancelled":
        meetings.cancel_meeting(alice, next_meeting)
    elif how == "closed without a vote":
        meetings.start_meeting(alice, next_meeting)
        meetings.close_meeting(alice, next_meeting)
    else:
        meetings.remove_item(alice, minutes.approval_item)
    later = meetings.create_meeting(
        alice,
        title="Bewonersavond juni",
        starts_at=next_meeting.starts_at + timedelta(days=30),
        notify=False,
    )

    assert not minutes_of(held).awaiting_approval
    page = client_for(alice).get(minutes.get_absolute_url() + "?draft").content.decode()
    assert reverse("minutes:put_to_approval", args=[held.panel_id, held.pk]) in page
    assert reverse("minutes:edit", args=[held.panel_id, held.pk]) in page
    services.edit(alice, minutes_of(held), texts={"opening": "Welkom."}, base_version=1)
    minutes = services.put_to_approval(alice, minutes_of(held), later)
    assert minutes.awaiting_approval and minutes.approval_item.meeting == later
    meetings.start_meeting(alice, later)
    assert services.open_approval_vote(alice, minutes).meeting == later


def test_the_pdf_has_what_happened_in_a_unicode_font(held, alice, client_for):
    minutes = minutes_of(held)
    services.edit(alice, minutes, texts={"opening": "Één punt, €5 — Zoë"}, base_version=1)

    response = client_for(alice).get(
        reverse("minutes:pdf", args=[held.panel_id, held.pk]) + "?draft"
    )

    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Één punt, €5 — Zoë" in text
    assert "De binnentuin" in text and "Ik wil meer bankjes." in text
    assert the_vote(held).question[:20] in text
    closed = AuditEntry.objects.get(action="vote_closed")
    assert closed.hash in text.replace("\n", "")


# --- who may open what ------------------------------------------------------------------------

MATRIX = {
    "list": (Perm.VIEW_PANEL, {"GET"}),
    "detail": (Perm.VIEW_PANEL, {"GET"}),
    "history": (Perm.VIEW_PANEL, {"GET"}),
    "pdf": (Perm.VIEW_PANEL, {"GET"}),
    "edit": (Perm.MODERATE, {"GET", "POST"}),  # and the minute-taker (above)
    "put_to_approval": (Perm.MODERATE, {"POST"}),
    "vote": (Perm.MODERATE, {"POST"}),
    "taker": (Perm.MODERATE, {"POST"}),
}
ROLES = {
    "anonymous": None,
    "mallory": set(),
    "oscar": set(),
    "olga": {Perm.VIEW_PANEL},
    "bob": {Perm.VIEW_PANEL},
    "nora": {Perm.VIEW_PANEL},
    "carl": {Perm.VIEW_PANEL},
    "tina": {Perm.VIEW_PANEL},
    "alice": {Perm.VIEW_PANEL, Perm.MODERATE},
}


def minutes_patterns() -> dict:
    return url_patterns(minutes_urls.urlpatterns)


def test_every_minutes_url_is_in_the_matrix():
    assert_every_url_in_matrix(minutes_patterns(), MATRIX, "minutes")


@pytest.mark.parametrize(
    ("name", "method", "role"), matrix_cases(minutes_patterns(), MATRIX, ROLES)
)
def test_who_may_open_what(request, client, held, next_meeting, name, method, role):
    fail_if_not_in_matrix(name, MATRIX, "minutes")
    # Approved, so that members have something to read.
    Minutes.objects.filter(meeting=held).update(
        state=Minutes.State.APPROVED,
        approved_texts={},
        approved_version=1,
        approved_at=timezone.now(),
    )
    log_in(request, client, role, ROLES)
    kwargs = {"panel_id": held.panel_id}
    if "meeting_id" in minutes_patterns()[name].pattern.converters:
        kwargs["meeting_id"] = held.pk
    url = reverse(f"minutes:{name}", kwargs=kwargs)
    before = list(Minutes.history.values_list("history_id", flat=True))

    response = client.get(url) if method == "GET" else client.post(url, {"version": "1"})

    outcome = expected(MATRIX[name], ROLES[role], method)
    if outcome == ALLOWED:
        assert response.status_code == (200 if method == "GET" else 302), (name, role)
    else:
        assert_outcome(response, outcome, name, role, method)
        after = list(Minutes.history.values_list("history_id", flat=True))
        assert after == before, "a refused request changes nothing"


def test_another_panel_s_meeting_is_not_found_under_this_panel(
    held, client_for, oscar, other_panel
):
    url = reverse("minutes:detail", args=[other_panel.pk, held.pk])

    assert client_for(oscar).get(url).status_code == 404
