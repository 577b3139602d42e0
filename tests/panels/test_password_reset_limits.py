"""Asking for a password-reset link: a few times per address typed and per network an
hour, then a clear message, the same whether or not the address has an account."""

import pytest
from django.core import mail
from django.urls import reverse

from panels import login_limits
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

RESET = reverse("password_reset")


def ask_for_link(client, email: str, address: str = "192.0.2.1"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")


def refusal(response) -> list[str]:
    assert response.status_code == 200
    return response.context["form"].non_field_errors()


def test_after_a_few_links_for_one_address_no_more_are_sent(client):
    dana = make_user("dana@example.org", "Dana")
    for _ in range(login_limits.RESETS_PER_ACCOUNT):
        assert ask_for_link(client, dana.email).status_code == 302

    response = ask_for_link(client, "Dana@Example.org ", address="192.0.2.99")

    assert "wait 60 minutes" in " ".join(refusal(response))
    assert len(mail.outbox) == login_limits.RESETS_PER_ACCOUNT


def test_the_answer_is_the_same_with_or_without_an_account(client):
    make_user("dana@example.org", "Dana")
    answers = {}
    for email in ("dana@example.org", "nobody@example.org"):
        seen = [
            ask_for_link(client, email).status_code for _ in range(login_limits.RESETS_PER_ACCOUNT)
        ]
        answers[email] = (seen, refusal(ask_for_link(client, email)))

    assert answers["dana@example.org"] == answers["nobody@example.org"]
    assert answers["dana@example.org"][0] == [302] * login_limits.RESETS_PER_ACCOUNT


def test_asking_for_many_addresses_from_one_network_is_paused_too(client):
    emma = make_user("emma@example.org", "Emma")
    for number in range(login_limits.RESETS_PER_ADDRESS):
        ask_for_link(client, f"guess{number}@example.org", address="198.51.100.7")

    assert refusal(ask_for_link(client, emma.email, address="198.51.100.7"))
    assert ask_for_link(client, emma.email, address="198.51.100.8").status_code == 302
    assert [message.to for message in mail.outbox] == [[emma.email]]
