"""Faults with the real parts: Redis goes away and comes back while people are connected;
PostgreSQL goes out of reach, also at the moment a ballot commits.

One daphne worker on the test database and a Redis server of this test's own (so the
restart touches nobody else). While Redis is away, a moderator's action still succeeds
(its push cannot go out, and nothing depends on it); when Redis is back the member's page
is in sync again from a snapshot, and pushes reach it once more.

Marked cluster: CI runs it (it needs PostgreSQL and `redis-server` on the PATH).
"""

import asyncio
import contextlib
import shutil
import socket
import struct
import subprocess
import threading
import time

import pytest
from django.db import connection
from django.urls import reverse

from tests.live_helpers import (
    fragment_ids,
    make_live_meeting,
    section,
    session_cookie,
    snapshot_of,
)
from tests.panels.test_cluster import PUSH_WITHIN, frame_with, meeting_path, open_socket
from tests.servers import START_TIMEOUT, Daphne, database_url, free_port
from tests.waiting import wait_until

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

        def answers() -> bool:
            ping = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
            )
            return ping.stdout.strip() == "PONG"

        wait_until(answers, 10, "redis-server answers PONG", interval=0.1)

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
            snapshot = await snapshot_of(socket)
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
            await snapshot_of(socket)
            await asyncio.to_thread(
                worker.post_as, alice_session, meeting_path(meeting, "meeting_floor"),
                {"open": "0"},
            )  # fmt: skip
            await frame_with(socket, "live-status", "The floor is closed", PUSH_WITHIN)

    asyncio.run(scenario())


# --- PostgreSQL out of reach ------------------------------------------------------------


class CuttableLink:
    """A TCP link between the worker and PostgreSQL that the test can cut.

    `down()` drops every connection through it and refuses new ones, as when the database
    restarts; `up()` lets connections through again. `cut_at_commit(marker)` cuts one
    connection at the moment it sends COMMIT for a transaction that contained `marker` (a
    table name): the worker's side is reset, and the database's side is left open without
    a word, as when the network between them fails. The database never sees the commit;
    it holds the transaction, locks and all, until it ends the silent session.
    """

    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.links: set[socket.socket] = set()
        self.refusing = False
        self.marker: bytes | None = None
        self.cuts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def down(self) -> None:
        with self.lock:
            self.refusing = True
            links, self.links = self.links, set()
        for sock in links:
            _reset(sock)

    def up(self) -> None:
        with self.lock:
            self.refusing = False

    def cut_at_commit(self, marker: bytes) -> None:
        with self.lock:
            self.marker = marker

    def close(self) -> None:
        self.down()
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                refusing = self.refusing
            if refusing:
                _reset(client)
                continue
            server = socket.create_connection(self.target)
            with self.lock:
                self.links |= {client, server}
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, to_database: bool) -> None:
        in_marked_transaction = False
        try:
            while data := source.recv(65536):
                if to_database and self.marker:
                    in_marked_transaction = in_marked_transaction or self.marker in data
                    if in_marked_transaction and b"COMMIT" in data:
                        with self.lock:
                            self.marker, self.cuts = None, self.cuts + 1
                        _reset(source)  # the worker's side; the database hears nothing
                        return
                    if b"COMMIT" in data or b"ROLLBACK" in data:
                        in_marked_transaction = False
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            _reset(sock)


def _reset(sock: socket.socket) -> None:
    """Close with a reset, as a failing network or server does. Shut down first: another
    thread may be blocked reading the socket, and close() alone would not end it."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


def idle_in_transaction() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND state = 'idle in transaction'"
        )
        return cursor.fetchone()[0]


SILENT_SESSION_ENDS_AFTER = 2  # seconds (production: 30)


@pytest.fixture
def worker_behind_a_link(tmp_path):
    """A daphne worker whose database connections (a pool, as in production) go through
    a link the test can cut."""
    link = CuttableLink(int(connection.settings_dict["PORT"] or 5432))
    url = database_url().replace(f":{connection.settings_dict['PORT'] or 5432}/", f":{link.port}/")
    worker = Daphne(
        "A",
        tmp_path,
        settings_module="config.test_settings",  # pages with static files without collectstatic
        env={
            "DATABASE_URL": url,
            "DB_POOL_MAX": "4",
            "DB_POOL_TIMEOUT": "3",
            "DB_IDLE_IN_TRANSACTION_TIMEOUT": str(SILENT_SESSION_ENDS_AFTER),
        },
    )
    try:
        worker.wait_until_serving(time.monotonic() + START_TIMEOUT)
        yield link, worker
    finally:
        worker.stop()
        link.close()
        print(f"--- daphne (last lines) ---\n{worker.tail(30)}")


def until_the_database_answers(worker, session: str, vote, within: float = 30.0) -> float:
    """Seconds until the vote's page (the session and the vote are read from the
    database) is served again."""
    path = reverse("voting:vote", args=[vote.panel_id, vote.pk])
    started = time.monotonic()

    def served() -> bool:
        status, _headers, _body = worker.request(
            "GET", path, headers={"Cookie": f"sessionid={session}"}
        )
        assert status in (200, 503), f"{path}: {status} while the database comes back"
        return status == 200

    wait_until(served, within, f"{path} served after the database came back", interval=0.2)
    return time.monotonic() - started


def test_with_the_database_away_people_get_try_again_and_nothing_half_written(
    worker_behind_a_link, alice, bob
):
    from tests.voting.conftest import vote_spec
    from voting import lifecycle
    from voting.models import Ballot, Participation, Vote

    link, worker = worker_behind_a_link
    vote = lifecycle.open_vote(
        alice, lifecycle.prepare_vote(alice, vote_spec(mode=Vote.Mode.TIMED), meeting=None)
    )
    bob_session = session_cookie(bob)
    path = reverse("voting:vote_cast", args=[vote.panel_id, vote.pk])
    ballot = {"key": "k" * 32, "choice": "for"}

    # 1. The database is away: a clear "try again", and nothing is written.
    link.down()
    status, headers, body = worker.post_form(bob_session, path, ballot)
    assert status == 503, body[:300]
    assert headers.get("Retry-After") == "5"
    assert "Het is even te druk" in body.decode() and "Too busy" in body.decode()
    assert not Participation.objects.filter(vote=vote).exists()

    # 2. It is back: pages work again once the pool has made new connections.
    link.up()
    back_in = until_the_database_answers(worker, bob_session, vote)
    print(f"pages answer again {back_in:.1f} s after the database came back")
    link.cut_at_commit(b"voting_participation")
    # 3. ... but the network fails at the very moment the ballot's transaction commits:
    # the voter is told to try again; the database never got the commit and holds the
    # transaction until it ends the silent session, then rolls all of it back.
    status, _headers, body = worker.post_form(bob_session, path, ballot)
    assert link.cuts == 1, "the cut did not happen where it should"
    assert status == 503, body[:300]
    assert idle_in_transaction() == 1  # the orphan, holding its locks
    wait_until(
        lambda: idle_in_transaction() == 0,
        SILENT_SESSION_ENDS_AFTER + 10,
        "PostgreSQL ends the silent session",
        interval=0.2,
    )
    assert not Participation.objects.filter(vote=vote).exists()
    assert not Ballot.objects.filter(vote=vote).exists()

    # 4. Sent again, it counts, once; and once more changes nothing.
    assert worker.post_form(bob_session, path, ballot)[0] == 302
    assert worker.post_form(bob_session, path, ballot)[0] == 302
    assert Participation.objects.filter(vote=vote, on_behalf_of=bob).count() == 1
    assert Ballot.objects.filter(vote=vote).count() == 1
