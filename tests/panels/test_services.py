"""The rules for inviting people and managing their place in a panel."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from panels import services
from panels.models import Invitation, Membership, Role
from panels.services import InvitationInvalid, PanelError
from tests.helpers import invitation_token_in

pytestmark = pytest.mark.django_db

User = get_user_model()

NON_MODERATORS = ["bob", "nora", "olga", "carl", "tina"]


class Boom(Exception):
    pass


# --- invite -----------------------------------------------------------------


def test_moderator_can_invite(alice, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite(alice, "Newcomer@Example.org", Role.MEMBER)

    invitation.refresh_from_db()
    assert invitation.panel == alice.panel
    assert invitation.email == "newcomer@example.org"
    assert invitation.role == Role.MEMBER
    assert invitation.invited_by == alice.user
    assert invitation.is_pending
    assert [m.to for m in mailoutbox] == [["newcomer@example.org"]]


@pytest.mark.parametrize("persona", NON_MODERATORS)
def test_only_moderators_can_invite(request, persona, mailoutbox):
    actor = request.getfixturevalue(persona)

    with pytest.raises(PanelError):
        services.invite(actor, "newcomer@example.org", Role.MEMBER)

    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_deactivated_moderator_cannot_invite(alice, martin):
    alice.is_active = False
    alice.save()

    with pytest.raises(PanelError):
        services.invite(alice, "newcomer@example.org", Role.MEMBER)

    assert not Invitation.objects.exists()


def test_moderator_cannot_invite_an_active_member(alice, bob, mailoutbox):
    with pytest.raises(PanelError, match="bob@example.org"):
        services.invite(alice, bob.user.email.upper(), Role.OBSERVER)

    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_moderator_can_invite_a_deactivated_member_back(alice, nora):
    nora.is_active = False
    nora.save()

    invitation = services.invite(alice, nora.user.email, Role.MEMBER)

    assert invitation.is_pending


def test_second_invitation_to_an_address_revokes_the_first(
    alice, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.invite(alice, "newcomer@example.org", Role.MEMBER)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.invite(alice, "NEWCOMER@example.org", Role.OBSERVER)
    first_token, second_token = (invitation_token_in(m.body) for m in mailoutbox)

    first.refresh_from_db()
    assert first.revoked_at is not None
    assert first.history.first().history_change_reason == "replaced by a new invitation"
    with pytest.raises(InvitationInvalid) as error:
        services.check_invitation(first_token)
    assert error.value.reason == "revoked"
    assert services.check_invitation(second_token) == second
    assert list(Invitation.objects.pending()) == [second]


def test_invitation_in_another_panel_is_not_revoked_by_a_new_one(alice, oscar):
    elsewhere = services.invite(oscar, "newcomer@example.org", Role.MEMBER)

    services.invite(alice, "newcomer@example.org", Role.MEMBER)

    elsewhere.refresh_from_db()
    assert elsewhere.is_pending


# Voting rights follow the role unless the moderator says otherwise (DESIGN: observers never vote,
# the corporation's representative takes part but does not vote by default).
VOTES_BY_DEFAULT = {
    Role.MEMBER: True,
    Role.MODERATOR: True,
    Role.TENANT_ORG_REP: True,
    Role.CORPORATION_REP: False,
    Role.OBSERVER: False,
}


def test_default_voting_table_covers_every_role():
    assert set(VOTES_BY_DEFAULT) == set(Role)


@pytest.mark.parametrize(("role", "votes"), VOTES_BY_DEFAULT.items(), ids=VOTES_BY_DEFAULT.keys())
def test_voting_rights_default_from_the_role(alice, role, votes):
    invitation = services.invite(alice, "newcomer@example.org", role)

    assert invitation.has_voting_rights is votes
    assert (role in services.ROLES_VOTING_BY_DEFAULT) is votes


@pytest.mark.parametrize(
    ("role", "explicit"),
    [(Role.MEMBER, False), (Role.CORPORATION_REP, True), (Role.TENANT_ORG_REP, False)],
)
def test_explicit_voting_rights_are_honoured(alice, role, explicit):
    invitation = services.invite(alice, "newcomer@example.org", role, has_voting_rights=explicit)

    invitation.refresh_from_db()
    assert invitation.has_voting_rights is explicit


def test_invitation_expires_after_the_configured_number_of_days(alice, settings):
    settings.INVITATION_VALID_DAYS = 3
    before = timezone.now()

    invitation = services.invite(alice, "newcomer@example.org", Role.MEMBER)

    assert before + timedelta(days=3) <= invitation.expires_at <= timezone.now() + timedelta(days=3)


def test_invitation_email_is_sent_only_after_commit(
    alice, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.invite(alice, "newcomer@example.org", Role.MEMBER)
        assert mailoutbox == [], "sent before the transaction committed"

    assert len(callbacks) == 1
    assert len(mailoutbox) == 1


def test_invitation_email_links_to_the_invitation(
    alice, django_capture_on_commit_callbacks, mailoutbox, settings
):
    settings.SITE_URL = "https://knoppen.example.nl"
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite(alice, "newcomer@example.org", Role.MEMBER)

    (message,) = mailoutbox
    token = invitation_token_in(message.body)
    assert services.check_invitation(token) == invitation
    assert alice.panel.name in message.subject
    assert alice.user.name in message.body


def test_invitation_token_is_not_stored(alice, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite(alice, "newcomer@example.org", Role.MEMBER)
    token = invitation_token_in(mailoutbox[0].body)

    invitation.refresh_from_db()
    assert token not in invitation.token_hash
    assert not Invitation.objects.filter(token_hash=token).exists()


def test_nothing_is_sent_when_the_transaction_rolls_back(
    alice, django_capture_on_commit_callbacks, mailoutbox
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        services.invite(alice, "newcomer@example.org", Role.MEMBER)
        raise Boom

    assert callbacks == []
    assert mailoutbox == []
    assert not Invitation.objects.exists()


# --- revoke_invitation ------------------------------------------------------


def test_moderator_can_revoke_an_invitation(alice, make_invitation):
    invitation, token = make_invitation()

    services.revoke_invitation(alice, invitation)

    with pytest.raises(InvitationInvalid) as error:
        services.check_invitation(token)
    assert error.value.reason == "revoked"


@pytest.mark.parametrize("persona", NON_MODERATORS)
def test_only_moderators_can_revoke(request, persona, make_invitation):
    actor = request.getfixturevalue(persona)
    invitation, _ = make_invitation()

    with pytest.raises(PanelError):
        services.revoke_invitation(actor, invitation)

    invitation.refresh_from_db()
    assert invitation.is_pending


def test_moderator_of_another_panel_cannot_revoke(oscar, make_invitation):
    invitation, _ = make_invitation()

    with pytest.raises((Invitation.DoesNotExist, PanelError)):
        services.revoke_invitation(oscar, invitation)

    invitation.refresh_from_db()
    assert invitation.is_pending


def test_used_invitation_cannot_be_revoked(alice, mallory, make_invitation):
    invitation, token = make_invitation()
    services.accept_invitation(token, mallory)

    with pytest.raises(PanelError):
        services.revoke_invitation(alice, invitation)

    invitation.refresh_from_db()
    assert invitation.revoked_at is None


# --- check_invitation -------------------------------------------------------


def test_check_invitation_finds_a_pending_invitation(make_invitation):
    invitation, token = make_invitation()

    assert services.check_invitation(token) == invitation


def test_check_invitation_refuses_an_unknown_token(make_invitation):
    make_invitation()

    with pytest.raises(InvitationInvalid) as error:
        services.check_invitation(Invitation.new_token()[0])

    assert error.value.reason == "unknown"


def test_check_invitation_refuses_an_expired_invitation(make_invitation):
    _, token = make_invitation(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(InvitationInvalid) as error:
        services.check_invitation(token)

    assert error.value.reason == "expired"


def test_check_invitation_refuses_a_used_invitation(make_invitation, mallory):
    _, token = make_invitation()
    services.accept_invitation(token, mallory)

    with pytest.raises(InvitationInvalid) as error:
        services.check_invitation(token)

    assert error.value.reason == "used"


def test_check_invitation_refuses_a_revoked_invitation(alice, make_invitation):
    invitation, token = make_invitation()
    services.revoke_invitation(alice, invitation)

    with pytest.raises(InvitationInvalid) as error:
        services.check_invitation(token)

    assert error.value.reason == "revoked"


def test_invitation_invalid_says_why_in_words():
    for reason in ("unknown", "expired", "used", "revoked"):
        assert str(InvitationInvalid(reason)) == str(InvitationInvalid.MESSAGES[reason])


# --- accept_invitation ------------------------------------------------------


@pytest.mark.parametrize(("role", "votes"), [(Role.OBSERVER, False), (Role.TENANT_ORG_REP, True)])
def test_accepting_creates_membership_with_the_invited_role(
    make_invitation, mallory, panel, role, votes
):
    invitation, token = make_invitation(email=mallory.email, role=role, has_voting_rights=votes)

    membership = services.accept_invitation(token, mallory)

    membership.refresh_from_db()
    assert (membership.panel, membership.user) == (panel, mallory)
    assert membership.role == role
    assert membership.has_voting_rights is votes
    assert membership.is_active
    invitation.refresh_from_db()
    assert invitation.accepted_by == mallory
    assert invitation.accepted_at is not None


def test_accepting_records_who_joined_in_the_history(make_invitation, mallory):
    _, token = make_invitation()

    membership = services.accept_invitation(token, mallory)

    record = membership.history.first()
    assert record.history_user == mallory
    assert record.history_change_reason == "joined by invitation"


def test_accepting_reactivates_an_inactive_membership(alice, nora, make_invitation):
    services.set_active(alice, nora, False)
    _, token = make_invitation(email=nora.user.email, role=Role.OBSERVER, has_voting_rights=False)

    membership = services.accept_invitation(token, nora.user)

    assert membership.pk == nora.pk
    nora.refresh_from_db()
    assert nora.is_active
    assert nora.role == Role.OBSERVER
    assert Membership.objects.filter(panel=nora.panel, user=nora.user).count() == 1


def test_active_member_cannot_accept_and_the_link_stays_usable(bob, make_invitation):
    invitation, token = make_invitation(email=bob.user.email, role=Role.MODERATOR)

    with pytest.raises(PanelError):
        services.accept_invitation(token, bob.user)

    bob.refresh_from_db()
    assert bob.role == Role.MEMBER
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_an_invitation_link_works_once(make_invitation, mallory, oscar, panel):
    _, token = make_invitation()
    services.accept_invitation(token, mallory)

    with pytest.raises(InvitationInvalid) as error:
        services.accept_invitation(token, oscar.user)

    assert error.value.reason == "used"
    assert not Membership.objects.filter(panel=panel, user=oscar.user).exists()


def test_accepting_a_revoked_invitation_is_refused(alice, make_invitation, mallory, panel):
    invitation, token = make_invitation()
    services.revoke_invitation(alice, invitation)

    with pytest.raises(InvitationInvalid):
        services.accept_invitation(token, mallory)

    assert not Membership.objects.filter(panel=panel, user=mallory).exists()


# --- accept_invitation_with_new_account ---------------------------------------


def test_new_account_gets_the_invited_email_and_joins(make_invitation, panel):
    invitation, token = make_invitation(email="newcomer@example.org", role=Role.CORPORATION_REP)

    user, membership = services.accept_invitation_with_new_account(
        token, "Nieuwe Huurder", "a long enough passphrase"
    )

    user.refresh_from_db()
    assert user.email == invitation.email
    assert user.name == "Nieuwe Huurder"
    assert user.check_password("a long enough passphrase")
    assert (membership.panel, membership.user, membership.role) == (
        panel,
        user,
        Role.CORPORATION_REP,
    )


def test_new_account_is_refused_when_the_address_has_an_account(make_invitation, mallory):
    invitation, token = make_invitation(email=mallory.email.upper())
    users_before = User.objects.count()

    with pytest.raises(PanelError):
        services.accept_invitation_with_new_account(token, "Mallory Again", "another passphrase")

    assert User.objects.count() == users_before
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_new_account_is_refused_for_a_used_link(make_invitation, mallory):
    _, token = make_invitation(email="newcomer@example.org")
    services.accept_invitation(token, mallory)
    users_before = User.objects.count()

    with pytest.raises(InvitationInvalid):
        services.accept_invitation_with_new_account(token, "Late", "a long enough passphrase")

    assert User.objects.count() == users_before


# --- change_role ------------------------------------------------------------


def test_moderator_can_change_a_role(alice, bob):
    services.change_role(alice, bob, Role.OBSERVER, has_voting_rights=False)

    bob.refresh_from_db()
    assert (bob.role, bob.has_voting_rights) == (Role.OBSERVER, False)


def test_change_role_is_recorded_with_the_acting_moderator(alice, bob):
    services.change_role(alice, bob, Role.TENANT_ORG_REP, has_voting_rights=True)

    record = bob.history.first()
    assert record.history_user == alice.user
    assert record.history_change_reason == "role changed"
    assert record.role == Role.TENANT_ORG_REP


@pytest.mark.parametrize("persona", NON_MODERATORS)
def test_only_moderators_can_change_roles(request, persona, alice):
    actor = request.getfixturevalue(persona)

    with pytest.raises(PanelError):
        services.change_role(actor, alice, Role.MEMBER, has_voting_rights=True)
    with pytest.raises(PanelError):
        services.change_role(actor, actor, Role.MODERATOR, has_voting_rights=True)

    alice.refresh_from_db()
    actor.refresh_from_db()
    assert alice.role == Role.MODERATOR
    assert actor.role != Role.MODERATOR


def test_last_moderator_cannot_step_down(alice):
    with pytest.raises(PanelError):
        services.change_role(alice, alice, Role.MEMBER, has_voting_rights=True)

    alice.refresh_from_db()
    assert alice.role == Role.MODERATOR


def test_last_moderator_may_change_own_voting_rights(alice):
    services.change_role(alice, alice, Role.MODERATOR, has_voting_rights=False)

    alice.refresh_from_db()
    assert (alice.role, alice.has_voting_rights) == (Role.MODERATOR, False)


def test_moderator_can_step_down_when_another_moderator_exists(alice, martin):
    services.change_role(alice, alice, Role.MEMBER, has_voting_rights=True)

    alice.refresh_from_db()
    assert alice.role == Role.MEMBER


def test_a_deactivated_moderator_does_not_count_as_another_moderator(alice, martin):
    services.set_active(alice, martin, False)

    with pytest.raises(PanelError):
        services.change_role(alice, alice, Role.MEMBER, has_voting_rights=True)


def test_a_moderator_with_a_disabled_account_does_not_count(alice, martin):
    martin.user.is_active = False
    martin.user.save()

    with pytest.raises(PanelError):
        services.change_role(alice, alice, Role.MEMBER, has_voting_rights=True)


def test_moderator_of_another_panel_cannot_change_roles_here(oscar, bob):
    with pytest.raises((Membership.DoesNotExist, PanelError)):
        services.change_role(oscar, bob, Role.MODERATOR, has_voting_rights=True)

    bob.refresh_from_db()
    assert bob.role == Role.MEMBER


def test_unchanged_role_writes_no_history(alice, bob):
    records_before = bob.history.count()

    services.change_role(alice, bob, bob.role, has_voting_rights=bob.has_voting_rights)

    assert bob.history.count() == records_before


# --- set_active -------------------------------------------------------------


def test_moderator_can_deactivate_and_reactivate_a_member(alice, bob):
    services.set_active(alice, bob, False)
    bob.refresh_from_db()
    assert not bob.is_active
    assert bob.history.first().history_change_reason == "deactivated"
    assert bob.history.first().history_user == alice.user

    services.set_active(alice, bob, True)
    bob.refresh_from_db()
    assert bob.is_active
    assert bob.history.first().history_change_reason == "reactivated"


@pytest.mark.parametrize("persona", NON_MODERATORS)
def test_only_moderators_can_deactivate(request, persona, bob, alice):
    actor = request.getfixturevalue(persona)
    target = alice if actor == bob else bob

    with pytest.raises(PanelError):
        services.set_active(actor, target, False)

    target.refresh_from_db()
    assert target.is_active


def test_last_moderator_cannot_be_deactivated(alice):
    with pytest.raises(PanelError):
        services.set_active(alice, alice, False)

    alice.refresh_from_db()
    assert alice.is_active


def test_moderator_can_be_deactivated_when_another_moderator_exists(alice, martin):
    services.set_active(alice, martin, False)

    martin.refresh_from_db()
    assert not martin.is_active


def test_moderator_of_another_panel_cannot_deactivate_here(oscar, bob):
    with pytest.raises((Membership.DoesNotExist, PanelError)):
        services.set_active(oscar, bob, False)

    bob.refresh_from_db()
    assert bob.is_active
