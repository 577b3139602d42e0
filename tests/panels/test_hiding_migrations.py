"""The migrations to one Hideable keep who hid what: a message's user becomes their
membership in the message's panel (in its history too), and an amendment hidden before
it had `hidden_by` gets the moderator its audit entry names."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("panels", "0013_audit_actions_registered"), ("voting", "0006_vote_method_registry")]


def migrate(targets):
    """Migrate to `targets` (every app's latest when None); the models as they were there."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_who_hid_what_survives_the_migration():
    old = migrate(BEFORE)
    try:
        ids = _before(old)
    finally:
        new = migrate(None)
    Message = new.get_model("panels", "Message")
    Amendment = new.get_model("voting", "Amendment")

    assert Message.objects.get(pk=ids["message"]).hidden_by_id == ids["alice_here"]
    assert Message.objects.get(pk=ids["shown"]).hidden_by_id is None
    history = new.get_model("panels", "HistoricalMessage").objects.filter(id=ids["message"])
    assert set(history.values_list("hidden_by_id", flat=True)) == {None, ids["alice_here"]}
    assert Amendment.objects.get(pk=ids["amendment"]).hidden_by_id == ids["alice_here"]
    assert Amendment.objects.get(pk=ids["open_amendment"]).hidden_by_id is None


def _before(apps) -> dict[str, int]:
    """Alice moderates two panels; she hid a message and an amendment in the first."""
    get = apps.get_model
    User, Organisation, Panel = (
        get("panels", "User"),
        get("panels", "Organisation"),
        get("panels", "Panel"),
    )
    Membership, Meeting, AgendaItem = (
        get("panels", "Membership"),
        get("panels", "Meeting"),
        get("panels", "AgendaItem"),
    )
    Message, HistoricalMessage = get("panels", "Message"), get("panels", "HistoricalMessage")
    AuditEntry = get("panels", "AuditEntry")
    Proposal, Amendment = get("voting", "Proposal"), get("voting", "Amendment")
    now = timezone.now()

    alice = User.objects.create(email="alice@example.org", name="Alice")
    bob = User.objects.create(email="bob@example.org", name="Bob")
    corporation = Organisation.objects.create(name="Corporatie", kind="corporation")
    tenants = Organisation.objects.create(name="Huurders", kind="tenant_organisation")
    panels = [
        Panel.objects.create(name=name, corporation=corporation, tenant_organisation=tenants)
        for name in ("Eerste panel", "Tweede panel")
    ]
    # Her membership of the other panel first: its id is not the one to find.
    Membership.objects.create(panel=panels[1], user=alice, role="moderator")
    alice_here = Membership.objects.create(panel=panels[0], user=alice, role="moderator")
    bob_here = Membership.objects.create(panel=panels[0], user=bob)
    meeting = Meeting.objects.create(panel=panels[0], title="Avond", starts_at=now)
    item = AgendaItem.objects.create(meeting=meeting, title="Punt")

    message = Message.objects.create(
        item=item, author=bob_here, text="Iets", hidden_at=now, hidden_by=alice, hidden_reason="Nee"
    )
    shown = Message.objects.create(item=item, author=bob_here, text="Iets anders")
    for hidden_by in (None, alice):
        HistoricalMessage.objects.create(
            id=message.pk,
            item_id=item.pk,
            author_id=bob_here.pk,
            text="Iets",
            created_at=now,
            hidden_at=now if hidden_by else None,
            hidden_by_id=hidden_by.pk if hidden_by else None,
            hidden_reason="Nee" if hidden_by else "",
            history_date=now,
            history_type="~" if hidden_by else "+",
        )

    proposal = Proposal.objects.create(
        item=item, title="Groen", text="Meer groen.", submitter=bob_here
    )
    amendment, open_amendment = (
        Amendment.objects.create(
            proposal=proposal,
            author=bob_here,
            kind="replace_all",
            new_text="Minder grijs.",
            rationale="Mooier.",
            base_version=1,
            base_text="Meer groen.",
            proposed_text="Minder grijs.",
            **hidden,
        )
        for hidden in ({"hidden_at": now, "hidden_reason": "Nee"}, {})
    )
    AuditEntry.objects.create(
        sequence=1,
        created_at=now,
        panel=panels[0],
        actor_membership_id=alice_here.pk,
        actor_name="Alice",
        action="amendment_hidden",
        subject=f"amendment:{amendment.pk}",
        details={"reason": "Nee"},
        prev_hash="0" * 64,
        hash="1" * 64,
    )
    return {
        "message": message.pk,
        "shown": shown.pk,
        "alice_here": alice_here.pk,
        "amendment": amendment.pk,
        "open_amendment": open_amendment.pk,
    }
