"""Live-session benchmark: N tenants in one meeting, the production way, on this machine.

    python -m bench.live --clients 1000 --rate 100

Starts two daphne workers on PostgreSQL and Redis, seeds a panel of N members in bulk,
connects N WebSocket clients (spread over both workers, logged in with real sessions),
and then measures, in one run:

1. connect: the time until every client has its first snapshot; memory per connection;
2. fan-out: a change announced as services do, rendered by each worker for its
   sockets, to every client, several times;
3. vote: a live vote, ballots cast over HTTP by an open-loop generator at --rate per
   second (each with a retry-safe key); per client, the time from a ballot's
   acknowledgement to the first turnout update that includes it, and from close to result;
4. kill: a second vote during which one worker is killed; the generator retries on the
   other with the same keys, clients reconnect there; the time until every client is back
   and in sync, and whether any ballot was lost or counted twice;
5. baseline: a bare `websockets` broadcast server (bench/baseline.py) sends a frame of the
   same size to the same N clients, measured the same way as step 2.

It prints a table and, last, one JSON object (keys documented in docs/performance.md).
Needs PostgreSQL and Redis; it creates (and drops at the start) the database named by
--database (default knoppen_bench).

One file on purpose, though long: it is a tool run as a script, read from top to bottom
next to docs/performance.md (seeding, the processes, the client, each phase, the report),
and its phases share the one client and clock they measure with.
"""

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")

VOTE_RE = re.compile(r'data-open-vote="(\d*)"')
TURNOUT_RE = re.compile(r"(\d+) of (\d+) have voted")
TOOK_PART_RE = re.compile(r"(\d+) of (\d+) who could vote took part")
STATUS_SEQ_RE = re.compile(r'id="live-status"[^>]*?data-seq="(\d+)"')
CURRENT_ITEM_RE = re.compile(r'data-current-item="(\d+)"')


# --- setting up ---------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.live", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--clients", type=int, default=1000, help="WebSocket clients (members)")
    parser.add_argument("--rate", type=float, default=100, help="ballots per second")
    parser.add_argument("--pushes", type=int, default=25, help="pure fan-out pushes (5 a second)")
    parser.add_argument(
        "--actions",
        type=int,
        default=30,
        help='moderator actions ("discuss now" over HTTP, one a second)',
    )
    parser.add_argument("--no-kill", action="store_true", help="skip the worker-kill phase")
    parser.add_argument("--no-votes", action="store_true", help="skip both votes (and so the kill)")
    parser.add_argument(
        "--secret",
        action="store_true",
        help="secret votes: every ballot goes into the vote's sealed box (panels/sealing.py)",
    )
    parser.add_argument(
        "--workers", type=int, default=2, choices=range(2, 9), help="daphne workers (2)"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server URL, without a database name",
    )
    parser.add_argument("--database", default="knoppen_bench")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--json", type=Path, help="also write the JSON object to this file")
    return parser.parse_args(argv)


def prepare_environment(args) -> dict[str, str]:
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": "http://127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "DATABASE_URL": f"{args.postgres.rstrip('/')}/{args.database}",
        "REDIS_URL": args.redis,
        "DB_POOL_MAX": "30",  # as in production (README): a bounded pool per worker
        "CHANNEL_PREFIX": f"knoppen-bench-{secrets.token_hex(4)}",
    }
    os.environ.update(env)
    return env


def create_database(args) -> None:
    import psycopg

    with psycopg.connect(f"{args.postgres.rstrip('/')}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.database}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, check=True
    )


@dataclass
class World:
    panel_id: int
    meeting_id: int
    moderator_session: str
    sessions: list[str]  # one per member, in membership order
    member_ids: list[int]
    items: list[int]  # agenda items still to come, for the moderator's actions


def seed(clients: int, actions: int = 30) -> World:
    """A panel with a moderator and `clients` members, all logged in, in a live meeting."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from panels.models import AgendaItem, Meeting, Membership, Organisation, Panel, Role, User

    corporation = Organisation.objects.create(
        name="Woonstichting Bench", kind=Organisation.Kind.CORPORATION
    )
    tenants = Organisation.objects.create(
        name="Huurdersvereniging Bench", kind=Organisation.Kind.TENANT_ORGANISATION
    )
    panel = Panel.objects.create(
        name="Huurderspanel Bench",
        corporation=corporation,
        tenant_organisation=tenants,
        constituency_size=clients * 10,
    )
    password = make_password(secrets.token_urlsafe(12))  # nobody logs in with it
    users = User.objects.bulk_create(
        [User(email="moderator@bench.knoppen.nl", name="Moderator", password=password)]
        + [
            User(email=f"lid{i:05d}@bench.knoppen.nl", name=f"Lid {i}", password=password)
            for i in range(clients)
        ],
        batch_size=1000,
    )
    memberships = Membership.objects.bulk_create(
        [Membership(panel=panel, user=users[0], role=Role.MODERATOR)]
        + [Membership(panel=panel, user=user, role=Role.MEMBER) for user in users[1:]],
        batch_size=1000,
    )
    now = timezone.now()
    meeting = Meeting.objects.create(
        panel=panel,
        title="Algemene ledenvergadering",
        starts_at=now,
        state=Meeting.State.LIVE,
        started_at=now,
        floor_open=True,
        created_by=users[0],
    )
    AgendaItem.objects.create(
        meeting=meeting, title="Huurverhoging 2027", position=0, state=AgendaItem.State.CURRENT
    )
    items = AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, title=f"Agendapunt {n}", position=n)
        for n in range(1, actions + 1)
    )
    store = SessionStore()
    expires = now + timezone.timedelta(days=1)
    keys, rows = [], []
    for user in users:
        key = secrets.token_hex(16)
        data = {
            "_auth_user_id": str(user.pk),
            "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
            "_auth_user_hash": user.get_session_auth_hash(),
        }
        keys.append(key)
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
    Session.objects.bulk_create(rows, batch_size=1000)
    return World(
        panel_id=panel.pk,
        meeting_id=meeting.pk,
        moderator_session=keys[0],
        sessions=keys[1:],
        member_ids=[m.pk for m in memberships[1:]],
        items=[item.pk for item in items],
    )


# --- processes ----------------------------------------------------------------------------------


UNIT = ROOT / "deploy" / "systemd" / "knoppen@.service"


def production_flags(unit: Path = UNIT) -> list[str]:
    """The daphne flags of the production unit's ExecStart, read from it, so the benchmark
    runs its workers as production does (README): without the program, its endpoint (the
    workers here listen on free ports, with the same backlog: tests.servers.endpoint) and
    the application."""
    line = next(x for x in unit.read_text().splitlines() if x.startswith("ExecStart="))
    words = line.split()[1:-1]
    flags = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word in ("-e", "--endpoint", "-b", "--bind", "-p", "--port"):
            skip = True
        else:
            flags.append(word)
    return flags


DAPHNE_ARGS = production_flags()


def start_workers(env: dict[str, str], log_dir: Path, count: int = 2):
    from tests.servers import Daphne

    workers = [Daphne(name, log_dir, env=env, args=DAPHNE_ARGS) for name in "ABCDEFGH"[:count]]
    deadline = time.monotonic() + 30
    for worker in workers:
        worker.wait_until_serving(deadline)
    return workers


def pids_named(name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
    return found


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent on anything but idling, since boot (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / TICKS


class Meter:
    """CPU use (% of one core) and memory of the processes that do the work, per phase.

    A process is given by pid, or by name (`str`): PostgreSQL starts a backend per pooled
    connection as it goes, so those are looked up again at every reading. "machine" is
    every process on the machine together, kernel included.
    """

    def __init__(self, processes: dict[str, list[int] | str]) -> None:
        self.processes = processes
        self.phases: dict[str, dict] = {}
        self._start: tuple[float, dict[str, dict[int, float]], float] | None = None

    def _pids(self, name: str) -> list[int]:
        found = self.processes[name]
        return pids_named(found) if isinstance(found, str) else found

    def _cpu(self) -> dict[str, dict[int, float]]:
        return {
            name: {pid: cpu_seconds(pid) for pid in self._pids(name)} for name in self.processes
        }

    def start(self) -> None:
        self._start = (time.monotonic(), self._cpu(), machine_busy_seconds())

    def stop(self, phase: str) -> dict:
        began, before, busy_before = self._start
        wall = time.monotonic() - began
        after = self._cpu()
        figures = {}
        for name in self.processes:
            alive = {pid: t for pid, t in after[name].items() if t > 0 or pid not in before[name]}
            used = sum(t - before[name].get(pid, 0.0) for pid, t in alive.items())
            figures[name] = {
                # None for a process that died during the phase (the killed worker).
                "cpu_percent": round(100 * used / wall, 1) if alive or not before[name] else None,
                "rss_mb": round(sum(rss_mb(pid) for pid in alive), 1),
            }
        figures["machine"] = {
            "cpu_percent": round(100 * (machine_busy_seconds() - busy_before) / wall, 1),
            "rss_mb": None,
        }
        self.phases[phase] = figures
        return figures


# --- the HTTP side ------------------------------------------------------------------------------


async def post(port: int, path: str, data: dict, session: str, htmx: bool = True) -> int:
    """One form POST with a session and a CSRF pair, as a browser sends it. Returns the status."""
    status, _body = await post_reading(port, path, data, session, htmx)
    return status


async def post_reading(
    port: int, path: str, data: dict, session: str, htmx: bool = True
) -> tuple[int, bytes]:
    """The same, also returning the body."""
    token = secrets.token_hex(16)
    body = urlencode({**data, "csrfmiddlewaretoken": token}).encode()
    origin = f"http://127.0.0.1:{port}"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n"
        f"Cookie: sessionid={session}; csrftoken={token}\r\n"
        f"Origin: {origin}\r\nReferer: {origin}{path}\r\n"
        + ("HX-Request: true\r\n" if htmx else "")
        + "\r\n"
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head.encode() + body)
        await writer.drain()
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionError("no answer")
        status = int(status_line.split()[1])
        return status, await reader.read()
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


@dataclass
class Ballots:
    """The open-loop generator's record: every ballot's key, attempts and acknowledgement."""

    sent: int = 0
    acked: dict[int, float] = field(default_factory=dict)  # member index -> ack time
    sent_at: dict[int, float] = field(default_factory=dict)  # member index -> first send
    retries: int = 0
    failed: list[int] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)  # reason -> count
    statuses: dict[int, int] = field(default_factory=dict)


async def cast_all(
    world: World, ports: list[int], vote_id: int, rate: float, record: Ballots, alive
) -> None:
    """Cast one ballot per member at `rate` per second, whatever the answers (open loop)."""
    path = f"/panels/{world.panel_id}/votes/{vote_id}/cast/"
    start = time.monotonic()

    async def one(index: int) -> None:
        record.sent_at[index] = time.monotonic()
        key = secrets.token_hex(16)
        choice = random.choice(("for", "for", "against", "abstain"))
        attempt = 0
        while attempt < 20:
            live_ports = [p for p in ports if alive(p)]
            port = live_ports[(index + attempt) % len(live_ports)]
            try:
                status, body = await post_reading(
                    port, path, {"key": key, "choice": choice}, world.sessions[index]
                )
            except OSError:
                status, body = 0, b""
            record.statuses[status] = record.statuses.get(status, 0) + 1
            if status == 200 and b"message--error" in body:
                # Answered, but refused (the page shows why): not a vote, and not retried.
                message = re.search(rb'message--error">([^<]*)', body)
                reason = message.group(1).decode() if message else "?"
                record.refused[reason] = record.refused.get(reason, 0) + 1
                return
            if status == 200:
                record.acked[index] = time.monotonic()
                return
            attempt += 1
            record.retries += 1
            await asyncio.sleep(0.2 * attempt)
        record.failed.append(index)

    tasks = []
    for index in range(len(world.sessions)):
        due = start + index / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        record.sent += 1
        tasks.append(asyncio.create_task(one(index)))
    await asyncio.gather(*tasks)


# --- the WebSocket side -------------------------------------------------------------------------


class Client:
    """One tenant's browser: keeps what a page would show, with the time each part arrived."""

    def __init__(self, index: int, session: str | None) -> None:
        self.index = index
        self.session = session
        self.started_at: float | None = None  # the first connection attempt began
        self.snapshot_at: float | None = None
        self.vote_id = ""
        self.turnout: list[tuple[int, float]] = []  # (turnout, first time seen)
        self.results: dict[str, tuple[float, int]] = {}  # vote id -> (time, took part)
        self.status_seq: dict[int, float] = {}
        self.current_item: dict[int, float] = {}  # item shown as under discussion -> time
        self.pushes: dict[int, float] = {}  # baseline push number -> time
        # The latest time an open socket of this client dropped, and the first snapshot
        # after it (None until one arrives).
        self.disconnected_at: float | None = None
        self.resynced_at: float | None = None
        # Each open socket the server (or the network) closed, by how it ended: the
        # server's close code, or "no close" (the connection was cut: a killed worker).
        self.drop_codes: list[str] = []
        self.connections = 0
        self.failures = 0

    def read(self, frame: str, now: float) -> None:
        """Take in one frame. Literal look-ups first: ten thousand frames a second go through
        here, on the same cores as the workers."""
        if frame.startswith("push "):
            self.pushes[int(frame[5 : frame.index(" ", 5)])] = now
            return
        at = frame.find('id="live-status"')
        if at >= 0:
            match = STATUS_SEQ_RE.search(frame, at - 10, at + 400)
            if match:
                self.status_seq.setdefault(int(match.group(1)), now)
            match = CURRENT_ITEM_RE.search(frame, at, at + 400)
            if match:
                self.current_item.setdefault(int(match.group(1)), now)
        at = frame.find('id="live-vote"')
        if at < 0:
            return
        end = frame.find("</section>", at)
        vote = VOTE_RE.search(frame, at, end)
        if vote and vote.group(1):
            self.vote_id = vote.group(1)
            tail = frame.find(" have voted", at, end)
            turnout = TURNOUT_RE.search(frame, max(at, tail - 24), tail + 11) if tail > 0 else None
            if turnout:
                count = int(turnout.group(1))
                if not self.turnout or count > self.turnout[-1][0]:
                    self.turnout.append((count, now))
        elif vote and self.vote_id and 'class="result"' in frame[at:end]:
            took_part = TOOK_PART_RE.search(frame, at, end)
            if self.vote_id not in self.results:
                self.results[self.vote_id] = (now, int(took_part.group(1)) if took_part else -1)

    def reset_vote(self) -> None:
        self.turnout = []


class Socket(asyncio.Protocol):
    """One client's socket, driven by websockets' Sans-I/O protocol.

    Each frame is read in the callback that receives it: the library's asyncio connection
    would pass every frame through a queue and a task switch, and with ten thousand frames
    a second the load generator took a sixth of the machine that the workers need.
    """

    def __init__(self, url: str, origin: str | None, headers: list[tuple[str, str]], on_frame):
        from websockets.client import ClientProtocol
        from websockets.uri import parse_uri

        self.ws = ClientProtocol(parse_uri(url), origin=origin, max_size=None)
        self.request = self.ws.connect()
        for name, value in headers:
            self.request.headers[name] = value
        self.on_frame = on_frame
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future = loop.create_future()
        self.closed: asyncio.Future = loop.create_future()
        self.transport: asyncio.Transport | None = None
        self.parts: list[bytes] = []

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.ws.send_request(self.request)
        self._write()

    def data_received(self, data: bytes) -> None:
        from websockets.frames import Opcode
        from websockets.http11 import Response

        self.ws.receive_data(data)
        now = time.monotonic()
        for event in self.ws.events_received():
            if isinstance(event, Response):
                if not self.opened.done():
                    if self.ws.handshake_exc is None:
                        self.opened.set_result(None)
                    else:
                        self.opened.set_exception(self.ws.handshake_exc)
            elif event.opcode in (Opcode.TEXT, Opcode.CONT):
                self.parts.append(event.data)
                if event.fin:
                    text = b"".join(self.parts).decode()
                    self.parts = []
                    self.on_frame(text, now)
        self._write()

    def eof_received(self) -> None:
        self.ws.receive_eof()
        self._write()

    def _write(self) -> None:
        for data in self.ws.data_to_send():
            if data:
                self.transport.write(data)
            elif self.transport.can_write_eof():
                self.transport.write_eof()
        if self.ws.close_expected():
            self.transport.close()

    def connection_lost(self, exc) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)


def close_reason(ws) -> str:
    """Why a socket ended, as its protocol saw it: the close code the server sent, else
    "no close" (the TCP connection ended without a close frame)."""
    received = ws.close_rcvd
    return str(int(received.code)) if received is not None else "no close"


def next_worker(failed: int, index: int, retry: int, workers: int) -> int:
    """The worker to try after a socket on `failed` dropped or could not connect: any but
    that one, as a proxy routes around a dead worker, spread by client over the others.

    Not "any but the client's own": a client that had moved (its own worker dropped it
    once) would otherwise keep trying the worker it moved to after that one died.
    """
    if workers == 1:
        return failed
    others = [number for number in range(workers) if number != failed]
    return others[(index + retry) % len(others)]


async def run_client(
    client: Client,
    urls: list[str],
    origin_of,
    stop: asyncio.Event,
    connected: asyncio.Event | None = None,
) -> None:
    """One tenant's browser: connects, keeps what the page shows, reconnects as live.js."""
    loop = asyncio.get_running_loop()
    client.started_at = time.monotonic()
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await _connect_until_stopped(client, urls, origin_of, stop, connected, loop, stopping)
    finally:
        stopping.cancel()


async def _connect_until_stopped(client, urls, origin_of, stop, connected, loop, stopping):
    from urllib.parse import urlsplit

    retry = 0
    at = client.index % len(urls)  # the worker tried last (first: the client's own)
    while not stop.is_set():
        url = urls[at]
        headers = [("Accept-Language", "en")]
        if client.session:
            headers.append(("Cookie", f"sessionid={client.session}"))
        first = True

        def on_frame(frame: str, now: float) -> None:
            nonlocal first
            if first:
                first = False
                if client.snapshot_at is None:
                    client.snapshot_at = now
                elif client.disconnected_at is not None:
                    client.resynced_at = now
                if connected is not None:
                    connected.set()
            client.read(frame, now)

        transport = None
        try:
            where = urlsplit(url)
            transport, socket = await asyncio.wait_for(
                loop.create_connection(
                    lambda u=url, h=headers: Socket(u, origin_of(u), h, on_frame),
                    where.hostname,
                    where.port,
                ),
                30,
            )
            await asyncio.wait_for(socket.opened, 30)
            client.connections += 1
            if client.session is None and client.snapshot_at is None:
                client.snapshot_at = time.monotonic()  # the bare server sends no snapshot
            retry = 0
            await asyncio.wait([socket.closed, stopping], return_when=asyncio.FIRST_COMPLETED)
            if not stop.is_set():
                client.failures += 1  # the server closed it: reconnect, as a browser
                client.drop_codes.append(close_reason(socket.ws))
                client.disconnected_at, client.resynced_at = time.monotonic(), None
        except Exception:  # noqa: BLE001 - any failure to connect: count it and retry
            client.failures += 1
        finally:
            if transport is not None:
                transport.abort()
        if stop.is_set():
            return
        at = next_worker(at, client.index, retry, len(urls))
        # As live.js: 0.25-0.5 s, doubling, capped at 10 s.
        ceiling = min(10.0, 0.5 * 2**retry)
        retry += 1
        await asyncio.sleep(ceiling / 2 + random.random() * ceiling / 2)


# --- figures ------------------------------------------------------------------------------------


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def phase(text: str) -> None:
    """Start a measured phase: the load generator collects its garbage now, not during it.

    The generator's own collector stopped it for 200-270 ms at a time with a thousand
    clients; every frame that arrived meanwhile would have been timed late, charging the
    measuring process's pause to the server. It runs with automatic collection off
    (`main`), collecting between phases.
    """
    gc.collect()
    say(text)


def percentiles(samples: list[float]) -> dict:
    """p50, p95, p99, max and mean of times in seconds, in ms to 0.1 ms.

    Tallied by that 0.1 ms rather than sorted: a vote at 5,000 members gives 25 million
    samples, and sorting them holds the interpreter for many seconds at a stretch. With the
    clients' event loop held that long, their pongs went unanswered and daphne dropped
    every socket (`run_vote` figures them in a thread; a tally lets the loop in).
    """
    if not samples:
        return {"n": 0}
    tally = Counter(round(1000 * sample, 1) for sample in samples)
    values = sorted(tally)
    n = len(samples)

    def at(q: float) -> float:
        rank, seen = min(n - 1, int(q * n)), 0
        for value in values:
            seen += tally[value]
            if seen > rank:
                return value
        return values[-1]

    return {
        "n": n,
        "p50_ms": at(0.50),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "max_ms": values[-1],
        "mean_ms": round(1000 * statistics.fmean(samples), 1),
    }


def count_log_errors(logs: str) -> tuple[int, int]:
    """(503 "too busy" answers, other errors with a traceback) in the workers' logs.

    A request that found every pooled database connection busy is logged with its
    traceback and answered 503 "try again" (panels.views.server_error): overload, not a
    defect, and the benchmark's clients retry. Every other traceback is an error.
    """
    busy = errors = 0
    record = ""
    for line in logs.splitlines():
        if line.startswith(("Traceback", "The above exception", " ")) or not line.strip():
            if line.startswith("Traceback") and not record.startswith("Service Unavailable"):
                errors += 1
            continue
        if line.startswith("Service Unavailable:"):
            busy += 1
        if ": " in line and not line[0].isdigit() and "." in line.split(":")[0]:
            continue  # an exception's own line (psycopg_pool.PoolTimeout: ...) ends no record
        record = line
    return busy, errors


def vote_latencies(clients: list[Client], origins: list[float]) -> list[float]:
    """Per client and ballot: the first turnout update that includes it, minus its origin.

    `origins[k - 1]` is when the k-th ballot (in the order the turnout counts them) started
    to count: its commit (`commit_times`), or, as bounds, its acknowledgement or sending.
    A client that shows a turnout of k or more has seen the k-th ballot.
    """
    samples = []
    for client in clients:
        seen = client.turnout
        j = 0
        for k, origin in enumerate(origins, start=1):
            while j < len(seen) and seen[j][0] < k:
                j += 1
            if j == len(seen):
                break
            samples.append(max(0.0, seen[j][1] - origin))
    return samples


@dataclass
class Commits:
    """When ballots became visible in the database, watched from outside the workers.

    A connection of the load generator's own counts the vote's participation rows every
    POLL_SECONDS. A ballot that a count found was committed after the previous count
    began: that earlier moment is taken as its commit (so a latency from it is never too
    small; it may be too large by one interval, and by more if the generator lags).
    """

    polls: list[tuple[float, int]] = field(default_factory=list)  # (count began, rows)

    def times(self) -> list[float]:
        """`times()[k - 1]`: the moment the k-th ballot was committed (at the earliest)."""
        found: list[float] = []
        previous = self.polls[0][0] if self.polls else 0.0
        for began, rows in self.polls:
            while len(found) < rows:
                found.append(previous)
            previous = began
        return found

    def resolution(self) -> dict:
        gaps = [b[0] - a[0] for a, b in itertools.pairwise(self.polls)]
        return percentiles(gaps)


POLL_SECONDS = 0.005


async def watch_commits(database_url: str, vote_id: int, commits: Commits, stop) -> None:
    import psycopg

    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        while not stop.is_set():
            began = time.monotonic()
            cursor = await conn.execute(
                "SELECT count(*) FROM voting_participation WHERE vote_id = %s", [vote_id]
            )
            (rows,) = await cursor.fetchone()
            commits.polls.append((began, rows))
            await asyncio.sleep(POLL_SECONDS)


def missing_vote_updates(clients: list[Client], total: int) -> int:
    return sum(1 for c in clients if not c.turnout or c.turnout[-1][0] < total)


async def wait_until(condition, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(step)
    return condition()


# --- the phases ---------------------------------------------------------------------------------


def snapshot_waits(clients: list[Client]) -> dict:
    """Per client, from its first attempt to connect until its first frame (or, for a
    server that sends none, until its socket is open)."""
    return percentiles([c.snapshot_at - c.started_at for c in clients if c.snapshot_at])


async def stop_clients(stop: asyncio.Event, tasks: list[asyncio.Task]) -> None:
    """End every client: no reconnecting, each task cancelled and waited for."""
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def connect_all(clients, urls, origin_of, stop, tasks) -> float:
    started = time.monotonic()
    for client in clients:
        tasks.append(asyncio.create_task(run_client(client, urls, origin_of, stop)))
        await asyncio.sleep(0)  # spread the handshakes a little, as page loads are
    await wait_until(lambda: all(c.snapshot_at for c in clients), timeout=300, step=0.1)
    return time.monotonic() - started


async def fan_out(
    clients: list[Client], meeting_id: int, pushes: int
) -> tuple[list[float], list[float], int]:
    """A change → every client: the status fragment, as a service announces it.

    Per push, the time from just before the change (the sequence number's bump and the
    notice, as `panels.live.changes.changed` makes them) until each client has the status
    fragment of that number: each worker renders it for its own sockets and writes it.
    """
    from channels.db import database_sync_to_async
    from django.db import transaction

    from panels.live import changes, fragments
    from panels.models import Meeting

    def frame_bytes() -> int:
        """The largest status text, for the bare baseline's frames of the same size."""
        _seq, frames = fragments.render_frames(meeting_id, ["status"])
        return max(len(html) for parts in frames.values() for html in parts.values())

    def change() -> int:
        with transaction.atomic():
            changes.changed(meeting_id, "status")
        return Meeting.objects.values_list("seq", flat=True).get(pk=meeting_id)

    size = await database_sync_to_async(frame_bytes)()
    samples, spreads = [], []
    for _ in range(pushes):
        sent = time.monotonic()
        seq = await database_sync_to_async(change)()
        await asyncio.sleep(0.2)
        await wait_until(lambda s=seq: all(s in c.status_seq for c in clients), timeout=10)
        arrived = [c.status_seq[seq] - sent for c in clients if seq in c.status_seq]
        samples += arrived
        spreads += spread(arrived)
    return samples, spreads, size


def spread(arrived: list[float]) -> list[float]:
    """From the first client to have a push to the last (none when nobody had it)."""
    return [max(arrived) - min(arrived)] if arrived else []


@dataclass
class Actions:
    """The moderator's clicks: per click, when it was sent, answered, and seen by whom."""

    to_member: list[float] = field(default_factory=list)  # every member, every click
    first: list[float] = field(default_factory=list)  # the first member to see each click
    spreads: list[float] = field(default_factory=list)  # first member -> last, per click
    response: list[float] = field(default_factory=list)  # the moderator's own answer
    statuses: dict[int, int] = field(default_factory=dict)
    answers_without_item: int = 0
    members_missing: int = 0

    def figures(self) -> dict:
        return {
            "to_every_member": percentiles(self.to_member),
            "first_member": percentiles(self.first),
            "spread": percentiles(self.spreads),
            "moderator_response": percentiles(self.response),
            "http_statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "answers_without_item": self.answers_without_item,
            "members_missing": self.members_missing,
        }


async def moderator_actions(world: World, port: int, clients: list[Client], count: int) -> dict:
    """A moderator's click that changes what every member sees: "discuss now" on the next
    agenda item, sent as the browser sends it (an htmx POST with the session and CSRF
    pair), one a second. Per member: from just before the POST until the member's status
    fragment names the new item; and the moderator's own answer, which must show it too.
    """
    record = Actions()
    meeting = f"/panels/{world.panel_id}/meetings/{world.meeting_id}"
    for item_id in world.items[:count]:
        sent = time.monotonic()
        status, body = await post_reading(
            port, f"{meeting}/items/{item_id}/current/", {}, world.moderator_session
        )
        record.response.append(time.monotonic() - sent)
        record.statuses[status] = record.statuses.get(status, 0) + 1
        if f'data-current-item="{item_id}"'.encode() not in body:
            record.answers_without_item += 1
        await wait_until(lambda i=item_id: all(i in c.current_item for c in clients), timeout=10)
        arrived = [c.current_item[item_id] - sent for c in clients if item_id in c.current_item]
        record.members_missing += len(clients) - len(arrived)
        record.to_member += arrived
        record.first += [min(arrived)] if arrived else []
        record.spreads += spread(arrived)
        await asyncio.sleep(max(0.0, sent + 1.0 - time.monotonic()))
    return record.figures()


async def baseline(clients_n: int, pushes: int, size: int, log_dir: Path) -> dict:
    from websockets.asyncio.client import connect

    from tests.servers import free_port

    port = free_port()
    log = (log_dir / "baseline.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.baseline", "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    clients = [Client(i, None) for i in range(clients_n)]
    stop = asyncio.Event()
    tasks: list[asyncio.Task] = []
    try:
        url = f"ws://127.0.0.1:{port}/clients"
        for _ in range(100):
            try:
                async with connect(f"ws://127.0.0.1:{port}/control"):
                    break
            except OSError:
                await asyncio.sleep(0.1)
        meter = Meter({"baseline": [server.pid]})
        rss_before = rss_mb(server.pid)
        meter.start()
        connect_seconds = await connect_all(clients, [url], lambda u: None, stop, tasks)
        # Listeners are registered when their handshake completes; give the last a moment.
        await asyncio.sleep(0.5)
        connect_phase = meter.stop("connect")
        samples, spreads = [], []
        meter.start()
        async with connect(f"ws://127.0.0.1:{port}/control") as control:
            for number in range(pushes):
                sent = time.monotonic()
                await control.send(f"push {number} {size}")
                await asyncio.sleep(0.2)
                await wait_until(lambda n=number: all(n in c.pushes for c in clients), 10)
                arrived = [c.pushes[number] - sent for c in clients if number in c.pushes]
                samples += arrived
                spreads += spread(arrived)
        push_phase = meter.stop("fan_out")
        return {
            "connect_seconds": round(connect_seconds, 2),
            "snapshot_wait": snapshot_waits(clients),
            "fan_out": percentiles(samples),
            "fan_out_spread": percentiles(spreads),
            "rss_mb": connect_phase["baseline"]["rss_mb"],
            "memory_per_connection_kb": round(
                1024 * (connect_phase["baseline"]["rss_mb"] - rss_before) / clients_n, 1
            ),
            "cpu_percent_during_fan_out": push_phase["baseline"]["cpu_percent"],
        }
    finally:
        await stop_clients(stop, tasks)
        server.terminate()
        server.wait(timeout=5)
        log.close()


async def daphne_floor(clients_n: int, log_dir: Path) -> dict:
    """The same N clients on a daphne worker whose consumer only accepts (bench/floor.py):
    what a connection costs in the stack we build on, before any of our code."""
    from tests.servers import Daphne

    worker = Daphne("floor", log_dir, app="bench.floor:application", args=DAPHNE_ARGS)
    clients = [Client(i, None) for i in range(clients_n)]
    stop = asyncio.Event()
    tasks: list[asyncio.Task] = []
    try:
        worker.wait_until_serving(time.monotonic() + 30)
        rss_before = rss_mb(worker.process.pid)
        url = f"ws://127.0.0.1:{worker.port}/clients"
        connect_seconds = await connect_all(clients, [url], lambda u: worker.origin, stop, tasks)
        await asyncio.sleep(1)
        return {
            "connect_seconds": round(connect_seconds, 2),
            "snapshot_wait": snapshot_waits(clients),
            "memory_per_connection_kb": round(
                1024 * (rss_mb(worker.process.pid) - rss_before) / clients_n, 1
            ),
        }
    finally:
        await stop_clients(stop, tasks)
        worker.stop()


async def run_vote(world, workers, clients, rate, question, alive, kill=None, secret=False) -> dict:
    """Open a vote, cast every member's ballot at `rate`, close it; figures and checks."""
    from voting import results
    from voting.models import Participation, Vote

    moderator = world.moderator_session
    port = workers[0].port
    status = await post(
        port,
        f"/panels/{world.panel_id}/votes/new/",
        {
            "meeting": world.meeting_id,
            "question": question,
            "method": "yes_no",
            "majority": "simple",
            "qualified": "2/3",
            "mode": "live",
            **({"secret": "on"} if secret else {}),
        },
        moderator,
        htmx=False,
    )
    assert status == 302, f"preparing the vote answered {status}"
    vote = await asyncio.to_thread(lambda: Vote.objects.get(question=question))
    for client in clients:
        client.reset_vote()
    status = await post(port, f"/panels/{world.panel_id}/votes/{vote.pk}/open/", {}, moderator)
    assert status in (200, 302), f"opening the vote answered {status}"
    await wait_until(lambda: all(c.vote_id == str(vote.pk) for c in clients), timeout=30)

    drops_before = {c.index: len(c.drop_codes) for c in clients}
    record = Ballots()
    commits, watched = Commits(), asyncio.Event()
    watcher = asyncio.create_task(
        watch_commits(os.environ["DATABASE_URL"], vote.pk, commits, watched)
    )
    started = time.monotonic()
    casting = asyncio.create_task(
        cast_all(world, [w.port for w in workers], vote.pk, rate, record, alive)
    )
    killed_at = None
    if kill is not None:
        await wait_until(lambda: len(record.acked) >= len(world.sessions) // 2, timeout=600)
        killed_at = time.monotonic()
        kill()
    await casting
    cast_seconds = time.monotonic() - started
    total = len(record.acked)
    await wait_until(lambda: missing_vote_updates(clients, total) == 0, timeout=60)
    in_sync_at = time.monotonic()
    await wait_until(lambda: commits.polls and commits.polls[-1][1] >= total, timeout=10)
    watched.set()
    await watcher

    closing = time.monotonic()
    port = next(w.port for w in workers if alive(w.port))
    status = await post(port, f"/panels/{world.panel_id}/votes/{vote.pk}/close/", {}, moderator)
    assert status in (200, 302), f"closing the vote answered {status}"
    key = str(vote.pk)
    await wait_until(lambda: all(key in c.results for c in clients), timeout=60)

    rows = await asyncio.to_thread(lambda: Participation.objects.filter(vote=vote).count())
    # Named: the ballot rows; secret: the ballots in the vote's box (the same key as the
    # workers: the environment is shared).
    ballots = await asyncio.to_thread(lambda: len(results.ballots(vote)))
    voters = await asyncio.to_thread(
        lambda: Participation.objects.filter(vote=vote).values("voter").distinct().count()
    )
    order = sorted(record.acked, key=record.acked.get)  # the k-th acknowledged ballot
    figures = {
        "ballots_sent": record.sent,
        "ballots_acknowledged": total,
        "ballot_rows": ballots,
        "participation_rows": rows,
        "distinct_voters": voters,
        "refused": sum(record.refused.values()),
        "refused_reasons": record.refused,
        "lost": total - rows,
        "duplicated": rows - voters,
        "failed_after_retries": len(record.failed),
        "retries": record.retries,
        "http_statuses": {str(k): v for k, v in sorted(record.statuses.items())},
        "ballots_per_second": round(total / cast_seconds, 1),
        # Every client's latency for every ballot (25 million at 5,000 members): figured in
        # a thread, so the clients keep answering their workers' pings meanwhile.
        **await asyncio.to_thread(
            lambda: {
                "commit_to_client": percentiles(vote_latencies(clients, commits.times())),
                "vote_to_client": percentiles(
                    vote_latencies(clients, [record.acked[i] for i in order])
                ),
                "sent_to_client": percentiles(
                    vote_latencies(clients, [record.sent_at[i] for i in order])
                ),
            }
        ),
        "commit_resolution": commits.resolution(),
        "close_to_result": percentiles(
            [c.results[key][0] - closing for c in clients if key in c.results]
        ),
        "clients_without_final_turnout": missing_vote_updates(clients, total),
        # Open sockets closed during this vote (by the kill, or by a worker that gave up on
        # a client too slow to answer its pings).
        "sockets_dropped": sum(len(c.drop_codes) - drops_before[c.index] for c in clients),
        "sockets_dropped_by": dict(
            Counter(code for c in clients for code in c.drop_codes[drops_before[c.index] :])
        ),
        "clients_without_result": sum(1 for c in clients if key not in c.results),
        "clients_whose_result_differs_from_database": sum(
            1 for c in clients if key in c.results and c.results[key][1] != rows
        ),
    }
    if killed_at is not None:
        dropped = [c for c in clients if c.disconnected_at and c.disconnected_at >= killed_at]
        back = [c for c in dropped if c.resynced_at]
        figures["kill"] = {
            "clients_dropped": len(dropped),
            "clients_back_in_sync": len(back),
            "all_back_seconds": round(
                max((c.resynced_at for c in back), default=killed_at) - killed_at, 2
            )
            if len(back) == len(dropped)
            else None,
            "back_in_sync": percentiles([c.resynced_at - killed_at for c in back]),
            "every_client_in_sync_seconds": round(in_sync_at - killed_at, 2),
        }
    return figures


async def main_async(args, env, log_dir: Path) -> dict:
    from panels.models import Meeting

    world = await asyncio.to_thread(seed, args.clients, args.actions)
    say(f"starting {args.workers} daphne workers")
    workers = start_workers(env, log_dir, args.workers)
    dead: set[int] = set()

    def alive(port: int) -> bool:
        return port not in dead

    processes = {
        **{f"daphne_{w.name}": [w.process.pid] for w in workers},
        "load_generator": [os.getpid()],
        "postgres": "postgres",
        "redis": "redis-server",
    }
    meter = Meter(processes)
    urls = [f"ws://127.0.0.1:{w.port}/ws/meetings/{world.meeting_id}/" for w in workers]
    origins = {url: w.origin for url, w in zip(urls, workers, strict=True)}
    clients = [Client(i, s) for i, s in enumerate(world.sessions)]
    stop = asyncio.Event()
    tasks: list[asyncio.Task] = []
    result: dict = {
        "clients": args.clients,
        "rate": args.rate,
        "workers": args.workers,
        "secret": args.secret,
    }
    try:
        say(f"connecting {args.clients} clients")
        rss_before = {w.name: rss_mb(w.process.pid) for w in workers}
        meter.start()
        result["connect_seconds"] = round(
            await connect_all(clients, urls, origins.get, stop, tasks), 2
        )
        await asyncio.sleep(1)
        connect = meter.stop("connect")
        result["memory_per_connection_kb"] = round(
            1024
            * sum(connect[f"daphne_{w.name}"]["rss_mb"] - rss_before[w.name] for w in workers)
            / args.clients,
            1,
        )
        present = await asyncio.to_thread(
            lambda: Meeting.objects.get(pk=world.meeting_id).presences.count()
        )
        result["present_in_database"] = present
        result["clients_connected"] = sum(1 for c in clients if c.snapshot_at)
        result["snapshot_wait"] = snapshot_waits(clients)
        result["failed_handshakes"] = sum(c.failures for c in clients)

        phase(f"pure fan-out, {args.pushes} pushes")
        meter.start()
        samples, spreads, size = await fan_out(clients, world.meeting_id, args.pushes)
        meter.stop("fan_out")
        result["fan_out"] = percentiles(samples)
        result["fan_out_spread"] = percentiles(spreads)
        result["fan_out_frame_bytes"] = size

        if args.actions:
            phase(f"moderator actions: {args.actions}, one a second")
            meter.start()
            result["action"] = await moderator_actions(
                world, workers[0].port, clients, args.actions
            )
            meter.stop("action")

        if not args.no_votes:
            phase(f"vote 1 at {args.rate} ballots/s")
            meter.start()
            result["vote"] = await run_vote(
                world, workers, clients, args.rate, "Bench vote 1", alive, secret=args.secret
            )
            meter.stop("vote")

        if not (args.no_votes or args.no_kill):
            victim = workers[1]

            def kill() -> None:
                dead.add(victim.port)
                victim.kill()

            phase("vote 2, killing worker B halfway")
            meter.start()
            result["vote_with_worker_killed"] = await run_vote(
                world,
                workers,
                clients,
                args.rate,
                "Bench vote 2",
                alive,
                kill=kill,
                secret=args.secret,
            )
            meter.stop("kill")
    finally:
        await stop_clients(stop, tasks)
        for worker in workers:
            worker.stop()

    # Every open socket that ended while the run went on, by how it ended (between the
    # votes too, where no vote's figure counts them).
    result["sockets_dropped_by"] = dict(Counter(code for c in clients for code in c.drop_codes))
    logs = "".join(w.log.read_text(errors="replace") for w in workers)
    result["channel_over_capacity_in_logs"] = logs.count("ChannelFull") + logs.count(
        "over capacity"
    )
    result["busy_answers_in_logs"], result["errors_in_logs"] = count_log_errors(logs)
    result["processes"] = meter.phases

    phase("bare websockets baseline")
    result["baseline"] = await baseline(
        args.clients, args.pushes, result["fan_out_frame_bytes"], log_dir
    )
    phase("daphne and Channels alone (a consumer that only accepts)")
    result["daphne_floor"] = await daphne_floor(args.clients, log_dir)
    result["ratios_to_baseline"] = ratios(result)
    return result


def ratios(result: dict) -> dict:
    """Our figures over the bare broadcast's of the same run (None where one is missing)."""
    bare = result["baseline"]

    def over(ours: dict | None, theirs: dict, key: str) -> float | None:
        a, b = (ours or {}).get(key), theirs.get(key)
        return round(a / b, 2) if a and b else None

    return {
        "fan_out_p95": over(result["fan_out"], bare["fan_out"], "p95_ms"),
        "fan_out_p50": over(result["fan_out"], bare["fan_out"], "p50_ms"),
        "fan_out_spread_p95": over(result["fan_out_spread"], bare["fan_out_spread"], "p95_ms"),
        # Only the fan-out may grow with the members: the action's spread, first member to
        # last, against the bare broadcast's.
        "action_spread_p95": over(
            result.get("action", {}).get("spread"), bare["fan_out_spread"], "p95_ms"
        ),
        "commit_to_client_p95": over(
            result.get("vote", {}).get("commit_to_client"), bare["fan_out"], "p95_ms"
        ),
        "memory_per_connection": round(
            result["memory_per_connection_kb"] / max(bare["memory_per_connection_kb"], 0.1), 2
        ),
    }


# --- output -------------------------------------------------------------------------------------


def table(result: dict) -> str:
    rows = [("clients", result["clients"]), ("connect all (s)", result["connect_seconds"])]
    rows.append(("ballots", "secret (sealed box)" if result.get("secret") else "named"))
    rows.append(("memory per connection (KB)", result["memory_per_connection_kb"]))

    def lat(name: str, figures: dict) -> None:
        if figures.get("n"):
            rows.append(
                (
                    name,
                    f"p50 {figures['p50_ms']} · p95 {figures['p95_ms']} · "
                    f"p99 {figures['p99_ms']} · max {figures['max_ms']} ms (n={figures['n']})",
                )
            )

    rows.append(
        (
            "memory per connection (KB), bare / daphne alone",
            f"{result['baseline']['memory_per_connection_kb']} / "
            f"{result['daphne_floor']['memory_per_connection_kb']}",
        )
    )
    lat("snapshot after connecting", result["snapshot_wait"])
    lat("socket open after connecting, bare", result["baseline"]["snapshot_wait"])
    lat("socket open after connecting, daphne alone", result["daphne_floor"]["snapshot_wait"])
    lat("fan-out, ours", result["fan_out"])
    lat("fan-out, bare websockets", result["baseline"]["fan_out"])
    lat("fan-out spread first → last, ours", result["fan_out_spread"])
    lat("fan-out spread first → last, bare", result["baseline"]["fan_out_spread"])
    action = result.get("action")
    if action:
        lat("action → every member", action["to_every_member"])
        lat("action → first member", action["first_member"])
        lat("action spread first → last member", action["spread"])
        lat("action: moderator's own answer", action["moderator_response"])
    for key in ("vote", "vote_with_worker_killed"):
        vote = result.get(key)
        if not vote:
            continue
        rows.append((f"{key}: ballots/s", vote["ballots_per_second"]))
        lat(f"{key}: ballot committed → every client", vote["commit_to_client"])
        lat(f"{key}: ballot acked → every client", vote["vote_to_client"])
        lat(f"{key}: ballot sent → every client", vote["sent_to_client"])
        lat(f"{key}: close → result", vote["close_to_result"])
        rows.append(
            (
                f"{key}: sent/acked/rows/voters",
                f"{vote['ballots_sent']}/{vote['ballots_acknowledged']}/"
                f"{vote['participation_rows']}/{vote['distinct_voters']} "
                f"(refused {vote['refused']}, lost {vote['lost']}, "
                f"duplicated {vote['duplicated']})",
            )
        )
        rows.append(
            (
                f"{key}: sockets dropped (by close code)",
                f"{vote['sockets_dropped']} {vote.get('sockets_dropped_by') or ''}".strip(),
            )
        )
        if "kill" in vote:
            kill = vote["kill"]
            rows.append(
                (
                    "worker killed: clients back in sync",
                    f"{kill['clients_back_in_sync']}/{kill['clients_dropped']} in "
                    f"{kill['all_back_seconds']} s",
                )
            )
    for name, value in result["ratios_to_baseline"].items():
        rows.append((f"ratio to baseline: {name}", f"{value}×"))
    rows.append(
        ("sockets dropped in the run, by close code", result.get("sockets_dropped_by") or 0)
    )
    rows.append(("channel over capacity in logs", result["channel_over_capacity_in_logs"]))
    rows.append(("busy (503, retried) in logs", result["busy_answers_in_logs"]))
    for phase, procs in result["processes"].items():
        rows.append(
            (
                f"CPU % / RSS MB during {phase}",
                ", ".join(
                    f"{n} {p['cpu_percent']}" + ("" if p["rss_mb"] is None else f"/{p['rss_mb']}")
                    for n, p in procs.items()
                ),
            )
        )
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)


def problems(result: dict) -> list[str]:
    """What went wrong, as opposed to what was slow: these make the command fail."""
    found = []
    for key in ("vote", "vote_with_worker_killed"):
        vote = result.get(key)
        if not vote:
            continue
        for name in (
            "lost",
            "duplicated",
            "failed_after_retries",
            "refused",
            "clients_without_final_turnout",
            "clients_without_result",
            "clients_whose_result_differs_from_database",
        ):
            if vote[name]:
                found.append(f"{key}: {name} = {vote[name]}")
        if vote["ballots_acknowledged"] != vote["participation_rows"]:
            found.append(f"{key}: acknowledged ballots differ from rows")
        kill = vote.get("kill")
        if kill and kill["clients_back_in_sync"] != kill["clients_dropped"]:
            found.append(f"{key}: not every dropped client came back")
    action = result.get("action")
    if action:
        for name in ("answers_without_item", "members_missing"):
            if action[name]:
                found.append(f"action: {name} = {action[name]}")
        if set(action["http_statuses"]) != {"200"}:
            found.append(f"action: answered {action['http_statuses']}")
    if result["channel_over_capacity_in_logs"]:
        found.append("channel over capacity in the workers' logs")
    if result["errors_in_logs"]:
        found.append(f"{result['errors_in_logs']} tracebacks in the workers' logs")
    return found


def _stop_on_sigterm(signum, frame) -> None:
    # As Ctrl+C: the run is cancelled and its `finally` stops the workers it started.
    raise KeyboardInterrupt


def main(argv=None) -> None:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    args = parse_args(argv)
    env = prepare_environment(args)
    print(f"Seeding {args.clients} members in {args.database} …", file=sys.stderr)
    create_database(args)
    import django

    django.setup()
    log_dir = Path(tempfile.mkdtemp(prefix="knoppen-bench-"))
    gc.disable()  # see `phase`
    result = asyncio.run(main_async(args, env, log_dir))
    result["machine"] = {"cores": os.cpu_count(), "python": sys.version.split()[0]}
    result["logs"] = str(log_dir)
    result["problems"] = problems(result)
    print(table(result))
    text = json.dumps(result, sort_keys=True)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)
    if result["problems"]:
        sys.exit("Problems: " + "; ".join(result["problems"]))


if __name__ == "__main__":
    main()
