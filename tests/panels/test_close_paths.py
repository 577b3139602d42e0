"""Every way a live socket ends, under a real daphne server: the code the browser gets, and
that the person's presence goes with the socket.

Channels' test communicator accepts any close code; daphne (autobahn) refuses all but 1000
and 3000-4999 from a server, and a consumer that tried 1008 or 1012 died there: the
socket dropped with 1011, the cleanup never ran, and the person stayed "present" with no
socket open. So each close path is driven here as a browser meets it: a real session
cookie, a real WebSocket client, the moderator's actions as plain form POSTs to the same
server (its own channel layer carries them to the socket, so this runs on SQLite with the
in-memory layer as well as on PostgreSQL and Redis).
"""

import contextlib
import socket
import struct
import time

import pytest
from django.urls import reverse
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from panels.live import presence
from panels.live.consumers import MAX_BAD_FRAMES, MAX_FRAMES_PER_WINDOW, Close
from panels.models import Presence, Role
from tests.live_helpers import fragment_ids, make_live_meeting, session_cookie
from tests.servers import Daphne
from tests.waiting import wait_until

pytestmark = [pytest.mark.daphne, pytest.mark.django_db(transaction=True)]

WITHIN = 10.0  # generous: CI shares two busy cores


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory):
    """One daphne worker with the production settings, on the test database."""
    worker = Daphne("close-paths", tmp_path_factory.mktemp("close-paths"))
    try:
        worker.wait_until_serving()
        yield worker
    finally:
        worker.stop()
        print(f"--- daphne (last lines) ---\n{worker.tail(30)}")


@pytest.fixture
def server_log(server):
    """What the server logs during the test: no consumer may die on the way."""
    start = server.log.stat().st_size
    yield
    with server.log.open("rb") as log:
        log.seek(start)
        new = log.read().decode(errors="replace")
    assert "Exception inside application" not in new, new[-4000:]
    assert "invalid close code" not in new, new[-4000:]


@pytest.fixture
def meeting(alice):
    return make_live_meeting(alice)


@contextlib.contextmanager
def connected(server: Daphne, meeting, who):
    """A socket as the live page opens it, once the snapshot showed the person present."""
    with connect(
        f"ws://127.0.0.1:{server.port}/ws/meetings/{meeting.pk}/",
        origin=server.origin,
        additional_headers=[("Cookie", f"sessionid={session_cookie(who)}")],
        open_timeout=5,
        close_timeout=2,
    ) as ws:
        snapshot(ws)
        assert present(who)
        yield ws


def snapshot(ws) -> str:
    """The first full snapshot (it is sent once the person is recorded as present)."""
    deadline = time.monotonic() + WITHIN
    while (left := deadline - time.monotonic()) > 0:
        frame = ws.recv(timeout=left)
        if "live-status" in fragment_ids(frame):
            return frame
    raise AssertionError(f"no snapshot within {WITHIN}s")


def close_code(ws) -> int:
    """Read until the server closes the socket: the code the client got (1006: none)."""
    deadline = time.monotonic() + WITHIN
    while (left := deadline - time.monotonic()) > 0:
        try:
            ws.recv(timeout=left)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else 1006
        except TimeoutError:
            break
    raise AssertionError(f"the server did not close the socket within {WITHIN}s")


def present(membership) -> bool:
    return Presence.objects.filter(membership=membership).exists()


def listed(membership) -> bool:
    """On the presence list (and the roll): a connection on a live worker."""
    return presence.connected().filter(membership=membership).exists()


def until_gone(membership) -> None:
    wait_until(lambda: not present(membership), WITHIN, f"{membership} no longer present")


# --- the socket sends too much -------------------------------------------------------------


def test_a_flooding_socket_is_told_to_come_back_later_and_leaves_no_presence(
    server, server_log, meeting, bob
):
    with connected(server, meeting, bob) as ws:
        for _ in range(MAX_FRAMES_PER_WINDOW + 1):
            ws.send('{"type": "resync"}')

        assert close_code(ws) == Close.TOO_MANY_FRAMES

    until_gone(bob)


def test_a_socket_sending_junk_is_closed_and_leaves_no_presence(server, server_log, meeting, bob):
    with connected(server, meeting, bob) as ws:
        for _ in range(MAX_BAD_FRAMES + 1):
            ws.send("{not json")

        assert close_code(ws) == Close.BAD_FRAMES

    until_gone(bob)


# --- the moderator changes who someone is ----------------------------------------------------


def test_a_role_change_tells_the_browser_to_reconnect_and_the_old_socket_leaves(
    server, server_log, meeting, alice, bob
):
    path = reverse("panels:member_update", args=[bob.panel_id, bob.pk])
    with connected(server, meeting, bob) as ws:
        server.post_as(
            session_cookie(alice),
            path,
            {f"m{bob.pk}-role": Role.MODERATOR, f"m{bob.pk}-has_voting_rights": "on"},
        )

        assert close_code(ws) == Close.AUDIENCE_CHANGED

    until_gone(bob)
    with connected(server, meeting, bob) as again:  # as the browser does next
        again.close()
    until_gone(bob)


def test_a_deactivated_member_is_shut_out_and_leaves_no_presence(
    server, server_log, meeting, alice, bob
):
    path = reverse("panels:member_set_active", args=[bob.panel_id, bob.pk])
    with connected(server, meeting, bob) as ws:
        server.post_as(session_cookie(alice), path, {"active": "0"})

        assert close_code(ws) == Close.NO_ACCESS

    until_gone(bob)


# --- the meeting ends -------------------------------------------------------------------------


def test_the_end_of_the_meeting_closes_normally_and_nobody_stays_present(
    server, server_log, meeting, alice, bob
):
    path = reverse("panels:meeting_state", args=[meeting.panel_id, meeting.pk])
    with connected(server, meeting, bob) as bob_ws, connected(server, meeting, alice) as alice_ws:
        server.post_as(session_cookie(alice), path, {"action": "close"})

        assert close_code(bob_ws) == Close.MEETING_ENDED
        assert close_code(alice_ws) == Close.MEETING_ENDED

    until_gone(bob)
    until_gone(alice)


# --- the browser goes -------------------------------------------------------------------------


def test_a_browser_that_vanishes_without_a_word_leaves_no_presence(
    server, server_log, meeting, bob
):
    with connected(server, meeting, bob) as ws:
        # The network goes: a reset, no closing handshake.
        ws.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        ws.socket.close()

        until_gone(bob)


# --- the worker goes ----------------------------------------------------------------------------


def test_a_worker_that_starts_takes_its_killed_predecessors_people_off_the_list(
    tmp_path, meeting, alice, bob
):
    """A worker killed outright cleans up nothing; the one that replaces it on the same
    machine sees its process is gone and takes its people off the presence list at its
    first heartbeat (not 30 s later, when a silent worker stops counting). Their rows stay
    until forgotten: a killed server is no evidence that they left, so they may still cast
    a live ballot (tests/voting/test_presence_under_load.py)."""
    before = Daphne("before", tmp_path)
    after = None
    try:
        before.wait_until_serving()
        with connected(before, meeting, bob):
            before.kill()
        assert present(bob), "nothing could clean up after a killed worker"

        after = Daphne("after", tmp_path)
        after.wait_until_serving()
        with connected(after, meeting, alice):
            wait_until(lambda: not listed(bob), WITHIN, f"{bob} off the presence list")
            assert present(bob), "his row counts for a live ballot until forgotten"
            assert listed(alice)
        until_gone(alice)
    finally:
        for worker in (before, after):
            if worker is not None:
                worker.stop()
