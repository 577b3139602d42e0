"""Audit actions are registered by the apps (panels/audit_actions.py): a new one needs no
migration of panels, the strings stored before stay valid, and the admin shows labels."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.urls import reverse

from panels import audit
from panels.audit_actions import ActionRegistry
from panels.models import AuditAction, AuditEntry, User

pytestmark = pytest.mark.django_db

# Every value AuditEntry.action had as a choice until 0013: stored in existing logs and
# covered by their hashes, so each must stay a registered action.
STORED_BEFORE = {
    "vote_opened": "voting",
    "vote_written_round": "voting",
    "vote_closed": "voting",
    "agreement_signed": "agreements",
    "member_joined": "panels",
    "role_changed": "panels",
    "member_deactivated": "panels",
    "member_reactivated": "panels",
    "meeting_started": "panels",
    "meeting_closed": "panels",
    "message_hidden": "panels",
    "proposal_hidden": "voting",
    "amendment_hidden": "voting",
    "person_erased": "panels",
    "input_answered": "agreements",
}


class MinutesAction(models.TextChoices):
    MINUTES_APPROVED = "minutes.approved", "Minutes approved"


@pytest.fixture
def registry(monkeypatch):
    """The real registry, restored afterwards."""
    monkeypatch.setattr(AuditAction, "_actions", dict(AuditAction._actions))
    monkeypatch.setattr(AuditAction, "_owners", dict(AuditAction._owners))
    return AuditAction


def test_every_stored_action_is_registered_by_the_app_that_owns_it():
    owners = {a.value: AuditAction.owner(a.value) for a in AuditAction}
    assert {value: app for value, app in owners.items() if "." not in value} == STORED_BEFORE
    # Every later action carries the prefix of the app that registers it.
    assert [value for value, app in owners.items() if "." in value] == [
        value for value, app in owners.items() if value.startswith(f"{app}.")
    ]


def test_an_app_adds_an_action_without_a_migration(registry, alice):
    registry.register("minutes", MinutesAction)

    entry = audit.record(alice, MinutesAction.MINUTES_APPROVED, "minutes:1", panel=alice.panel)

    assert entry.action == "minutes.approved"
    assert entry.action_label == "Minutes approved"
    assert audit.verify().broken is None


def test_an_action_nobody_registered_is_refused(alice):
    # (Not "minutes.approved" any more: the minutes app registers that one.)
    with pytest.raises(ValueError):
        audit.record(alice, "minutes.burned", "minutes:1", panel=alice.panel)

    assert not AuditEntry.objects.exists()


def test_an_app_cannot_take_another_app_s_action():
    registry = ActionRegistry()
    registry.register("minutes", MinutesAction)

    with pytest.raises(ImproperlyConfigured):
        registry.register("other", MinutesAction)
    registry.register("minutes", MinutesAction)  # again by its owner: nothing changes
    assert list(registry) == [MinutesAction.MINUTES_APPROVED]


def test_the_admin_shows_actions_by_their_labels(client, alice):
    entry = audit.record(alice, AuditAction.VOTE_CLOSED, "vote:1", panel=alice.panel)
    root = User.objects.create_superuser(email="root@example.org", password="x", name="Root")
    client.force_login(root)

    listing = client.get(reverse("admin:panels_auditentry_changelist")).content.decode()
    one = client.get(reverse("admin:panels_auditentry_change", args=[entry.pk]))

    label = str(AuditAction.VOTE_CLOSED.label)  # "Stemming gesloten" in Dutch
    assert listing.count(label) >= 2  # the row and the filter
    assert label in one.content.decode()
    filtered = client.get(reverse("admin:panels_auditentry_changelist"), {"action": "vote_closed"})
    assert list(filtered.context["cl"].result_list) == [entry]
