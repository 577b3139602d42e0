"""Two real daphne workers sharing PostgreSQL and Redis, as in production.

A member's socket lives on one worker, the moderator's POST lands on the other,
and the push must still reach the member. When a worker dies, the member
reconnects to the other one and converges from the snapshot.

Skipped on a laptop without the servers; CI sets DATABASE_URL (PostgreSQL) and
REDIS_URL and fails on any skip, so there these always run.
"""

import asyncio
import contextlib
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from tests.live_helpers import fragment_ids, make_live_meeting, section, session_cookie

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")
START_TIMEOUT = 20
PUSH_WITHIN = 3.0
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The live test database, as a URL the workers can read."""
    db = connection.settings_dict
    user = quote(db["USER"] or "postgres")
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


class Worker:
    def __init__(self, name: str, prefix: str, log_dir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"daphne-{name}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "SECRET_KEY": settings.SECRET_KEY,  # so the test's sessions are valid there
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": "http://127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "DATABASE_URL": database_url(),
            "REDIS_URL": REDIS_URL,
            "CHANNEL_PREFIX": prefix,
            "PYTHONUNBUFFERED": "1",
        }
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port)]
                + ["config.asgi:application"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_until_serving(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"worker {self.name} exited:\n{self.tail()}")
            try:
                status, _headers, _body = self.request("GET", "/")
            except OSError:
                time.sleep(0.1)
                continue
            assert status < 500, f"worker {self.name} answers {status}:\n{self.tail()}"
            return
        raise AssertionError(f"worker {self.name} did not answer HTTP in time:\n{self.tail()}")

    def request(self, method: str, path: str, body: str = "", headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body or None, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def post_as(self, sessionid: str, path: str, data: dict) -> int:
        """A plain form POST, as a browser without JavaScript sends it (CSRF included)."""
        token = secrets.token_hex(16)  # any 32-character secret will do as the CSRF cookie
        status, headers, body = self.request(
            "POST",
            path,
            urlencode({**data, "csrfmiddlewaretoken": token}),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"sessionid={sessionid}; csrftoken={token}",
                "Origin": self.origin,
                "Referer": self.origin + path,
            },
        )
        assert status == 302, f"POST {path} on {self.name}: {status}\n{body[:500]!r}"
        return status

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=5)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@pytest.fixture
def workers(tmp_path):
    """Worker A and worker B, on free ports, sharing the test database and a Redis prefix."""
    prefix = f"knoppen-cluster-{secrets.token_hex(6)}"
    started: list[Worker] = []
    try:
        for name in ("A", "B"):
            started.append(Worker(name, prefix, tmp_path))
        deadline = time.monotonic() + START_TIMEOUT
        for worker in started:
            worker.wait_until_serving(deadline)
        yield started
    finally:
        for worker in started:
            worker.stop()
        for worker in started:
            print(f"--- daphne {worker.name} (last lines) ---\n{worker.tail(15)}")
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


def socket_url(worker: Worker, meeting) -> str:
    return f"ws://127.0.0.1:{worker.port}/ws/meetings/{meeting.pk}/"


def open_socket(worker: Worker, meeting, sessionid: str):
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
            snapshot = await asyncio.wait_for(bob_socket.recv(), 5)
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
            assert delay < PUSH_WITHIN

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
            snapshot = await asyncio.wait_for(bob_socket.recv(), 5)
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
            snapshot = await asyncio.wait_for(bob_socket.recv(), 5)
        print(f"reconnected to worker B, snapshot in {(time.monotonic() - started) * 1000:.0f} ms")
        assert {"live-status", "live-agenda", "live-my-hand"} <= fragment_ids(snapshot)
        status = section(snapshot, "live-status")
        assert "Now discussing" in status and "Schilderwerk 2026" in status
        assert "The floor is open" in status

    asyncio.run(scenario())
