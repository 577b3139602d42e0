"""The real services production runs on: Redis (channel layer, cache) and PostgreSQL (row locks).

These skip on a laptop without the servers; CI sets REDIS_URL and DATABASE_URL and
refuses skipped tests, so there they always run.
"""

import asyncio
import os
import threading
import time
from uuid import uuid4

import pytest
from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from django.db import connection

from panels import services
from panels.models import Invitation, Membership, Role
from tests.conftest import make_user

REDIS_URL = os.environ.get("REDIS_URL", "")

needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="needs a real Redis server: set REDIS_URL=redis://127.0.0.1:6379/0"
)
needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/knoppen",
)


# --- Redis ------------------------------------------------------------------------------


@pytest.mark.redis
@needs_redis
@pytest.mark.asyncio
async def test_redis_channel_layer_delivers_a_group_send():
    from panels.live.layers import RedisChannelLayer

    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "panels.live.layers.RedisChannelLayer"
    config = {**settings.CHANNEL_LAYERS["default"]["CONFIG"], "prefix": f"knoppen-test-{uuid4()}"}
    layer = RedisChannelLayer(**config)
    message = {"type": "fragment.push", "html": '<p id="agenda">Agendapunt 1</p>'}
    try:
        channel = await layer.new_channel()
        await layer.group_add("session-1", channel)

        await layer.group_send("session-1", message)

        received = await asyncio.wait_for(layer.receive(channel), timeout=5)
        assert received == message
    finally:
        await layer.flush()
        await layer.close_pools()


@pytest.mark.redis
@needs_redis
@pytest.mark.asyncio
async def test_a_burst_waits_for_a_free_redis_connection_instead_of_failing():
    """Hundreds of sockets subscribing at once (a reconnect storm) need more connections
    than the pool has: they queue for one, and every subscription is made."""
    from panels.live.layers import RedisChannelLayer

    config = {**settings.CHANNEL_LAYERS["default"]["CONFIG"], "prefix": f"knoppen-test-{uuid4()}"}
    layer = RedisChannelLayer(**{**config, "pool_size": 2})
    try:
        channels = [await layer.new_channel() for _ in range(60)]
        await asyncio.gather(*(layer.group_add("storm", channel) for channel in channels))
        await layer.group_send("storm", {"type": "hello"})
        received = await asyncio.gather(
            *(asyncio.wait_for(layer.receive(channel), timeout=10) for channel in channels[:5])
        )
        assert received == [{"type": "hello"}] * 5
    finally:
        await layer.flush()
        await layer.close_pools()


@pytest.mark.redis
@needs_redis
def test_redis_cache_stores_and_reads():
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    cache = RedisCache(settings.CACHES["default"]["LOCATION"], {"KEY_PREFIX": f"test-{uuid4()}"})
    try:
        cache.set("greeting", {"nl": "hallo"}, timeout=30)

        assert cache.get("greeting") == {"nl": "hallo"}
    finally:
        cache.delete("greeting")
        cache.close()


# --- PostgreSQL: two people at once -----------------------------------------------------


def at_once(*calls) -> list:
    """Run each call in its own thread, started together; returns results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - reported to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def slowed(monkeypatch, name: str, seconds: float = 0.5) -> None:
    """Make services.<name> pause after it returns, widening the window for a race."""
    original = getattr(services, name)

    def slow(*args, **kwargs):
        result = original(*args, **kwargs)
        time.sleep(seconds)
        return result

    monkeypatch.setattr(services, name, slow)


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_accepting_one_link_at_once(monkeypatch, make_invitation, mallory, panel):
    eve = make_user("eve@example.org", "Eve Second")
    invitation, token = make_invitation()
    # Both have read the invitation before either writes, unless the row is locked.
    slowed(monkeypatch, "check_invitation")

    results = at_once(
        lambda: services.accept_invitation(token, mallory),
        lambda: services.accept_invitation(token, eve),
    )

    joined = [r for r in results if isinstance(r, Membership)]
    refused = [r for r in results if not isinstance(r, Membership)]
    assert len(joined) == 1, results
    assert len(refused) == 1, results
    assert isinstance(refused[0], services.InvitationInvalid), refused
    assert refused[0].reason == "used"
    assert Membership.objects.filter(panel=panel, user__in=[mallory, eve]).count() == 1
    invitation.refresh_from_db()
    assert invitation.accepted_by == joined[0].user


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "step_down",
    [
        lambda actor, target: services.change_role(actor, target, Role.MEMBER, True),
        lambda actor, target: services.set_active(actor, target, False),
    ],
    ids=["demote", "deactivate"],
)
def test_two_moderators_removing_each_other_at_once_leave_one(
    monkeypatch, alice, martin, panel, step_down
):
    slowed(monkeypatch, "_is_last_moderator")

    at_once(lambda: step_down(alice, martin), lambda: step_down(martin, alice))

    moderators = Membership.objects.active().filter(panel=panel, role=Role.MODERATOR)
    assert moderators.count() >= 1


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_invitations_to_one_address_at_once_leave_one_pending(monkeypatch, alice, martin):
    original = Invitation.new_token

    def slow_token():
        time.sleep(0.5)
        return original()

    monkeypatch.setattr(Invitation, "new_token", staticmethod(slow_token))

    results = at_once(
        lambda: services.invite(alice, "newcomer@example.org", Role.MEMBER),
        lambda: services.invite(martin, "newcomer@example.org", Role.MEMBER),
    )

    assert all(isinstance(r, Invitation) for r in results), results
    assert Invitation.objects.pending().filter(email="newcomer@example.org").count() == 1
