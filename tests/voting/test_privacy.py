"""Tenants' data rights: the download holds the person's own data, erasure removes the
person from every table (history, results, the audit log and the admin's log included)
while what they contributed and the vote counts stay, and retention erases only the
people it should.

(Here, not in tests/panels, because the interesting data is votes and proposals.)
"""

import json
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import authenticate
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from panels import audit, floor, privacy, services
from panels.models import AuditAction, AuditEntry, Invitation, Membership, Message, User
from tests.conftest import PASSWORD
from tests.panels.test_audit import tamper
from tests.voting.conftest import cast
from voting import eligibility, lifecycle, results
from voting.models import Participation, Proposal, Proxy, Vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def bobs_traces(alice, bob, tina, live_meeting, proposal, amend, make_vote):
    """Bob took part in everything: a message, a hand, a proposal (fixture), an amendment,
    a named vote, a secret vote, a proxy to Tina; and an audit entry names him as actor."""
    floor.set_floor(alice, live_meeting, True)
    floor.post_message(bob, live_meeting, "Ik woon hier al dertig jaar.")
    floor.raise_hand(bob, live_meeting)
    amend(bob)
    named = make_vote(present=[alice, bob, tina], question="Akkoord met het groenplan?")
    cast(bob, named, "against")
    cast(tina, named, "for")
    lifecycle.close_vote(alice, named)
    secret = make_vote(
        present=[alice, bob, tina], question="Geheim: nieuwe voorzitter?", secret=True
    )
    cast(bob, secret, "for")
    cast(tina, secret, "against")
    lifecycle.close_vote(alice, secret)
    eligibility.give_proxy(bob, live_meeting, tina)
    audit.record(bob, AuditAction.MEETING_STARTED, "meeting:test", panel=bob.panel)
    return {"named": named, "secret": secret}


def database_text() -> str:
    """Every row of every table (history, join tables, the admin's log), as JSON."""
    everything = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in {"sessions"}:
            continue
        everything.append(serializers.serialize("json", model._base_manager.all()))
    return "\n".join(everything)


# --- what we hold ------------------------------------------------------------------------


def test_the_download_holds_the_person_s_own_data(client_for, bob, tina, bobs_traces):
    response = client_for(bob).get(reverse("panels:account_data"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["format"] == privacy.FORMAT
    assert data["account"]["email"] == bob.user.email
    assert [m["panel"] for m in data["memberships"]] == [bob.panel.name]
    assert [m["text"] for m in data["messages"]] == ["Ik woon hier al dertig jaar."]
    assert [p["title"] for p in data["proposals"]] == ["Groen in de wijk"]
    assert len(data["amendments"]) == 1
    assert len(data["hands_raised"]) == 1
    by_question = {v["question"]: v for v in data["votes"]}
    assert by_question["Akkoord met het groenplan?"]["ballot"] == "against"
    # A secret ballot was never stored with a name: the download cannot say what it was.
    assert by_question["Geheim: nieuwe voorzitter?"]["ballot"] is None
    assert by_question["Geheim: nieuwe voorzitter?"]["secret"] is True
    assert [(p["direction"], p["other_person"]) for p in data["proxies"]] == [
        ("given", tina.user.name)
    ]
    assert [e["subject"] for e in data["audit_log"]] == ["meeting:test"]


def test_the_download_holds_nobody_else_s_writing(client_for, bob, tina, live_meeting, alice):
    floor.set_floor(alice, live_meeting, True)
    floor.post_message(tina, live_meeting, "Tina's eigen bericht")

    data = client_for(bob).get(reverse("panels:account_data")).json()

    assert data["messages"] == []
    assert "Tina's eigen bericht" not in json.dumps(data)


# --- erasure -----------------------------------------------------------------------------


def test_erasure_removes_the_person_from_every_table(bob, bobs_traces):
    name, email = bob.user.name, bob.user.email
    assert name in database_text() and email in database_text()  # the check can fail

    privacy.erase(bob.user, requested_by="member")

    text = database_text()
    assert name not in text
    assert email not in text


def test_erasure_keeps_the_record_under_a_pseudonym(bob, tina, bobs_traces):
    named, secret = bobs_traces["named"], bobs_traces["secret"]
    secret_ballots = results.ballots(secret)
    assert secret_ballots

    user = privacy.erase(bob.user, requested_by="member")

    assert user.name.startswith("Oud-lid ")  # stored in the site's language
    assert user.email.endswith("@erased.invalid")
    assert (user.is_active, user.has_usable_password(), user.erased_at is not None) == (
        False,
        False,
        True,
    )
    assert authenticate(email="bob@example.org", password=PASSWORD) is None
    bob.refresh_from_db()
    assert not bob.is_active
    # What he wrote stays, attributed to the pseudonym.
    assert Message.objects.get(author=bob).text == "Ik woon hier al dertig jaar."
    assert Proposal.objects.get(submitter=bob).title == "Groen in de wijk"
    # The named vote's published result shows the pseudonym, with his choice.
    named = Vote.objects.get(pk=named.pk)
    assert [user.name, "against", bob.pk] in named.result["named"]
    assert dict(named.result["counts"]) == {"for": 1, "against": 1, "abstain": 0}
    # The secret vote: the same ballots, still linked to nobody.
    assert results.ballots(secret) == secret_ballots
    assert Participation.objects.filter(vote=secret, on_behalf_of=bob).exists()
    # Plans to act are dropped: the proxy for a meeting to come, the raised hand.
    assert not Proxy.objects.filter(principal=bob, revoked_at__isnull=True).exists()
    assert not bob.speaker_requests.filter(state="waiting").exists()


def test_after_erasure_the_audit_log_still_verifies_and_records_the_erasure(bob, bobs_traces):
    privacy.erase(bob.user, requested_by="member")

    count, broken, _head = audit.verify()
    assert broken is None
    his = AuditEntry.objects.get(subject="meeting:test")
    assert (his.actor_membership_id, his.actor_name, his.actor_salt) == (bob.pk, "", "")
    assert his.actor_digest  # still in the chain
    erased = AuditEntry.objects.get(action=AuditAction.PERSON_ERASED)
    assert (erased.subject, erased.actor_membership_id, erased.details) == (
        f"membership:{bob.pk}",
        None,
        {"requested_by": "member"},
    )
    # The vote's result hash still matches its (pseudonymised) result.
    vote = bobs_traces["named"]
    closed = audit.entry_for(f"vote:{vote.pk}", AuditAction.VOTE_CLOSED)
    assert closed.details["result_sha256"] == results.result_sha256(
        Vote.objects.get(pk=vote.pk).result
    )


def test_verify_notices_a_name_removed_for_someone_not_erased(bob, alice):
    audit.record(bob, AuditAction.MEETING_STARTED, "meeting:x", panel=bob.panel)

    audit.forget_actor([bob.pk])

    broken = audit.verify().broken
    assert broken is not None and broken.subject == "meeting:x"
    assert "not erased" in broken.problem


def test_verify_notices_a_changed_name(bob):
    entry = audit.record(bob, AuditAction.MEETING_STARTED, "meeting:x", panel=bob.panel)
    # Behind the application's back, as someone with database access could.
    tamper("UPDATE panels_auditentry SET actor_name = 'Iemand anders' WHERE id = %s", [entry.pk])

    broken = audit.verify().broken
    assert broken is not None and "digest" in broken.problem


def test_erasure_scrubs_invitation_emails_and_the_admin_log(alice, make_invitation, mallory):
    invitation, _ = make_invitation(email=mallory.email)
    LogEntry.objects.create(
        user_id=alice.user.pk,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(mallory.pk),
        object_repr=str(mallory),
        action_flag=CHANGE,
        change_message=f"Changed name of {mallory.name}",
    )

    privacy.erase(mallory, requested_by="staff")

    invitation.refresh_from_db()
    assert invitation.email == User.objects.get(pk=mallory.pk).email
    assert invitation.revoked_at is not None  # no longer usable by anyone
    assert mallory.email not in database_text()
    assert mallory.name not in database_text()


def test_the_last_moderator_cannot_erase_themselves_but_staff_can(alice):
    with pytest.raises(privacy.ErasureRefused):
        privacy.erase(alice.user, requested_by="member")
    assert User.objects.get(pk=alice.user.pk).erased_at is None

    privacy.erase(alice.user, requested_by="staff")
    assert User.objects.get(pk=alice.user.pk).erased_at is not None


def test_erasing_twice_changes_nothing_more(bob):
    first = privacy.erase(bob.user, requested_by="member")
    second = privacy.erase(bob.user, requested_by="member")

    assert (second.name, second.email) == (first.name, first.email)
    assert AuditEntry.objects.filter(action=AuditAction.PERSON_ERASED).count() == 1


# --- the pages -----------------------------------------------------------------------------


def test_the_account_page_offers_download_and_erasure(client_for, bob):
    page = client_for(bob).get(reverse("panels:account")).content.decode()

    assert bob.user.email in page
    assert reverse("panels:account_data") in page
    assert reverse("panels:account_delete") in page


def test_a_wrong_password_erases_nothing(client_for, bob):
    client = client_for(bob)

    response = client.post(
        reverse("panels:account_delete"), {"password": "not-it", "confirm": "on"}
    )

    assert response.status_code == 200
    assert "That is not your password." in response.content.decode()
    assert User.objects.get(pk=bob.user.pk).erased_at is None


def test_without_the_checkbox_nothing_is_erased(client_for, bob):
    response = client_for(bob).post(reverse("panels:account_delete"), {"password": PASSWORD})

    assert response.status_code == 200
    assert User.objects.get(pk=bob.user.pk).erased_at is None


def test_erasure_from_the_page_logs_the_person_out(client_for, bob):
    client = client_for(bob)

    response = client.post(
        reverse("panels:account_delete"), {"password": PASSWORD, "confirm": "on"}
    )

    assert response.status_code == 302 and response.url == reverse("login")
    assert User.objects.get(pk=bob.user.pk).erased_at is not None
    assert client.get(reverse("panels:home")).status_code == 302  # to the login page


def test_the_page_refuses_the_last_moderator_with_a_reason(client_for, alice):
    response = client_for(alice).post(
        reverse("panels:account_delete"), {"password": PASSWORD, "confirm": "on"}
    )

    assert response.status_code == 200
    assert "last moderator" in response.content.decode()
    assert User.objects.get(pk=alice.user.pk).erased_at is None


def test_password_guesses_on_the_erasure_form_are_limited(client_for, bob):
    client = client_for(bob)
    url = reverse("panels:account_delete")
    for _ in range(5):
        client.post(url, {"password": "guess", "confirm": "on"})

    response = client.post(url, {"password": PASSWORD, "confirm": "on"})

    assert "Too many attempts" in response.content.decode()
    assert User.objects.get(pk=bob.user.pk).erased_at is None


# --- retention -------------------------------------------------------------------------------


def age(user: User, days: int) -> None:
    """Make the person's account, login and membership changes `days` old."""
    then = timezone.now() - timedelta(days=days)
    User.objects.filter(pk=user.pk).update(date_joined=then, last_login=then)
    Membership.history.filter(user_id=user.pk).update(history_date=then)


def test_retention_erases_only_people_inactive_for_the_whole_period(
    alice, bob, tina, mallory, make_member
):
    gone = make_member("Gone")
    services.set_active(alice, gone, False)
    recently_gone = make_member("Recent")
    services.set_active(alice, recently_gone, False)
    staff = User.objects.create_user(email="staff@example.org", name="Staff", is_staff=True)
    for person in (gone.user, bob.user, mallory, staff):
        age(person, 800)
    age(recently_gone.user, 800)
    # The deactivation itself is recent: keep the last history row's date as it is.
    last = Membership.history.filter(user_id=recently_gone.user.pk).order_by("history_id").last()
    Membership.history.filter(history_id=last.history_id).update(history_date=timezone.now())

    erased, _ = privacy.apply_retention(730)

    assert erased == 2
    still = set(User.objects.filter(erased_at__isnull=True).values_list("email", flat=True))
    assert "gone@example.org" not in still and mallory.email not in still
    # An active member (bob), the recently departed, staff: untouched.
    assert {bob.user.email, "recent@example.org", "staff@example.org"} <= still


def test_retention_deletes_stale_invitations_with_their_history(make_invitation):
    stale, _ = make_invitation(email="never@example.org")
    fresh, _ = make_invitation(email="soon@example.org")
    Invitation.objects.filter(pk=stale.pk).update(expires_at=timezone.now() - timedelta(days=800))

    _, deleted = privacy.apply_retention(730)

    assert deleted == 1
    assert list(Invitation.objects.values_list("email", flat=True)) == ["soon@example.org"]
    assert not Invitation.history.filter(email="never@example.org").exists()


def test_the_command_counts_in_a_dry_run_and_then_erases(capsys, bob, mallory, settings):
    age(mallory, 800)

    call_command("apply_retention", "--dry-run")
    assert "1 people would be erased" in capsys.readouterr().out
    assert User.objects.get(pk=mallory.pk).erased_at is None

    call_command("apply_retention")
    assert "1 people were erased" in capsys.readouterr().out
    assert User.objects.get(pk=mallory.pk).erased_at is not None

    settings.RETENTION_DAYS = 0
    call_command("apply_retention")
    assert "Retention is off" in capsys.readouterr().out


# --- personal data kept to what is needed ----------------------------------------------------

NOT_NEEDED = ("birth", "address", "street", "postcode", "postal", "phone", "iban", "bsn")


def test_no_model_stores_birth_dates_addresses_or_phone_numbers():
    ours = [m for m in apps.get_models() if m._meta.app_label in {"panels", "voting", "agreements"}]
    fields = {
        f"{m._meta.label}.{f.name}"
        for m in ours
        for f in m._meta.get_fields()
        if any(word in f.name.lower() for word in NOT_NEEDED) and f.name != "email"
    }
    # An email address is how people log in and are invited; nothing else of the kind.
    assert fields == set()


def test_staff_erase_a_person_from_the_admin_after_confirming(client, bob):
    root = User.objects.create_superuser(email="root@example.org", password="x", name="Root")
    client.force_login(root)
    url = reverse("admin:panels_user_changelist")
    chosen = {"action": "erase_personal_data", "_selected_action": [bob.user.pk]}

    confirm = client.post(url, chosen)
    assert confirm.status_code == 200
    assert bob.user.email in confirm.content.decode()
    assert User.objects.get(pk=bob.user.pk).erased_at is None

    done = client.post(url, chosen | {"post": "yes"})
    assert done.status_code == 302
    assert User.objects.get(pk=bob.user.pk).erased_at is not None
    assert AuditEntry.objects.get(action=AuditAction.PERSON_ERASED).details == {
        "requested_by": "staff"
    }
