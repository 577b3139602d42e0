"""One Hideable, one hide service (panels/hiding.py): who hid something is a membership of
its panel, the hiding is audited with the thing's own action, kept in its history and
pushed to its own fragment of the live page; refusals raise the caller's own error."""

import pytest
from django.db import models
from django.utils import translation

from panels import audit, floor, hiding, privacy
from panels.errors import PanelError
from panels.models import AuditAction, AuditEntry, Hideable, Meeting, Membership, Message
from voting.models import Amendment, Proposal

pytestmark = pytest.mark.django_db


class Refused(PanelError):
    """A caller's own error class."""


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def message(bob, live_meeting) -> Message:
    return floor.post_message(bob, live_meeting, "Iets kwetsends")


def seq_of(meeting: Meeting) -> int:
    return Meeting.objects.get(pk=meeting.pk).seq


@pytest.mark.parametrize("model", [Message, Proposal, Amendment])
def test_it_is_one_hideable_with_one_definition_of_who_hid_it(model):
    assert issubclass(model, Hideable)
    field = model._meta.get_field("hidden_by")
    assert field.related_model is Membership
    assert field.remote_field.on_delete is models.SET_NULL
    assert field.null
    assert model._meta.get_field("hidden_reason").max_length == 300


def test_it_hides_as_the_moderator_of_the_panel(
    alice, live_meeting, message, django_capture_on_commit_callbacks
):
    seq = seq_of(live_meeting)

    with django_capture_on_commit_callbacks() as pushes:
        hidden = hiding.hide(alice, message, "  Persoonlijke aanval ")

    message.refresh_from_db()
    assert hidden.is_hidden and message.is_hidden
    assert (message.hidden_by, message.hidden_reason) == (alice, "Persoonlijke aanval")
    record = message.history.latest()
    assert (record.history_user, record.history_change_reason) == (alice.user, "hidden")
    assert record.hidden_by_id == alice.pk
    (entry,) = AuditEntry.objects.filter(action=AuditAction.MESSAGE_HIDDEN)
    assert (entry.subject, entry.panel_id, entry.actor_membership_id) == (
        f"message:{message.pk}",
        live_meeting.panel_id,
        alice.pk,
    )
    assert entry.details == {"reason": "Persoonlijke aanval"}
    assert audit.verify().broken is None
    assert seq_of(live_meeting) == seq + 1
    assert len(pushes) == 1


def test_it_refuses_with_the_callers_error(bob, oscar, alice, message):
    with pytest.raises(Refused, match="You are not allowed to do this."):
        hiding.hide(bob, message, "Weg", error=Refused)
    with pytest.raises(Refused, match="You are not allowed to do this."):
        hiding.hide(oscar, message, "Weg", error=Refused)  # another panel's moderator
    with pytest.raises(Refused, match="Give a reason for hiding the message."):
        hiding.hide(alice, message, " ", error=Refused)
    with pytest.raises(PanelError):
        hiding.hide(bob, message, "Weg")

    message.refresh_from_db()
    assert not message.is_hidden
    assert not AuditEntry.objects.filter(action=AuditAction.MESSAGE_HIDDEN).exists()


def test_hiding_again_changes_nothing(alice, martin, live_meeting, message):
    hiding.hide(alice, message, "Eerste reden")
    seq = seq_of(live_meeting)

    again = hiding.hide(martin, message, "Tweede reden")

    assert (again.hidden_by, again.hidden_reason) == (alice, "Eerste reden")
    assert seq_of(live_meeting) == seq
    assert AuditEntry.objects.filter(action=AuditAction.MESSAGE_HIDDEN).count() == 1


def test_erasing_the_moderator_keeps_what_they_hid_hidden(alice, martin, message):
    hiding.hide(alice, message, "Scheldwoord")

    privacy.erase(alice.user, requested_by="staff")

    message.refresh_from_db()
    assert message.is_hidden
    assert message.hidden_by == alice, "memberships stay, under the pseudonym"
    assert message.hidden_by.user.name != "Alice Moderator"


def test_a_removed_membership_leaves_the_message_hidden(alice, message):
    hiding.hide(alice, message, "Scheldwoord")

    Membership.objects.filter(pk=alice.pk).delete()

    message.refresh_from_db()
    assert message.is_hidden
    assert (message.hidden_by, message.hidden_reason) == (None, "Scheldwoord")
