"""Behind a proxy, login limits count the address the proxy saw.

Real daphne workers, started as the README says (no --proxy-headers, TRUSTED_PROXIES=1),
receive what an appending proxy sends them: X-Forwarded-For with whatever the client
wrote, then the address the proxy saw ($proxy_add_x_forwarded_for). The shipped nginx
(deploy/nginx) overwrites the header instead, which leaves the client nothing to write
(tests/deploy/test_through_nginx.py); this is the harder case. An attacker who writes someone else's
address cannot lock that address out, and writing a new address for every guess does not
dodge the per-address limit. With Redis there are two workers sharing the counts, and the
requests alternate between them.
"""

import os
import secrets

import pytest

from panels import login_limits
from tests import servers
from tests.conftest import PASSWORD, make_user
from tests.servers import Daphne

REDIS_URL = os.environ.get("REDIS_URL", "")
VICTIM = "192.0.2.10"  # a tenant at home
ATTACKER = "198.51.100.66"  # where the attacker really connects from
LOGIN = "/accounts/login/"
PAUSED = "Wacht 15 minuten"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def workers(tmp_path):
    prefix = f"knoppen-proxy-{secrets.token_hex(6)}"
    env = {"TRUSTED_PROXIES": "1", "REDIS_URL": REDIS_URL, "CHANNEL_PREFIX": prefix}
    names = ("A", "B") if REDIS_URL else ("A",)
    try:
        with servers.workers(
            names, tmp_path, settings_module="tests.server_settings", env=env
        ) as started:
            yield started
    finally:
        if REDIS_URL:
            from tests.panels.test_cluster import forget_redis_keys

            forget_redis_keys(prefix)


class Proxy:
    """nginx in front of the workers: appends the address it saw, round-robin upstream."""

    def __init__(self, workers: list[Daphne]) -> None:
        self.workers = workers
        self.sent = 0

    def log_in(self, email: str, password: str, *, client: str, forged: str | None = None):
        worker = self.workers[self.sent % len(self.workers)]
        self.sent += 1
        forwarded = f"{forged}, {client}" if forged else client
        status, _headers, body = worker.post_form(
            "", LOGIN, {"username": email, "password": password}, {"X-Forwarded-For": forwarded}
        )
        return status, body.decode()


def test_forged_addresses_cannot_lock_out_the_address_they_name(workers):
    emma = make_user("emma@example.org", "Emma")
    proxy = Proxy(workers)
    for number in range(login_limits.FAILURES_PER_ADDRESS + 1):
        status, _ = proxy.log_in(f"guess{number}@example.org", "x", client=ATTACKER, forged=VICTIM)
        assert status == 200

    assert proxy.log_in(emma.email, PASSWORD, client=VICTIM)[0] == 302
    assert proxy.log_in(emma.email, PASSWORD, client=VICTIM, forged=ATTACKER)[0] == 302
    status, page = proxy.log_in(emma.email, PASSWORD, client=ATTACKER, forged=VICTIM)
    assert status == 200 and PAUSED in page  # the pause fell on the attacker's own address


def test_a_new_forged_address_for_every_guess_does_not_dodge_the_limit(workers):
    emma = make_user("emma@example.org", "Emma")
    proxy = Proxy(workers)
    for number in range(login_limits.FAILURES_PER_ADDRESS):
        forged = f"203.0.113.{number + 1}"
        proxy.log_in(f"guess{number}@example.org", "x", client=ATTACKER, forged=forged)

    status, page = proxy.log_in(emma.email, PASSWORD, client=ATTACKER, forged="203.0.113.200")

    assert status == 200 and PAUSED in page
    assert proxy.log_in(emma.email, PASSWORD, client=VICTIM)[0] == 302
