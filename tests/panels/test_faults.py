"""Faults with the real parts: Redis goes away and comes back while people are connected.

One daphne worker on the test database and a Redis server of this test's own (so the
restart touches nobody else). While Redis is away, a moderator's action still succeeds
(its push cannot go out, and nothing depends on it); when Redis is back the member's page
is in sync again from a snapshot, and pushes reach it once more.

Marked cluster: CI runs it (it needs PostgreSQL and `redis-server` on the PATH).
"""

import asyncio
import shutil
import subprocess
import time

import pytest
from django.db import connection

from tests.live_helpers import fragment_ids, make_live_meeting, section, session_cookie
from tests.panels.test_cluster import meeting_path, open_socket
from tests.servers import START_TIMEOUT, Daphne, free_port

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not shutil.which("redis-server"),
        reason="needs PostgreSQL (DATABASE_URL) and redis-server on the PATH",
    ),
    pytest.mark.django_db(transaction=True),
]
BACK_WITHIN = 20.0


class Redis:
    """A private redis-server on a free port that can be stopped and started again."""

    def __init__(self, log_dir) -> None:
        self.port = free_port()
        self.log = log_dir / "redis.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--logfile", str(self.log)],
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ping = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
            )
            if ping.stdout.strip() == "PONG":
                return
            time.sleep(0.1)
        raise AssertionError("redis-server did not start")

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=5)


@pytest.fixture
def redis_and_worker(tmp_path):
    redis = Redis(tmp_path)
    redis.start()
    worker = Daphne("A", tmp_path, env={"REDIS_URL": f"redis://127.0.0.1:{redis.port}/0"})
    try:
        worker.wait_until_serving(time.monotonic() + START_TIMEOUT)
        yield redis, worker
    finally:
        worker.stop()
        redis.kill()
        print(f"--- daphne (last lines) ---\n{worker.tail(30)}")


async def in_sync(worker, meeting, session, text: str, within: float) -> float:
    """Reconnect as a browser would (every 0.5 s) until a snapshot shows `text`."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        try:
            async with open_socket(worker, meeting, session) as socket:
                while True:
                    frame = await asyncio.wait_for(socket.recv(), within)
                    if "live-status" in fragment_ids(frame) and text in section(
                        frame, "live-status"
                    ):
                        return time.monotonic() - started
        except Exception:  # noqa: BLE001 - refused or dropped while Redis is away
            await asyncio.sleep(0.5)
    raise AssertionError(f"not in sync within {within}s (no status showing {text!r})")


def test_after_redis_restarts_pages_resync_and_pushes_resume(redis_and_worker, alice, bob):
    redis, worker = redis_and_worker
    meeting = make_live_meeting(alice, floor_open=False)
    alice_session, bob_session = session_cookie(alice), session_cookie(bob)

    async def scenario() -> None:
        async with open_socket(worker, meeting, bob_session) as socket:
            snapshot = await asyncio.wait_for(socket.recv(), 5)
            assert "The floor is closed" in snapshot

            redis.kill()
            # The moderator acts while Redis is away: that succeeds (nothing depends on
            # the push that cannot go out).
            status = await asyncio.to_thread(
                worker.post_as, alice_session, meeting_path(meeting, "meeting_floor"),
                {"open": "1"},
            )  # fmt: skip
            assert status == 302
            redis.start()

        waited = await in_sync(worker, meeting, bob_session, "The floor is open", BACK_WITHIN)
        print(f"in sync {waited:.1f} s after Redis came back")

        # And pushes reach the page again.
        async with open_socket(worker, meeting, bob_session) as socket:
            await asyncio.wait_for(socket.recv(), 5)
            await asyncio.to_thread(
                worker.post_as, alice_session, meeting_path(meeting, "meeting_floor"),
                {"open": "0"},
            )  # fmt: skip
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                frame = await asyncio.wait_for(socket.recv(), deadline - time.monotonic())
                if "The floor is closed" in section(frame, "live-status"):
                    return
            raise AssertionError("no push after Redis came back")

    asyncio.run(scenario())
