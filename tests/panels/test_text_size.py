"""Text size: a setting on one's own account that makes every page's text larger."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains

from panels import privacy
from panels.models import User

pytestmark = pytest.mark.django_db

URL = reverse("panels:text_size")
HTML = re.compile(r"<html\b[^>]*>")


def html_tag(response) -> str:
    return HTML.search(response.content.decode()).group(0)


def text_size_of(membership) -> str:
    return User.objects.get(pk=membership.user_id).text_size


def dutch(message: str) -> str:
    with translation.override("nl"):
        return translation.gettext(message)


def test_normal_text_has_no_class(client_for, bob):
    response = client_for(bob).get(reverse("panels:home"))

    assert html_tag(response) == '<html lang="nl">'


@pytest.mark.parametrize(
    ("size", "css_class"), [("large", "text-large"), ("very_large", "text-very-large")]
)
def test_a_chosen_size_is_saved_and_every_next_page_shows_it(
    client_for, bob, alice, size, css_class
):
    client = client_for(bob)

    response = client.post(URL, {"text_size": size})

    assert response.status_code == 302
    assert response.url == reverse("panels:account")
    assert text_size_of(bob) == size
    assert text_size_of(alice) == "normal"
    account = client.get(response.url)
    assert html_tag(account) == f'<html lang="nl" class="{css_class}">'
    assertContains(account, dutch("Your text size is saved."))
    assert css_class in html_tag(client.get(reverse("panels:detail", args=[bob.panel_id])))


def test_back_to_normal_removes_the_class(client_for, bob):
    client = client_for(bob)
    client.post(URL, {"text_size": "very_large"})

    client.post(URL, {"text_size": "normal"})

    assert text_size_of(bob) == "normal"
    assert html_tag(client.get(reverse("panels:home"))) == '<html lang="nl">'


def test_the_account_page_offers_every_size_with_the_current_one_chosen(client_for, bob):
    client = client_for(bob)
    client.post(URL, {"text_size": "large"})

    response = client.get(reverse("panels:account"))

    assertContains(response, f'<form method="post" action="{URL}" novalidate>')
    assertContains(response, 'id="text-size"')
    for value in ("normal", "large", "very_large"):
        assertContains(response, f'type="radio" name="text_size" value="{value}"')
    assert re.search(r'value="large"[^>]*checked', response.content.decode())
    assert not re.search(r'value="normal"[^>]*checked', response.content.decode())


@pytest.mark.parametrize(
    "data",
    [
        {"text_size": "huge"},
        {"text_size": "LARGE"},
        {"text_size": "very-large"},
        {"text_size": "<script>alert(1)</script>"},
        {"text_size": "x" * 100_000},
        {"text_size": ""},
        {},
    ],
    ids=["unknown", "capitals", "hyphen", "markup", "a-lot", "empty", "missing"],
)
def test_a_wrong_value_is_refused_with_a_message_and_changes_nothing(client_for, bob, data):
    client = client_for(bob)
    client.post(URL, {"text_size": "large"})

    response = client.post(URL, data, follow=True)

    assert response.redirect_chain == [(reverse("panels:account"), 302)]
    assert text_size_of(bob) == "large"
    assert "text-large" in html_tag(response)  # the page as it was
    assertContains(
        response, f'<p class="message message--error">{dutch("Choose one of the text sizes.")}</p>'
    )
    # Nothing of what was sent is shown back.
    assertNotContains(response, "<script>alert(1)")
    assertNotContains(response, "x" * 50)


def test_the_form_needs_its_csrf_token(bob):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob.user)

    response = client.post(URL, {"text_size": "large"})

    assert response.status_code == 403
    assert text_size_of(bob) == "normal"


def test_anonymous_pages_keep_the_normal_size_and_have_no_link_to_the_setting(client):
    response = client.get(reverse("login"))

    assert html_tag(response) == '<html lang="nl">'
    assertNotContains(response, "#text-size")


def test_after_logging_out_the_text_is_normal_again(client_for, bob):
    client = client_for(bob)
    client.post(URL, {"text_size": "very_large"})

    client.post(reverse("logout"))

    assert html_tag(client.get(reverse("login"))) == '<html lang="nl">'


def test_the_site_header_leads_to_the_setting(client_for, bob):
    response = client_for(bob).get(reverse("panels:home"))

    header = re.search(r'<header class="site-header">.*?</header>', response.content.decode(), re.S)
    account = reverse("panels:account")
    link = f'<a class="site-nav__text-size" href="{account}#text-size">{dutch("Text size")}</a>'
    assert link in header.group(0)


def test_the_download_of_one_s_data_says_the_text_size(client_for, bob):
    client = client_for(bob)
    client.post(URL, {"text_size": "very_large"})

    data = client.get(reverse("panels:account_data")).json()

    assert data["account"]["text_size"] == "very_large"


def test_erasure_sets_the_text_size_back_to_normal(client_for, bob):
    client_for(bob).post(URL, {"text_size": "very_large"})

    privacy.erase(User.objects.get(pk=bob.user_id), requested_by="member")

    assert text_size_of(bob) == "normal"


def test_the_user_admin_shows_the_text_size(client, bob):
    root = User.objects.create_superuser(email="root@example.org", password="x", name="Root")
    client.force_login(root)

    response = client.get(reverse("admin:panels_user_change", args=[bob.user_id]))

    assertContains(response, 'name="text_size"')
