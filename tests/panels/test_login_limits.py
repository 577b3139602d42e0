"""Login throttling: a few wrong passwords per account, more per network, then a pause
with a clear message; the right password does not get through while it lasts."""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from panels import login_limits, privacy
from panels.models import LoginLockout
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


def test_a_pause_ends_after_fifteen_minutes():
    dana = make_user("dana@example.org", "Dana")
    for _ in range(login_limits.FAILURES_PER_ACCOUNT):
        login_limits.failed(dana.email, "192.0.2.1")
    later = timezone.now() + timedelta(seconds=login_limits.LOCKOUT_SECONDS + 1)

    assert login_limits.locked(dana.email, "192.0.2.1")
    assert not login_limits.locked(dana.email, "192.0.2.1", now=later)


def test_an_ipv6_line_counts_as_one_network(client):
    """A household's IPv6 line has millions of addresses: taking a new one for each guess
    does not dodge the limit."""
    emma = make_user("emma@example.org", "Emma")
    for number in range(login_limits.FAILURES_PER_ADDRESS):
        log_in(client, f"guess{number}@example.org", "not-it", address=f"2001:db8:1:2::{number:x}")

    assert log_in(client, emma.email, PASSWORD, address="2001:db8:1:2::ffff").status_code == 200
    assert log_in(client, emma.email, PASSWORD, address="2001:db8:1:3::1").status_code == 302


def test_an_unknown_address_does_not_put_everyone_in_one_count(client):
    """Without a client address (a worker on a unix socket and no trusted proxy), the
    account limit still holds, but one person's guesses cannot pause the whole site."""
    emma = make_user("emma@example.org", "Emma")
    for number in range(login_limits.FAILURES_PER_ADDRESS + 1):
        log_in(client, f"guess{number}@example.org", "not-it", address="")

    assert log_in(client, emma.email, PASSWORD, address="").status_code == 302


def test_the_cache_holds_no_email_addresses_and_the_pause_none_either(client):
    dana = make_user("dana@example.org", "Dana")
    for _ in range(login_limits.FAILURES_PER_ACCOUNT - 1):
        log_in(client, dana.email, "not-it")
    counted = list(caches["limits"]._cache)  # LocMemCache's own keys
    log_in(client, dana.email, "not-it")

    assert counted and not any("dana" in key for key in counted)
    (pause,) = LoginLockout.objects.filter(kind=LoginLockout.Kind.ACCOUNT)
    assert pause.user == dana
    assert "dana" not in repr(model_to_dict(pause)).lower()


def test_a_persons_pauses_are_in_their_data_and_go_with_an_erasure():
    dana = make_user("dana@example.org", "Dana")
    for _ in range(login_limits.FAILURES_PER_ACCOUNT):
        login_limits.failed(dana.email, "192.0.2.1")

    exported = privacy.export(dana)["login_lockouts"]
    privacy.erase(dana, requested_by="member")

    assert len(exported) == 1
    assert not LoginLockout.objects.filter(user=dana).exists()
