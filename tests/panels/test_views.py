"""The panel pages: my panels, a panel, managing members; and the language switch."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertTemplateUsed

from panels.models import Invitation, Membership, Role
from tests.conftest import PASSWORD
from tests.helpers import invitation_token_in

pytestmark = pytest.mark.django_db


def members_url(panel) -> str:
    return reverse("panels:members", args=[panel.pk])


def message_levels(response) -> list[str]:
    return [message.level_tag for message in response.context["messages"]]


# --- my panels --------------------------------------------------------------------


def test_home_lists_the_panels_i_am_an_active_member_of(client_for, bob, other_panel, panel):
    Membership.objects.create(panel=other_panel, user=bob.user, is_active=False)

    response = client_for(bob).get(reverse("panels:home"))

    assert response.status_code == 200
    assert [m.panel for m in response.context["memberships"]] == [panel]
    assertContains(response, panel.get_absolute_url())
    assertNotContains(response, other_panel.get_absolute_url())


def test_home_of_someone_in_no_panel_lists_nothing(client_for, mallory, panel):
    response = client_for(mallory).get(reverse("panels:home"))

    assert response.status_code == 200
    assert list(response.context["memberships"]) == []
    assertNotContains(response, panel.get_absolute_url())


def test_home_asks_an_anonymous_visitor_to_log_in(client):
    response = client.get(reverse("panels:home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- a panel ----------------------------------------------------------------------


def test_panel_page_shows_active_members_by_name(client_for, alice, bob, nora, olga):
    olga.is_active = False
    olga.save()

    response = client_for(bob).get(reverse("panels:detail", args=[bob.panel.pk]))

    assert response.status_code == 200
    for person in (alice, bob, nora):
        assertContains(response, person.user.name)
    assertNotContains(response, olga.user.name)


@pytest.mark.parametrize("persona", ["bob", "olga", "carl", "alice"])
def test_panel_page_shows_no_email_addresses(request, client_for, persona, alice, bob, nora):
    viewer = request.getfixturevalue(persona)

    response = client_for(viewer).get(reverse("panels:detail", args=[viewer.panel.pk]))

    for person in (alice, bob, nora):
        assertNotContains(response, person.user.email)


def test_panel_page_offers_member_management_only_to_moderators(client_for, alice, bob):
    link = f'href="{members_url(alice.panel)}"'

    assertContains(client_for(alice).get(reverse("panels:detail", args=[alice.panel.pk])), link)
    assertNotContains(client_for(bob).get(reverse("panels:detail", args=[bob.panel.pk])), link)


# --- managing members -----------------------------------------------------------------


def test_moderator_sees_members_with_their_email_addresses(client_for, alice, bob, nora):
    nora.is_active = False
    nora.save()

    response = client_for(alice).get(members_url(alice.panel))

    assert response.status_code == 200
    assertTemplateUsed(response, "panels/members.html")
    for person in (alice, bob, nora):
        assertContains(response, person.user.email)


def test_members_page_lists_only_pending_invitations(client_for, alice, make_invitation):
    make_invitation(email="pending@example.org")
    revoked, _ = make_invitation(email="revoked@example.org")
    revoked.revoked_at = revoked.created_at
    revoked.save()

    response = client_for(alice).get(members_url(alice.panel))

    assert [i.email for i in response.context["invitations"]] == ["pending@example.org"]
    assertNotContains(response, "revoked@example.org")


def test_moderator_invites_through_the_members_page(
    client_for, alice, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(
            members_url(alice.panel),
            {"email": "Newcomer@Example.org", "role": Role.OBSERVER, "has_voting_rights": ""},
        )

    assert response.status_code == 302
    assert response.url == members_url(alice.panel)
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.has_voting_rights) == (
        "newcomer@example.org",
        Role.OBSERVER,
        False,
    )
    (message,) = mailoutbox
    assert message.to == ["newcomer@example.org"]
    assert Invitation.objects.get_by_token(invitation_token_in(message.body)) == invitation


@pytest.mark.parametrize(("choice", "votes"), [("yes", True), ("no", False)])
def test_moderator_can_set_voting_rights_when_inviting(client_for, alice, choice, votes):
    client_for(alice).post(
        members_url(alice.panel),
        {"email": "newcomer@example.org", "role": Role.MEMBER, "has_voting_rights": choice},
    )

    assert Invitation.objects.get().has_voting_rights is votes


@pytest.mark.parametrize(
    "data",
    [
        {"email": "not-an-address", "role": Role.MEMBER},
        {"email": "", "role": Role.MEMBER},
        {"email": "newcomer@example.org", "role": "dictator"},
        {"email": "newcomer@example.org", "role": Role.MEMBER, "has_voting_rights": "maybe"},
    ],
    ids=["bad-email", "no-email", "unknown-role", "bad-voting-rights"],
)
def test_invalid_invitation_is_shown_again(
    client_for, alice, data, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(members_url(alice.panel), data)

    assert response.status_code == 400
    assert response.context["invite_form"].errors
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_inviting_an_existing_member_is_shown_as_a_form_error(client_for, alice, bob, mailoutbox):
    response = client_for(alice).post(
        members_url(alice.panel), {"email": bob.user.email, "role": Role.MEMBER}
    )

    assert response.status_code == 400
    assert response.context["invite_form"].errors["email"]
    assert not Invitation.objects.exists()


def test_moderator_changes_a_role(client_for, alice, bob):
    response = client_for(alice).post(
        reverse("panels:member_update", args=[alice.panel.pk, bob.pk]),
        {f"m{bob.pk}-role": Role.TENANT_ORG_REP, f"m{bob.pk}-has_voting_rights": "on"},
        follow=True,
    )

    assert response.redirect_chain == [(members_url(alice.panel), 302)]
    assert message_levels(response) == ["success"]
    bob.refresh_from_db()
    assert (bob.role, bob.has_voting_rights) == (Role.TENANT_ORG_REP, True)
    assert bob.history.first().history_user == alice.user


def test_unchecked_voting_rights_take_them_away(client_for, alice, bob):
    client_for(alice).post(
        reverse("panels:member_update", args=[alice.panel.pk, bob.pk]),
        {f"m{bob.pk}-role": Role.MEMBER},
    )

    bob.refresh_from_db()
    assert (bob.role, bob.has_voting_rights) == (Role.MEMBER, False)


def test_invalid_role_shows_an_error_and_changes_nothing(client_for, alice, bob):
    response = client_for(alice).post(
        reverse("panels:member_update", args=[alice.panel.pk, bob.pk]),
        {f"m{bob.pk}-role": "dictator", f"m{bob.pk}-has_voting_rights": "on"},
        follow=True,
    )

    assert message_levels(response) == ["error"]
    bob.refresh_from_db()
    assert bob.role == Role.MEMBER


def test_moderator_deactivates_and_reactivates_a_member(client_for, alice, bob):
    client = client_for(alice)
    url = reverse("panels:member_set_active", args=[alice.panel.pk, bob.pk])

    response = client.post(url, {"active": "0"}, follow=True)
    bob.refresh_from_db()
    assert message_levels(response) == ["success"]
    assert not bob.is_active

    client.post(url, {"active": "1"})
    bob.refresh_from_db()
    assert bob.is_active


def test_deactivating_the_last_moderator_shows_an_error_and_changes_nothing(client_for, alice, bob):
    response = client_for(alice).post(
        reverse("panels:member_set_active", args=[alice.panel.pk, alice.pk]),
        {"active": "0"},
        follow=True,
    )

    assert response.redirect_chain == [(members_url(alice.panel), 302)]
    assert message_levels(response) == ["error"]
    alice.refresh_from_db()
    assert alice.is_active
    assert alice.role == Role.MODERATOR


def test_demoting_the_last_moderator_shows_an_error_and_changes_nothing(client_for, alice):
    response = client_for(alice).post(
        reverse("panels:member_update", args=[alice.panel.pk, alice.pk]),
        {f"m{alice.pk}-role": Role.MEMBER, f"m{alice.pk}-has_voting_rights": "on"},
        follow=True,
    )

    assert message_levels(response) == ["error"]
    alice.refresh_from_db()
    assert alice.role == Role.MODERATOR


def test_moderator_withdraws_an_invitation(client_for, alice, make_invitation):
    invitation, _ = make_invitation()

    response = client_for(alice).post(
        reverse("panels:invitation_revoke", args=[alice.panel.pk, invitation.pk]), follow=True
    )

    assert message_levels(response) == ["success"]
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_withdrawing_a_used_invitation_shows_an_error(client_for, alice, make_invitation):
    invitation, _ = make_invitation()
    invitation.accepted_at = invitation.created_at
    invitation.save()

    response = client_for(alice).post(
        reverse("panels:invitation_revoke", args=[alice.panel.pk, invitation.pk]), follow=True
    )

    assert message_levels(response) == ["error"]
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


# --- logging in ---------------------------------------------------------------------


def test_login_ignores_the_case_of_the_email_address(client, bob):
    response = client.post(
        reverse("login"), {"username": bob.user.email.upper(), "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("panels:home")


def test_login_with_a_wrong_password_is_refused(client, bob):
    response = client.post(reverse("login"), {"username": bob.user.email, "password": "nope"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


# --- language -------------------------------------------------------------------------


def test_site_is_dutch_by_default(client):
    page = client.get(reverse("login"))
    refused = client.post(reverse("login"), {"username": "", "password": ""})

    assertContains(page, '<html lang="nl">')
    assertContains(refused, "Dit veld is verplicht.")


def test_language_switch_shows_the_site_in_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    assert response.url == reverse("login")

    page = client.get(reverse("login"))
    refused = client.post(reverse("login"), {"username": "", "password": ""})

    assertContains(page, '<html lang="en">')
    assertContains(page, "Log in with the email address and password of your Knoppen account.")
    assertContains(refused, "This field is required.")
    assertNotContains(refused, "Dit veld is verplicht.")
