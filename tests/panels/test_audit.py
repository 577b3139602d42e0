"""The audit trail: a hash chain that verifies, breaks visibly where it was tampered with,
refuses changes, and gets one entry from each panel service it records (none on refusal)."""

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from panels import audit, floor, meetings, privacy, services
from panels.models import AppendOnly, AuditAction, AuditEntry, Membership, Role, User

pytestmark = pytest.mark.django_db


def tamper(sql: str, params=()) -> None:
    """Change the table behind the application's back, as someone with database access could
    (on PostgreSQL a superuser first switches off triggers, the append-only one included)."""
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if postgresql:
            cursor.execute("SET session_replication_role = DEFAULT")


@pytest.fixture
def chain(alice, bob, panel) -> list[AuditEntry]:
    """Five entries: the moderator's actions, one by the scheduler, with details."""
    return [
        audit.record(alice, AuditAction.MEETING_STARTED, "meeting:1", panel=panel),
        audit.record(alice, AuditAction.VOTE_OPENED, "vote:1", panel=panel, details={"a": [1]}),
        audit.record(None, AuditAction.VOTE_CLOSED, "vote:1", panel=panel, details={"cast": 3}),
        audit.record(alice, AuditAction.ROLE_CHANGED, f"membership:{bob.pk}", panel=panel),
        audit.record(alice, AuditAction.MEETING_CLOSED, "meeting:1", panel=panel.pk),
    ]


def entries(**filters) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**filters).order_by("sequence"))


# --- the chain -----------------------------------------------------------------------


def test_recorded_events_form_a_chain_that_verifies(chain, alice):
    count, broken, head = audit.verify()

    assert (count, broken) == (5, None)
    assert head == chain[-1].hash == audit.head().hash
    assert chain[0].prev_hash == audit.GENESIS
    assert [e.prev_hash for e in chain[1:]] == [e.hash for e in chain[:-1]]
    assert [e.sequence for e in entries()] == [1, 2, 3, 4, 5]
    assert (chain[0].actor_membership_id, chain[0].actor_name) == (alice.pk, "Alice Moderator")
    assert (chain[2].actor_membership_id, chain[2].actor_name) == (None, "")


def test_the_hash_is_the_one_computed_from_the_stored_entry(chain):
    for stored in entries():
        assert audit.compute_hash(stored) == stored.hash
        assert len(stored.hash) == 64


def test_an_empty_log_verifies(db):
    assert audit.verify() == (0, None, audit.GENESIS)


@pytest.mark.parametrize(
    "column, value",
    [("subject", "vote:999"), ("actor_name", "Iemand anders"), ("action", "vote_opened")],
)
def test_an_entry_changed_in_the_database_is_the_one_reported(chain, column, value):
    tamper(f"UPDATE panels_auditentry SET {column} = %s WHERE sequence = 3", [value])

    count, broken, _head = audit.verify()

    assert count == 5
    assert broken.sequence == 3
    assert "changed" in broken.problem


def test_an_entry_rewritten_with_a_fresh_hash_breaks_the_next_link(chain):
    forged = entries(sequence=3)[0]
    forged.subject = "vote:999"
    tamper(
        "UPDATE panels_auditentry SET subject = %s, hash = %s WHERE sequence = 3",
        [forged.subject, audit.compute_hash(forged)],
    )

    _count, broken, _head = audit.verify()

    assert broken.sequence == 4
    assert "previous hash" in broken.problem


def test_a_deleted_entry_is_detected(chain):
    tamper("DELETE FROM panels_auditentry WHERE sequence = 3")

    count, broken, _head = audit.verify()

    assert count == 4
    assert broken.sequence == 4
    assert "missing" in broken.problem


def test_verify_audit_prints_the_count_and_the_head(chain, capsys):
    call_command("verify_audit")

    out = capsys.readouterr().out
    assert "5 entries" in out
    assert chain[-1].hash in out


def test_verify_audit_finds_a_printed_check_code_in_the_chain(chain, capsys):
    call_command("verify_audit", code=[chain[2].hash, chain[3].hash[:12] + "…"])

    out = capsys.readouterr().out
    assert "is entry 3: vote_closed vote:1" in out
    assert f"is entry 4: role_changed {chain[3].subject}" in out


@pytest.mark.parametrize("code", ["f" * 64, "abc", ""])
def test_verify_audit_fails_for_a_code_not_in_the_chain(chain, code):
    with pytest.raises(CommandError, match="not an entry"):
        call_command("verify_audit", code=[code])


def test_verify_audit_fails_at_the_first_broken_entry(chain):
    tamper("UPDATE panels_auditentry SET subject = 'vote:2' WHERE sequence = 2")
    tamper("UPDATE panels_auditentry SET subject = 'vote:2' WHERE sequence = 4")

    with pytest.raises(CommandError) as caught:
        call_command("verify_audit")

    message = str(caught.value)
    assert "entry 2 " in message
    assert f"id {chain[1].pk}" in message
    assert "entry 4" not in message


# --- append-only ----------------------------------------------------------------------


def test_an_entry_cannot_be_changed_or_deleted_through_django(chain):
    entry = AuditEntry.objects.get(sequence=2)
    entry.subject = "vote:2"

    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(sequence=2).update(subject="vote:2")
    with pytest.raises(AppendOnly):
        AuditEntry.objects.all().delete()
    assert audit.verify().broken is None


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE panels_auditentry SET subject = 'vote:2' WHERE sequence = 2",
        "DELETE FROM panels_auditentry WHERE sequence = 2",
    ],
)
def test_postgresql_refuses_to_change_or_delete_entries(chain, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert audit.verify() == (5, None, chain[-1].hash)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_allows_only_removing_an_actor_s_name(chain, alice):
    sneaky = (
        "UPDATE panels_auditentry SET actor_name = '', actor_salt = '', subject = 'vote:9'"
        " WHERE sequence = 2"
    )
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sneaky)

    assert audit.forget_actor([alice.pk]) == 4
    assert set(AuditEntry.objects.values_list("actor_name", flat=True)) == {""}
    # Every link still holds; that alice was not erased is what verify() then reports.
    broken = audit.verify().broken
    assert broken.sequence == 1 and "not erased" in broken.problem


def test_the_admin_shows_the_log_but_allows_no_add_change_or_delete(client, chain):
    root = User.objects.create_superuser(email="root@example.org", password="x", name="Root")
    client.force_login(root)
    entry = chain[1]
    base = "admin:panels_auditentry"

    listing = client.get(reverse(f"{base}_changelist"))
    add = client.get(reverse(f"{base}_add"))
    change = client.post(reverse(f"{base}_change", args=[entry.pk]), {"subject": "vote:2"})
    delete = client.post(reverse(f"{base}_delete", args=[entry.pk]), {"post": "yes"})

    assert listing.status_code == 200
    assert entry.hash[:12] in listing.content.decode()
    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert audit.verify() == (5, None, chain[-1].hash)


# --- the panel services' entries --------------------------------------------------------


def test_a_role_change_is_recorded_with_before_and_after(alice, bob, panel):
    services.change_role(alice, bob, Role.OBSERVER, False)

    (entry,) = entries(action=AuditAction.ROLE_CHANGED)
    assert entry.subject == f"membership:{bob.pk}"
    assert entry.panel_id == panel.pk
    assert entry.actor_membership_id == alice.pk
    assert entry.details == {
        "from": {"role": "member", "voting_rights": True},
        "to": {"role": "observer", "voting_rights": False},
    }


def test_a_role_change_that_changes_nothing_or_is_refused_records_nothing(alice, bob):
    services.change_role(alice, bob, Role.MEMBER, True)  # already so
    with pytest.raises(services.PanelError):
        services.change_role(alice, alice, Role.MEMBER, True)  # the last moderator
    with pytest.raises(services.PanelError):
        services.change_role(bob, alice, Role.MEMBER, True)  # not allowed

    assert entries() == []


def test_staff_change_a_role_in_any_panel_and_the_entry_names_them(alice, bob, oscar, panel):
    desk = User.objects.create_superuser(email="desk@example.org", password="x", name="Desk")

    services.change_role(desk, bob, Role.OBSERVER, False)
    services.set_active(desk, oscar, True)  # already active: nothing recorded

    (entry,) = entries()
    assert (entry.action, entry.panel_id, entry.actor_membership_id) == (
        AuditAction.ROLE_CHANGED,
        panel.pk,
        None,
    )
    assert (entry.actor_name, entry.details["staff"]) == ("Desk", desk.pk)
    assert audit.verify().broken is None


def test_staff_without_the_right_to_change_members_are_refused(alice, bob, mallory):
    mallory.is_staff = True
    mallory.save()

    with pytest.raises(services.PanelError):
        services.change_role(mallory, bob, Role.MODERATOR, True)
    with pytest.raises(services.PanelError):
        services.set_active(mallory, bob, False)

    assert entries() == []


def test_staff_cannot_leave_a_panel_without_a_moderator(alice):
    desk = User.objects.create_superuser(email="desk@example.org", password="x", name="Desk")

    with pytest.raises(services.PanelError):
        services.change_role(desk, alice, Role.MEMBER, True)
    with pytest.raises(services.PanelError):
        services.set_active(desk, alice, False)

    assert entries() == []


def test_an_erased_staff_member_s_name_leaves_the_log_and_it_still_verifies(bob):
    desk = User.objects.create_superuser(email="desk@example.org", password="x", name="Desk")
    services.change_role(desk, bob, Role.OBSERVER, False)

    privacy.erase(desk, requested_by="staff")

    (entry,) = entries(action=AuditAction.ROLE_CHANGED)
    assert (entry.actor_name, entry.details["staff"]) == ("", desk.pk)
    assert audit.verify().broken is None


def test_a_change_rolled_back_leaves_no_entry(alice, bob):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.change_role(alice, bob, Role.OBSERVER, False)
        assert len(entries()) == 1
        raise RuntimeError("the outer transaction fails")

    assert entries() == []
    assert Membership.objects.get(pk=bob.pk).role == Role.MEMBER


def test_deactivating_and_reactivating_are_recorded(alice, bob):
    services.set_active(alice, bob, False)
    services.set_active(alice, bob, False)  # already inactive: nothing new
    services.set_active(alice, bob, True)

    assert [(e.action, e.subject) for e in entries()] == [
        (AuditAction.MEMBER_DEACTIVATED, f"membership:{bob.pk}"),
        (AuditAction.MEMBER_REACTIVATED, f"membership:{bob.pk}"),
    ]


def test_accepting_an_invitation_records_the_new_member(make_invitation, panel):
    invitation, token = make_invitation(role=Role.TENANT_ORG_REP)

    _user, membership = services.accept_invitation_with_new_account(token, "Nieuw Lid", "pw-123!x")

    (entry,) = entries()
    assert (entry.action, entry.subject) == (
        AuditAction.MEMBER_JOINED,
        f"membership:{membership.pk}",
    )
    assert (entry.actor_membership_id, entry.actor_name) == (membership.pk, "Nieuw Lid")
    assert entry.details == {
        "role": "tenant_org_rep",
        "voting_rights": True,
        "invitation": invitation.pk,
    }


def test_a_used_invitation_records_nothing_more(make_invitation, bob):
    _invitation, token = make_invitation(email=bob.user.email)
    services.accept_invitation(token, User.objects.create_user("x@example.org", "pw", name="X"))

    with pytest.raises(services.PanelError):
        services.accept_invitation(token, bob.user)

    assert len(entries(action=AuditAction.MEMBER_JOINED)) == 1


def test_starting_and_closing_a_meeting_are_recorded(alice, meeting):
    meetings.start_meeting(alice, meeting)
    meetings.start_meeting(alice, meeting)  # a double click
    meetings.close_meeting(alice, meeting)
    with pytest.raises(meetings.MeetingError):
        meetings.start_meeting(alice, meeting)

    assert [(e.action, e.subject) for e in entries()] == [
        (AuditAction.MEETING_STARTED, f"meeting:{meeting.pk}"),
        (AuditAction.MEETING_CLOSED, f"meeting:{meeting.pk}"),
    ]


def test_a_member_cannot_start_a_meeting_and_nothing_is_recorded(bob, meeting):
    with pytest.raises(meetings.MeetingError):
        meetings.start_meeting(bob, meeting)

    assert entries() == []


def test_hiding_a_message_is_recorded_with_the_reason(alice, bob, live_meeting):
    message = floor.post_message(bob, live_meeting, "Een bericht")
    with pytest.raises(meetings.MeetingError):
        floor.hide_message(bob, message, "niet toegestaan")

    floor.hide_message(alice, message, "Scheldwoord")
    floor.hide_message(alice, message, "nog eens")  # already hidden

    (entry,) = entries(action=AuditAction.MESSAGE_HIDDEN)
    assert entry.subject == f"message:{message.pk}"
    assert entry.details == {"reason": "Scheldwoord"}
    assert "Een bericht" not in str(entry.details)
    assert audit.verify().broken is None


# --- concurrency (PostgreSQL) -------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs concurrent transactions: set "
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/knoppen_audit",
)
@pytest.mark.django_db(transaction=True)
def test_appends_from_many_threads_at_once_keep_one_chain(alice, panel):
    threads_count, per_thread = 8, 5
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def append(number: int) -> None:
        try:
            barrier.wait(timeout=20)
            for each in range(per_thread):
                with transaction.atomic():
                    audit.record(
                        alice, AuditAction.VOTE_OPENED, f"vote:{number}-{each}", panel=panel.pk
                    )
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=[n]) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    count, broken, head = audit.verify()
    assert (count, broken) == (threads_count * per_thread, None)
    stored = entries()
    assert [e.sequence for e in stored] == list(range(1, count + 1))
    assert len({e.prev_hash for e in stored}) == count
    assert head == stored[-1].hash
