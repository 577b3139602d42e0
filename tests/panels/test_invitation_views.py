"""Following an invitation link over HTTP: sign up, log in first, or join; and every bad link."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertTemplateUsed

from panels import services
from panels.models import Invitation, Membership, Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

User = get_user_model()

NEW_PASSWORD = "a long enough passphrase"


def link(token: str) -> str:
    return reverse("panels:invitation", args=[token])


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def message_levels(response) -> list[str]:
    return [message.level_tag for message in response.context["messages"]]


# --- someone without an account -----------------------------------------------


def test_newcomer_sees_the_sign_up_form(client, make_invitation):
    invitation, token = make_invitation(email="newcomer@example.org")

    response = client.get(link(token))

    assert response.status_code == 200
    assertTemplateUsed(response, "panels/invitation_signup.html")
    assertContains(response, invitation.email)
    assertContains(response, invitation.panel.name)
    for field in ("name", "password1", "password2"):
        assertContains(response, f'name="{field}"')


def test_newcomer_signs_up_joins_and_is_logged_in(client, make_invitation, panel):
    _, token = make_invitation(email="newcomer@example.org", role=Role.TENANT_ORG_REP)

    response = client.post(
        link(token),
        {"name": "Nieuwe Huurder", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response.url == panel.get_absolute_url()
    user = User.objects.get(email="newcomer@example.org")
    assert user.name == "Nieuwe Huurder"
    assert is_logged_in(client)
    assert int(client.session["_auth_user_id"]) == user.pk
    membership = Membership.objects.get(panel=panel, user=user)
    assert membership.role == Role.TENANT_ORG_REP
    assert client.get(response.url).status_code == 200


def test_newcomer_can_log_in_later_with_the_chosen_password(client, make_invitation):
    _, token = make_invitation(email="newcomer@example.org")
    client.post(
        link(token),
        {"name": "Nieuwe Huurder", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    client.logout()

    response = client.post(
        reverse("login"), {"username": "Newcomer@Example.org", "password": NEW_PASSWORD}
    )

    assert response.status_code == 302
    assert is_logged_in(client)


@pytest.mark.parametrize(
    "data",
    [
        {"name": "Nieuwe Huurder", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "!"},
        {"name": "Nieuwe Huurder", "password1": "12345678", "password2": "12345678"},
        {"name": "Nieuwe Huurder", "password1": "kort", "password2": "kort"},
        {"name": "Nieuwe Huurder", "password1": "newcomer", "password2": "newcomer"},
        {"name": "", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        {"name": "    ", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        {"name": "Nieuwe Huurder", "password1": "", "password2": ""},
    ],
    ids=[
        "passwords-differ",
        "numeric-password",
        "short-password",
        "password-like-email",
        "empty-name",
        "blank-name",
        "no-password",
    ],
)
def test_bad_sign_up_is_shown_again_and_creates_nothing(client, make_invitation, data):
    invitation, token = make_invitation(email="newcomer@example.org")
    users_before = User.objects.count()

    response = client.post(link(token), data)

    assert response.status_code == 400
    assertTemplateUsed(response, "panels/invitation_signup.html")
    assert response.context["form"].errors
    assert User.objects.count() == users_before
    assert not is_logged_in(client)
    invitation.refresh_from_db()
    assert invitation.is_pending


# --- someone with an account who is not logged in -----------------------------


def test_existing_account_is_asked_to_log_in_first(client, make_invitation, mallory):
    _, token = make_invitation(email=mallory.email)

    response = client.get(link(token))

    assert response.status_code == 200
    assertTemplateUsed(response, "panels/invitation_login.html")
    assertContains(response, f'href="{reverse("login")}?next={link(token)}"')
    assertContains(response, mallory.email)


def test_existing_account_posting_anonymously_creates_nothing(client, make_invitation, mallory):
    invitation, token = make_invitation(email=mallory.email)

    response = client.post(
        link(token), {"name": "Impostor", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    assertTemplateUsed(response, "panels/invitation_login.html")
    assert not is_logged_in(client)
    assert not Membership.objects.filter(user=mallory).exists()
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_existing_account_logs_in_and_comes_back_to_join(client, make_invitation, mallory, panel):
    _, token = make_invitation(email=mallory.email, role=Role.OBSERVER)

    response = client.post(
        reverse("login"),
        {"username": mallory.email, "password": PASSWORD, "next": link(token)},
    )
    assert response.status_code == 302
    assert response.url == link(token)
    assertTemplateUsed(client.get(response.url), "panels/invitation_accept.html")
    response = client.post(link(token))

    assert response.status_code == 302
    assert Membership.objects.get(panel=panel, user=mallory).role == Role.OBSERVER


# --- someone who is logged in -------------------------------------------------


def test_logged_in_person_sees_the_accept_page(client_for, make_invitation, mallory):
    invitation, token = make_invitation(email=mallory.email)

    response = client_for(mallory).get(link(token))

    assert response.status_code == 200
    assertTemplateUsed(response, "panels/invitation_accept.html")
    assertContains(response, invitation.panel.name)
    assert not Membership.objects.filter(user=mallory).exists(), "a GET must not join"


def test_logged_in_person_joins_by_posting(client_for, make_invitation, mallory, panel):
    _, token = make_invitation(email=mallory.email, role=Role.CORPORATION_REP)

    response = client_for(mallory).post(link(token))

    assert response.status_code == 302
    assert response.url == panel.get_absolute_url()
    membership = Membership.objects.get(panel=panel, user=mallory)
    assert membership.role == Role.CORPORATION_REP
    assert membership.is_active


def test_logged_in_person_may_join_with_an_invitation_for_another_address(
    client_for, make_invitation, oscar, panel
):
    """The accept page says which account the panel is added to; that is the person's choice."""
    _, token = make_invitation(email="oscar.private@example.org")

    client_for(oscar).post(link(token))

    assert Membership.objects.filter(panel=panel, user=oscar.user).exists()


def test_member_posting_again_sees_a_message_and_nothing_changes(client_for, make_invitation, bob):
    invitation, token = make_invitation(email=bob.user.email, role=Role.MODERATOR)

    response = client_for(bob).post(link(token), follow=True)

    assert response.redirect_chain[0] == (reverse("panels:home"), 302)
    assert message_levels(response) == ["error"]
    bob.refresh_from_db()
    assert bob.role == Role.MEMBER
    assert Membership.objects.filter(user=bob.user).count() == 1
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_invitation_used_twice_in_a_row_shows_the_used_page(client_for, make_invitation, mallory):
    _, token = make_invitation(email=mallory.email)
    client = client_for(mallory)

    first = client.post(link(token))
    second = client.post(link(token))

    assert first.status_code == 302
    assert second.status_code == 410
    assert second.context["reason"] == "used"
    assert Membership.objects.filter(user=mallory).count() == 1


def test_sign_up_link_used_twice_shows_the_used_page(client, make_invitation):
    _, token = make_invitation(email="newcomer@example.org")
    data = {"name": "Nieuwe Huurder", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}

    first = client.post(link(token), data)
    second = client.post(link(token), data)

    assert first.status_code == 302
    assert second.status_code == 410
    assert second.context["reason"] == "used"
    assert User.objects.filter(email="newcomer@example.org").count() == 1


def test_link_revoked_while_the_page_was_open_is_refused(
    client_for, make_invitation, mallory, alice
):
    invitation, token = make_invitation(email=mallory.email)
    client = client_for(mallory)
    assert client.get(link(token)).status_code == 200

    services.revoke_invitation(alice, invitation)
    response = client.post(link(token))

    assert response.status_code == 410
    assert response.context["reason"] == "revoked"
    assert not Membership.objects.filter(user=mallory).exists()


# --- bad links ----------------------------------------------------------------


def tampered(token: str) -> str:
    """The same token with one character changed."""
    replacement = "A" if token[5] != "A" else "B"
    return token[:5] + replacement + token[6:]


def make_bad_link(kind: str, make_invitation, alice, mallory) -> str:
    """A link of the given kind; the invitation behind it (if any) is for a newcomer."""
    if kind == "expired":
        _, token = make_invitation(expires_at=timezone.now() - timedelta(minutes=1))
        return link(token)
    invitation, token = make_invitation()
    if kind == "used":
        services.accept_invitation(token, mallory)
    elif kind == "revoked":
        services.revoke_invitation(alice, invitation)
    elif kind == "tampered":
        return link(tampered(token))
    elif kind == "unknown":
        return link(Invitation.new_token()[0])
    elif kind == "absurdly-long":
        return link(token * 300)
    elif kind == "empty-ish":
        return link("-")
    else:
        raise AssertionError(kind)
    return link(token)


# Raw paths (already percent-encoded) that no invitation can have.
ODD_PATHS = {
    "nul-byte": "/invitations/%00/",
    "invalid-utf8": "/invitations/%FF%FE/",
    "emoji": "/invitations/%F0%9F%98%80/",
    "unicode": "/invitations/%C3%BCn%C3%AFc%C3%B8d%C3%A9/",
    "html": "/invitations/%3Cscript%3Ealert(1)%3C%2Fscript%3E/",
    "slash-inside": "/invitations/abc%2Fdef/",
    "dots": "/invitations/..%2F..%2Fadmin/",
    "quote": "/invitations/'%20OR%201=1--/",
}

BAD_LINKS = {
    "unknown": ("unknown", 404),
    "tampered": ("unknown", 404),
    "absurdly-long": ("unknown", 404),
    "empty-ish": ("unknown", 404),
    "expired": ("expired", 410),
    "used": ("used", 410),
    "revoked": ("revoked", 410),
}


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged-in"])
@pytest.mark.parametrize("kind", BAD_LINKS)
def test_bad_link_gives_a_clear_page(
    client, make_invitation, alice, mallory, oscar, kind, logged_in, method
):
    url = make_bad_link(kind, make_invitation, alice, mallory)
    reason, status = BAD_LINKS[kind]
    if logged_in:
        client.force_login(oscar.user)
    memberships_before = Membership.objects.count()

    response = getattr(client, method)(url)

    assert response.status_code == status
    assertTemplateUsed(response, "panels/invitation_invalid.html")
    assert response.context["reason"] == reason
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        words = escape(services.InvitationInvalid(reason))
    assertContains(response, words, status_code=status)
    assert Membership.objects.count() == memberships_before


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("path", ODD_PATHS.values(), ids=ODD_PATHS.keys())
def test_odd_characters_in_a_link_give_not_found(client, make_invitation, path, method):
    make_invitation()
    memberships_before = Membership.objects.count()

    response = getattr(client, method)(path)

    assert response.status_code == 404
    assert Membership.objects.count() == memberships_before
