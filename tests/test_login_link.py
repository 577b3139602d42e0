"""Log in with a link by email: it works once, within 15 minutes, and then never again.

Asking gets the same answer whether or not the address has an account, and is counted
with the password-reset links per address typed and per network (panels/login_links.py).
"""

import re
import time
from types import SimpleNamespace
from unittest import mock

import pytest
import sesame.tokens_v2
import sesame.utils
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from panels import login_limits, login_links
from panels.models import User
from tests.conftest import PASSWORD, make_user
from tests.test_realtime_services import at_once, needs_postgres

pytestmark = pytest.mark.django_db

ASK = reverse("panels:login_link")
USE = reverse("panels:login_link_use")
SENT = "If an account exists for that address, we have sent a link to log in."
DEAD = "This link has expired or was used already."
SUBJECT = "Your login link for Knoppen"


@pytest.fixture
def dana() -> User:
    return make_user("dana@example.org", "Dana")


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks):
    """Ask for a link as a browser in English would; the email goes out after commit."""

    def ask(email: str, address: str = "192.0.2.1", next: str = "", **headers):
        data = {"email": email, "next": next}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(ASK, data, REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en", **headers)

    return ask


def token_in(message) -> str:
    url = re.search(r"http://testserver\S+", message.body).group()
    assert url.startswith("http://testserver" + USE + "?sesame=")
    return re.search(r"sesame=([A-Za-z0-9_-]+)", url).group(1)


def without_csrf_tokens(response) -> str:
    return re.sub(r"[A-Za-z0-9]{64}", "", response.content.decode())


def logged_in(client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id else None


def use(client, token: str):
    return client.post(USE, {"sesame": token}, HTTP_ACCEPT_LANGUAGE="en")


def test_it_sends_one_link_in_the_person_s_language(ask, dana):
    eddie = make_user("eddie@example.org", "Eddie")
    User.objects.filter(pk=eddie.pk).update(language="en")

    ask("Dana@Example.org ")
    ask("eddie@example.org")

    dutch, english = mail.outbox
    assert (dutch.to, english.to) == (["dana@example.org"], ["eddie@example.org"])
    assert dutch.extra_headers["Content-Language"] == "nl" and dutch.body.startswith("Hallo,")
    with translation.override("nl"):
        assert dutch.subject == translation.gettext(SUBJECT)  # the catalogue's Dutch
    assert english.subject == SUBJECT
    assert english.body.startswith("Hello,") and "within 15 minutes" in english.body
    assert token_in(dutch) and token_in(english)


def test_an_unknown_or_inactive_address_gets_the_same_page_and_no_email(ask, dana):
    eddie = make_user("eddie@example.org", "Eddie")
    User.objects.filter(pk=eddie.pk).update(is_active=False)

    answers = [ask(email) for email in ("dana@example.org", "nobody@example.org", eddie.email)]

    assert {a.status_code for a in answers} == {200}
    assert len({without_csrf_tokens(a) for a in answers}) == 1
    assert SENT in answers[0].content.decode()
    assert [m.to for m in mail.outbox] == [["dana@example.org"]]


def test_opening_the_link_logs_nobody_in_and_spends_nothing(client, ask, dana):
    ask(dana.email)
    token = token_in(mail.outbox[0])

    for _ in range(3):  # a mail scanner, a link preview, the person
        page = client.get(USE, {"sesame": token})
        assert page.status_code == 200 and f'value="{token}"' in page.content.decode()
    assert logged_in(client) is None

    assert use(client, token).status_code == 302
    assert logged_in(client) == dana.pk


def test_the_link_works_once_and_then_never_again(client, ask, dana):
    ask(dana.email)
    token = token_in(mail.outbox[0])

    first = use(client, token)
    assert first.status_code == 302 and first.url == reverse("panels:home")
    assert logged_in(client) == dana.pk

    client.logout()
    again = use(client, token)
    assert again.status_code == 400 and DEAD in again.content.decode()
    assert logged_in(client) is None
    assert DEAD in client.get(USE, {"sesame": token}, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_link_goes_on_to_a_page_of_this_site_only(client, ask, dana):
    assert 'value="/account/"' in client.get(ASK, {"next": "/account/"}).content.decode()
    ask(dana.email, next="https://evil.example/")
    assert "next=" not in mail.outbox[0].body
    forged = client.post(USE, {"sesame": token_in(mail.outbox[0]), "next": "https://evil.example/"})
    assert forged.url == reverse("panels:home")
    client.logout()

    ask(dana.email, next="/account/")
    assert "next=%2Faccount%2F" in mail.outbox[1].body
    token = token_in(mail.outbox[1])
    page = client.get(USE, {"sesame": token, "next": "/account/"})
    response = client.post(USE, {"sesame": token, "next": "/account/"})

    assert 'value="/account/"' in page.content.decode()
    assert response.url == "/account/"


def test_an_expired_link_is_refused(client, ask, dana):
    ask(dana.email)
    token = token_in(mail.outbox[0])
    sixteen_minutes_later = SimpleNamespace(time=lambda: time.time() + 16 * 60)

    with mock.patch.object(sesame.tokens_v2, "time", sixteen_minutes_later):
        opened = client.get(USE, {"sesame": token}, HTTP_ACCEPT_LANGUAGE="en")
        pressed = use(client, token)

    assert DEAD in opened.content.decode() and pressed.status_code == 400
    assert logged_in(client) is None
    with mock.patch.object(sesame.tokens_v2, "time", SimpleNamespace(time=lambda: time.time())):
        assert use(client, token).status_code == 302  # the same link, in time


def test_a_new_password_ends_the_link(client, ask, dana):
    ask(dana.email)
    token = token_in(mail.outbox[0])

    dana.set_password("a brand new passphrase")
    dana.save()

    assert use(client, token).status_code == 400
    assert logged_in(client) is None


def test_a_login_with_the_password_ends_the_link(client, ask, dana):
    ask(dana.email)
    token = token_in(mail.outbox[0])

    login = client.post(reverse("login"), {"username": dana.email, "password": PASSWORD})
    assert login.status_code == 302
    client.logout()

    assert use(client, token).status_code == 400


def test_a_link_logs_in_while_password_logins_are_paused(client, ask, dana):
    for _ in range(login_limits.FAILURES_PER_ACCOUNT):
        client.post(reverse("login"), {"username": dana.email, "password": "wrong"})
    assert login_limits.locked(dana.email, "127.0.0.1")
    ask(dana.email)

    assert use(client, token_in(mail.outbox[0])).status_code == 302
    assert logged_in(client) == dana.pk
    assert login_limits.locked(dana.email, "127.0.0.1")  # for passwords, the pause holds


def test_beyond_the_limit_no_more_mail_but_the_same_page(ask, dana):
    answers = [ask(dana.email) for _ in range(login_limits.RESETS_PER_ACCOUNT + 2)]

    assert len(mail.outbox) == login_limits.RESETS_PER_ACCOUNT
    assert {a.status_code for a in answers} == {200}
    assert all(SENT in a.content.decode() for a in answers)


def test_links_and_password_resets_share_one_count(client, ask, dana):
    for _ in range(login_limits.RESETS_PER_ACCOUNT):
        client.post(reverse("password_reset"), {"email": dana.email})

    ask(dana.email)

    assert len(mail.outbox) == login_limits.RESETS_PER_ACCOUNT


@override_settings(TRUSTED_PROXIES=1)
def test_a_forged_forwarded_for_does_not_dodge_the_network_limit(ask, dana):
    proxy, client_address = "10.0.0.1", "198.51.100.7"
    for number in range(login_limits.RESETS_PER_ADDRESS):
        ask(
            f"guess{number}@example.org",
            proxy,
            HTTP_X_FORWARDED_FOR=f"203.0.113.{number}, 198.51.100.7",
        )

    ask(dana.email, proxy, HTTP_X_FORWARDED_FOR=f"203.0.113.200, {client_address}")
    assert mail.outbox == []
    ask(dana.email, proxy, HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert [m.to for m in mail.outbox] == [[dana.email]]


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "A" * 24, "x" * 100_000, "ëéñ漢字" * 5, "AAAA:BBBB:CCCC", "../../etc\x00"],
    ids=["empty", "garbage", "well-formed", "very-long", "non-ascii", "colons", "nul"],
)
def test_a_hostile_token_gets_a_clear_page(client, dana, token):
    opened = client.get(USE, {"sesame": token}, HTTP_ACCEPT_LANGUAGE="en")
    pressed = use(client, token)

    assert opened.status_code == 200 and DEAD in opened.content.decode()
    assert pressed.status_code == 400 and DEAD in pressed.content.decode()
    assert logged_in(client) is None


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_presses_at_once_log_in_once(monkeypatch):
    dana = make_user("dana@example.org", "Dana")
    token = sesame.utils.get_token(dana)
    check = sesame.utils.get_user

    def slow_check(token, *args, update_last_login=None, **kwargs):
        user = check(token, *args, update_last_login=update_last_login, **kwargs)
        if not update_last_login:
            time.sleep(0.3)  # both have looked at the token before either spends it
        return user

    monkeypatch.setattr(sesame.utils, "get_user", slow_check)

    results = at_once(
        lambda: login_links.use_login_link(token), lambda: login_links.use_login_link(token)
    )

    assert sorted(str(result) for result in results) == ["Dana", "None"], results
