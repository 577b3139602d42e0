"""Two real daphne workers sharing PostgreSQL and Redis, as in production.

A member's socket lives on one worker, the moderator's POST lands on the other,
and the push must still reach the member. When a worker dies, the member
reconnects to the other one and converges from the snapshot.

Skipped on a laptop without the servers; CI sets DATABASE_URL (PostgreSQL) and
REDIS_URL and fails on any skip, so there these always run.
"""

import asyncio
import os
import secrets
import time

import pytest
from django.db import connection
from django.urls import reverse
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from tests import servers
from tests.live_helpers import (
    fragment_ids,
    make_live_meeting,
    section,
    session_cookie,
    snapshot_of,
)
from tests.servers import Daphne

REDIS_URL = os.environ.get("REDIS_URL", "")
# A deadline, not a measure: a push normally arrives within a few hundred milliseconds
# (printed), but CI shares two busy cores, so the tests wait this long before failing.
PUSH_WITHIN = 10.0
# Longer than the 5 s after which redis-py 8 gives up on a blocking read by default.
IDLE_SECONDS = 6

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not REDIS_URL,
        reason="needs PostgreSQL and Redis shared by two daphne workers: set "
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/knoppen REDIS_URL=redis://127.0.0.1:6379/0",
    ),
    pytest.mark.django_db(transaction=True),
]


# --- the workers ------------------------------------------------------------------------------


@pytest.fixture
def workers(tmp_path):
    """Worker A and worker B, on free ports, sharing the test database and a Redis prefix."""
    prefix = f"knoppen-cluster-{secrets.token_hex(6)}"
    env = {"REDIS_URL": REDIS_URL, "CHANNEL_PREFIX": prefix}
    try:
        with servers.workers(("A", "B"), tmp_path, env=env) as started:
            try:
                yield started
            finally:
                for worker in started:
                    print(f"--- daphne {worker.name} (last lines) ---\n{worker.tail(15)}")
    finally:
        forget_redis_keys(prefix)


def forget_redis_keys(prefix: str) -> None:
    """The workers' groups and inboxes outlive them; remove what this test left in Redis."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def meeting(alice):
    return make_live_meeting(alice, floor_open=False)


# --- the browser side -------------------------------------------------------------------------


def socket_url(worker: Daphne, meeting) -> str:
    return f"ws://127.0.0.1:{worker.port}/ws/meetings/{meeting.pk}/"


def open_socket(worker: Daphne, meeting, sessionid: str):
    return ws_connect(
        socket_url(worker, meeting),
        origin=worker.origin,
        additional_headers=[("Cookie", f"sessionid={sessionid}"), ("Accept-Language", "en")],
        open_timeout=5,
        close_timeout=2,
    )


async def frame_with(ws, fragment_id: str, text: str, timeout: float) -> str:
    """The first frame with this fragment showing `text`."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            frame = await asyncio.wait_for(ws.recv(), left)
        except TimeoutError:
            break
        if fragment_id in fragment_ids(frame) and text in section(frame, fragment_id):
            return frame
    raise AssertionError(f"no {fragment_id} frame showing {text!r} within {timeout}s")


def meeting_path(meeting, name: str, *args) -> str:
    return reverse(f"panels:{name}", args=[meeting.panel_id, meeting.pk, *args])


# --- the tests --------------------------------------------------------------------------------


def test_a_change_on_one_worker_reaches_a_member_on_the_other(workers, meeting, alice, bob):
    worker_a, worker_b = workers
    alice_session, bob_session = session_cookie(alice), session_cookie(bob)

    async def scenario() -> None:
        async with open_socket(worker_a, meeting, bob_session) as bob_socket:
            snapshot = await snapshot_of(bob_socket)
            assert "live-status" in fragment_ids(snapshot)
            assert "The floor is closed" in snapshot

            sent = time.monotonic()
            await asyncio.to_thread(
                worker_b.post_as,
                alice_session,
                meeting_path(meeting, "meeting_floor"),
                {"open": "1"},
            )
            answered = time.monotonic() - sent

            await frame_with(bob_socket, "live-status", "The floor is open", PUSH_WITHIN)
            delay = time.monotonic() - sent
            print(
                f"POST on worker B answered in {answered * 1000:.0f} ms; the push reached the "
                f"member on worker A {delay * 1000:.0f} ms after the POST was sent"
            )
            # ... written to the socket by the relay itself, not through the ASGI send.
            assert "written straight to daphne's sockets" in worker_a.log.read_text()

            # Quiet for longer than Redis' read timeout: the socket must still be there.
            await asyncio.sleep(IDLE_SECONDS)
            await asyncio.to_thread(
                worker_b.post_as,
                alice_session,
                meeting_path(meeting, "meeting_floor"),
                {"open": "0"},
            )
            await frame_with(bob_socket, "live-status", "The floor is closed", PUSH_WITHIN)

    asyncio.run(scenario())


def test_when_a_worker_dies_the_member_reconnects_elsewhere_and_sees_the_current_state(
    workers, meeting, alice, bob
):
    worker_a, worker_b = workers
    alice_session, bob_session = session_cookie(alice), session_cookie(bob)
    next_item = meeting.items.get(position=1)

    async def scenario() -> None:
        async with open_socket(worker_a, meeting, bob_session) as bob_socket:
            snapshot = await snapshot_of(bob_socket)
            assert "Opening" in snapshot and "Schilderwerk 2026" in snapshot

            worker_a.kill()
            with pytest.raises(ConnectionClosed):
                while True:  # frames already in flight may still arrive
                    await asyncio.wait_for(bob_socket.recv(), 5)

        # While Bob is away, the moderator moves on (through the worker that is left).
        await asyncio.to_thread(
            worker_b.post_as,
            alice_session,
            meeting_path(meeting, "item_current", next_item.pk),
            {},
        )
        await asyncio.to_thread(
            worker_b.post_as, alice_session, meeting_path(meeting, "meeting_floor"), {"open": "1"}
        )

        started = time.monotonic()
        async with open_socket(worker_b, meeting, bob_session) as bob_socket:
            snapshot = await snapshot_of(bob_socket)
        print(f"reconnected to worker B, snapshot in {(time.monotonic() - started) * 1000:.0f} ms")
        assert {"live-status", "live-agenda", "live-my-hand"} <= fragment_ids(snapshot)
        status = section(snapshot, "live-status")
        assert "Now discussing" in status and "Schilderwerk 2026" in status
        assert "The floor is open" in status

    asyncio.run(scenario())
