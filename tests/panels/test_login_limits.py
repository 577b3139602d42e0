"""Login throttling: a few wrong passwords per account, more per network, then a pause
with a clear message; the right password does not get through while it lasts."""

import pytest
from django.urls import reverse

from panels import login_limits
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def log_in(client, email: str, password: str, address: str = "192.0.2.1"):
    return client.post(
        reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )


def test_after_five_wrong_passwords_even_the_right_one_waits(client):
    dana = make_user("dana@example.org", "Dana")
    for _ in range(login_limits.FAILURES_PER_ACCOUNT):
        assert log_in(client, dana.email, "not-it").status_code == 200

    response = log_in(client, dana.email, PASSWORD)

    assert response.status_code == 200
    assert response.context["form"].throttled
    assert "Wacht 15 minuten" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_right_password_in_time_starts_the_count_again(client):
    dana = make_user("dana@example.org", "Dana")
    for _ in range(login_limits.FAILURES_PER_ACCOUNT - 1):
        log_in(client, dana.email, "not-it")
    assert log_in(client, dana.email, PASSWORD).status_code == 302
    client.logout()
    for _ in range(login_limits.FAILURES_PER_ACCOUNT - 1):
        log_in(client, dana.email, "not-it")

    assert log_in(client, dana.email, PASSWORD).status_code == 302


def test_one_locked_account_does_not_lock_out_the_neighbours(client):
    dana = make_user("dana@example.org", "Dana")
    emma = make_user("emma@example.org", "Emma")
    for _ in range(login_limits.FAILURES_PER_ACCOUNT):
        log_in(client, dana.email, "not-it")

    assert log_in(client, emma.email, PASSWORD).status_code == 302


def test_guessing_across_many_accounts_from_one_address_is_paused_too(client):
    emma = make_user("emma@example.org", "Emma")
    for number in range(login_limits.FAILURES_PER_ADDRESS):
        log_in(client, f"guess{number}@example.org", "not-it", address="198.51.100.7")

    assert log_in(client, emma.email, PASSWORD, address="198.51.100.7").status_code == 200
    assert log_in(client, emma.email, PASSWORD, address="198.51.100.8").status_code == 302
