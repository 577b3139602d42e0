"""The per-process relay: one channel-layer subscription per live meeting.

The textbook Channels fan-out puts every socket in the group, so each push is
copied into every consumer's queue and dispatched once per socket. Measured
here, that was 11-24x slower than a bare WebSocket broadcast at 1,000 clients.
Instead each process subscribes once per meeting that has local sockets
(docs/decisions/0002-live-fan-out.md). A service's notice (panels/live/changes.py)
says what changed; the relay renders it once per audience and language among its
own sockets, and writes the finished frame straight to them. An ordinary change is
rendered at once; a burst (turnout, presence) at most once per interval. The
personal part is rendered per person, for the people the notice names.

The relay survives channel-layer errors: it resubscribes with a backoff and
sends every local socket a fresh snapshot, since pushes may have been missed.

It also does, once per process, what every socket would otherwise do alone:
the shared part of a snapshot is rendered once per audience and language
while nothing changes (a reconnect storm renders it once, not a thousand
times), and presence is written in batches.

Database work runs in the thread pool (`thread_sensitive=False`), not on the
one thread Channels gives a process by default: queued behind a thousand
snapshots there, presence writes and heartbeats fell minutes behind.
"""

import asyncio
import contextlib
import logging
import time
import weakref
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone

from panels.live import changes, fragments, presence, wire

log = logging.getLogger(__name__)

RETRY_DELAYS = (0.2, 0.5, 1, 2, 5)
# Group membership in the Redis layer expires; renew well before it does.
RESUBSCRIBE_EVERY = 600
# A burst (presence in a reconnect storm, turnout during a vote) is rendered at most once
# per interval per meeting: LOCAL_SECONDS, or longer with many sockets here.
LOCAL_SECONDS = 0.1
# Turnout during a big vote goes to every socket: a worker sends at most about this many
# such frames a second (at 1,000 sockets, one turnout every 0.1 s; more sockets, less
# often). A frame written straight to the socket costs a few microseconds
# (panels/live/wire.py); through the ASGI send it was some 45 us, and the budget was a
# quarter of this.
LOCAL_FRAMES_PER_SECOND = 10000
# Fragments whose bursts may wait longer: in a reconnect storm of 2,000 the presence list
# changes with every batch of arrivals, and nobody needs it redrawn ten times a second.
BURST_SECONDS = {"presence": 0.25}
# A cached snapshot is dropped on any change to its meeting; this bounds it besides.
SNAPSHOT_SECONDS = 10


def in_pool(function: Callable) -> Callable:
    """`database_sync_to_async`, run in the thread pool (see the module docstring)."""
    return database_sync_to_async(function, thread_sensitive=False)


class LiveSocket(Protocol):
    meeting_id: int
    frame_key: str
    user_id: int

    async def send_frame(self, text: str, frame: bytes | None = None) -> None: ...

    async def send_personal(self, names: list[str] | None) -> None: ...

    async def send_snapshot(self) -> None: ...

    async def close_for_meeting_end(self) -> None: ...

    async def membership_changed(self, event: dict) -> None: ...


@dataclass
class CachedSnapshot:
    generation: int
    made_at: float
    render: asyncio.Task


class Relay:
    def __init__(self) -> None:
        self.worker_id = presence.worker_name()
        self.layer = get_channel_layer()
        self.sockets: dict[int, set[LiveSocket]] = defaultdict(set)
        self.listeners: dict[int, asyncio.Task] = {}
        self.ready: dict[int, asyncio.Event] = {}
        self.channels: dict[int, str] = {}
        self.seen: dict[int, dict[str, int]] = defaultdict(dict)
        self.pending_local: dict[int, set[str]] = {}
        self.last_flush: dict[int, float] = {}
        self.heartbeat_task: asyncio.Task | None = None
        self.restarts = 0
        # Bumped on every message about a meeting: a snapshot rendered before is stale.
        self.generation: dict[int, int] = defaultdict(int)
        self.snapshots: dict[tuple[int, str], CachedSnapshot] = {}
        self.states: dict[int, tuple[int, float, fragments.LiveState]] = {}
        self.presence_joins: list[presence.Join] = []
        self.presence_leaves: list[str] = []
        self.presence_waiters: list[asyncio.Future] = []
        self.presence_task: asyncio.Task | None = None
        self.batches: dict[Callable, list] = {}
        self.batch_tasks: dict[Callable, asyncio.Task] = {}

    # --- sockets come and go ---------------------------------------------

    async def add(self, live_socket: LiveSocket) -> None:
        """Register a socket; returns once its meeting's subscription is live."""
        meeting_id = live_socket.meeting_id
        self.sockets[meeting_id].add(live_socket)
        if meeting_id not in self.listeners:
            self.ready[meeting_id] = asyncio.Event()
            self.listeners[meeting_id] = asyncio.create_task(
                self._listen(meeting_id), name=f"relay-{meeting_id}"
            )
        if self.heartbeat_task is None or self.heartbeat_task.done():
            self.heartbeat_task = asyncio.create_task(self._heartbeat(), name="relay-heartbeat")
        await self.ready[meeting_id].wait()

    def remove(self, live_socket: LiveSocket) -> None:
        """Forget a socket (at once: no waiting, so a closing consumer cannot be stopped
        halfway); nothing happens for a socket the relay does not hold."""
        meeting_id = live_socket.meeting_id
        local = self.sockets.get(meeting_id)
        if local is None:
            return
        local.discard(live_socket)
        if not local:
            del self.sockets[meeting_id]
            task = self.listeners.pop(meeting_id, None)
            self.ready.pop(meeting_id, None)
            self.seen.pop(meeting_id, None)
            self.channels.pop(meeting_id, None)
            self.generation.pop(meeting_id, None)
            self.last_flush.pop(meeting_id, None)
            for key in [key for key in self.snapshots if key[0] == meeting_id]:
                del self.snapshots[key]
            self.states.pop(meeting_id, None)
            if task is not None:
                task.cancel()

    # --- the subscription -------------------------------------------------

    async def _listen(self, meeting_id: int) -> None:
        group = changes.meeting_group(meeting_id)
        attempt = 0
        while True:
            channel = None
            try:
                # The default prefix on purpose: channels_redis lets one coroutine per
                # process read at a time, from the inbox shared by all channels with
                # this prefix; a relay inbox of its own would starve behind consumers.
                channel = await self.layer.new_channel()
                await self.layer.group_add(group, channel)
                self.channels[meeting_id] = channel
                if attempt:
                    log.warning("relay for meeting %s resubscribed", meeting_id)
                    self.restarts += 1
                    await self.resync(meeting_id)
                self.ready[meeting_id].set()
                attempt = 0
                while True:
                    message = await self.layer.receive(channel)
                    await self.deliver(meeting_id, message)
            except asyncio.CancelledError:
                if channel is not None:
                    with contextlib.suppress(Exception):  # shutting down anyway
                        await asyncio.shield(self.layer.group_discard(group, channel))
                raise
            except Exception:
                if channel is not None:
                    with contextlib.suppress(Exception):
                        await self.layer.group_discard(group, channel)
                delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)]
                attempt += 1
                log.exception("relay for meeting %s failed; retrying in %ss", meeting_id, delay)
                await asyncio.sleep(delay)

    async def deliver(self, meeting_id: int, message: dict) -> None:
        """A service's notice (panels/live/changes.py): render what changed, here, for here;
        or a change to someone's membership, for their sockets here to re-check.

        A snapshot rendered before a change is stale: the change bumps the generation. A
        burst's change does so when its render goes out (`_flush_local`), not with every
        notice: in a reconnect storm presence changes with each batch of arrivals on every
        worker, and a snapshot dropped for each would be rendered anew for every socket.
        (Until the burst's render goes out, a new socket gets the snapshot from before it,
        and then the render, like every other socket.)
        """
        if message.get("type") == changes.MEMBERSHIP_CHANGED:
            await asyncio.gather(
                *(
                    live_socket.membership_changed(message)
                    for live_socket in list(self.sockets.get(meeting_id, ()))
                    if live_socket.user_id == message.get("user")
                )
            )
            return
        if message.get("type") != changes.NOTICE or not message.get("burst"):
            self.generation[meeting_id] += 1
        if message.get("type") != changes.NOTICE:
            return
        names = fragments.expand(message.get("names", ()))
        if message.get("burst"):
            self.schedule_local(meeting_id, *names)
        elif names:
            # Anything a burst left waiting goes along (its own turn then finds nothing).
            await self._render_local(meeting_id, names | self.pending_local.pop(meeting_id, set()))
        personal = set(message.get("personal", ()))
        if personal:
            wanted = message.get("personal_names")
            if wanted is not None:
                wanted = [name for name in wanted if name in fragments.PERSONAL_FRAGMENTS]
            await asyncio.gather(
                *(
                    live_socket.send_personal(wanted)
                    for live_socket in list(self.sockets.get(meeting_id, ()))
                    if live_socket.user_id in personal
                )
            )
        if message.get("ends"):
            for live_socket in list(self.sockets.get(meeting_id, ())):
                await live_socket.close_for_meeting_end()

    async def write_frames(
        self, meeting_id: int, seq: int, frames: dict[str, dict[str, str]]
    ) -> None:
        """Write rendered fragments to the local sockets, each the text for its frame key."""
        seen = self.seen[meeting_id]
        # A fragment rendered before one we already sent is stale: drop it.
        names = {name for parts in frames.values() for name in parts}
        fresh = {name for name in names if seq >= seen.get(name, -1)}
        for name in fresh:
            seen[name] = seq
        texts = {
            key: "".join(html for name, html in parts.items() if name in fresh)
            for key, parts in frames.items()
        }
        # Framed once per text, written to every socket that gets it (panels/live/wire.py).
        framed = {key: wire.text_frame(text) for key, text in texts.items() if text}
        for live_socket in list(self.sockets.get(meeting_id, ())):
            frame = framed.get(live_socket.frame_key)
            if frame:
                await live_socket.send_frame(texts[live_socket.frame_key], frame)

    async def resync(self, meeting_id: int) -> None:
        """Send every local socket of the meeting a full snapshot."""
        self.generation[meeting_id] += 1
        for live_socket in list(self.sockets.get(meeting_id, ())):
            await live_socket.send_snapshot()

    # --- snapshots, shared ------------------------------------------------------

    async def shared_snapshot(
        self, meeting_id: int, frame_key: str, render: Callable, since: float | None = None
    ) -> str:
        """The part of a snapshot everyone with this frame key gets: rendered once per change.

        `render()` runs in the thread pool. Sockets asking while it runs wait for the same
        render. A render that a change overtook is used (the socket is subscribed already,
        so the change reaches it next) but not kept. `since` (a `time.monotonic()`): only a
        render begun then or later will do (a page that asks for a fresh snapshot may have
        missed a notice; one begun before it asked may not show what it missed).
        """
        key = (meeting_id, frame_key)
        generation = self.generation[meeting_id]
        cached = self.snapshots.get(key)
        if (
            cached is None
            or cached.generation != generation
            or (since is not None and cached.made_at < since)
            or time.monotonic() - cached.made_at > SNAPSHOT_SECONDS
            or (cached.render.done() and (cached.render.cancelled() or cached.render.exception()))
        ):
            cached = CachedSnapshot(
                generation, time.monotonic(), asyncio.ensure_future(in_pool(render)())
            )
            self.snapshots[key] = cached
        try:
            # Shielded: a socket that goes away must not cancel the render others wait for.
            return await asyncio.shield(cached.render)
        finally:
            if self.generation.get(meeting_id) != cached.generation and (
                self.snapshots.get(key) is cached
            ):
                del self.snapshots[key]

    def live_state(self, meeting_id: int) -> fragments.LiveState:
        """What the meeting's fragments show, loaded once per change for every snapshot.

        The personal part of each socket's snapshot reads the meeting, its agenda, speakers
        and votes from this shared state, and only what is about the person itself anew.
        """
        generation = self.generation[meeting_id]
        cached = self.states.get(meeting_id)
        if (
            cached is not None
            and cached[0] == generation
            and time.monotonic() - cached[1] <= SNAPSHOT_SECONDS
        ):
            return cached[2]
        state = fragments.LiveState(meeting_id)
        self.states[meeting_id] = (generation, time.monotonic(), state)
        return state

    # --- work in batches ------------------------------------------------------------

    async def batched(self, function: Callable, item):
        """`function(items)[i]` for this item, in the thread pool, with every item asked of
        the same function while the batch before was running (a connect storm's 500
        identities in a few batches, each with one set of queries, where each took its
        own turn in the pool). A batch that fails fails each of its items.
        """
        answer = asyncio.get_running_loop().create_future()
        self.batches.setdefault(function, []).append((item, answer))
        if function not in self.batch_tasks:
            self.batch_tasks[function] = asyncio.create_task(self._run_batches(function))
        try:
            # Shielded: a socket that goes away must not cancel the batch others wait for.
            return await asyncio.shield(answer)
        except asyncio.CancelledError:
            # Nobody reads this answer now: if its batch fails, that is not news to log.
            answer.add_done_callback(_read_and_drop)
            raise

    async def _run_batches(self, function: Callable) -> None:
        batch: list = []
        try:
            while self.batches.get(function):
                batch, self.batches[function] = self.batches[function], []
                try:
                    answers = await in_pool(function)([item for item, _ in batch])
                except Exception as error:  # noqa: BLE001 - each item's caller gets it
                    for _, answer in batch:
                        if not answer.done():
                            answer.set_exception(error)
                else:
                    for (_, answer), result in zip(batch, answers, strict=True):
                        if not answer.done():
                            answer.set_result(result)
                batch = []
        finally:
            del self.batch_tasks[function]
            for _, answer in batch + self.batches.pop(function, []):
                answer.cancel()  # only when the relay itself is stopped

    # --- presence, in batches ------------------------------------------------------

    async def record_presence(self, join: presence.Join | None = None, leave: str = "") -> None:
        """Queue a socket's arrival or departure; returns once it is in the database."""
        await asyncio.shield(self.queue_presence(join, leave))

    def queue_presence(self, join: presence.Join | None = None, leave: str = "") -> asyncio.Future:
        """Queue a socket's arrival or departure; the future is done once it is written.

        Everything queued while a batch is being written goes into the next one. A failed
        write is retried (with the same backoff as the subscription) until it succeeds: a
        lost arrival would cost someone their vote, a lost departure would keep a ghost.
        Once queued, it is written whatever becomes of the socket that asked.
        """
        if join is not None:
            self.presence_joins.append(join)
        if leave:
            self.presence_leaves.append(leave)
        waiter = asyncio.get_running_loop().create_future()
        self.presence_waiters.append(waiter)
        if self.presence_task is None or self.presence_task.done():
            self.presence_task = asyncio.create_task(self._write_presence(), name="presence")
        return waiter

    async def _write_presence(self) -> None:
        attempt = 0
        while self.presence_waiters:
            joins, self.presence_joins = self.presence_joins, []
            leaves, self.presence_leaves = self.presence_leaves, []
            waiters, self.presence_waiters = self.presence_waiters, []
            try:
                changed = await in_pool(presence.record)(self.worker_id, joins, leaves)
            except Exception:
                # Back in front of whatever came in meanwhile, so joins stay before leaves.
                self.presence_joins[:0] = joins
                self.presence_leaves[:0] = leaves
                self.presence_waiters[:0] = waiters
                delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)]
                attempt += 1
                log.exception("writing presence failed; retrying in %ss", delay)
                await asyncio.sleep(delay)
                continue
            attempt = 0
            # Every worker redraws the meetings' presence lists (a burst: see schedule_local);
            # sent from the loop, so the next batch is written meanwhile.
            for meeting_id in changed:
                asyncio.ensure_future(changes.announce_burst(meeting_id, "presence"))
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    # --- coalesced renders -------------------------------------------------

    def schedule_local(self, meeting_id: int, *names: str) -> None:
        """Render these fragments soon for this process's sockets (a burst, coalesced).

        The first change of a burst goes out at once (turnout: the first ballots show
        without delay), the rest at most once per interval: 0.1 s (presence: 0.25 s),
        longer in a meeting with more sockets here than LOCAL_FRAMES_PER_SECOND allows.
        Whatever is asked for until then goes into that one render.
        """
        if meeting_id in self.pending_local:
            self.pending_local[meeting_id].update(names)
            return
        self.pending_local[meeting_id] = set(names)
        interval = max(
            LOCAL_SECONDS,
            len(self.sockets.get(meeting_id, ())) / LOCAL_FRAMES_PER_SECOND,
            *(BURST_SECONDS.get(name, 0) for name in names),
        )
        loop = asyncio.get_running_loop()
        due = max(loop.time(), self.last_flush.get(meeting_id, 0.0) + interval)
        self.last_flush[meeting_id] = due

        def run() -> None:
            asyncio.ensure_future(self._flush_local(meeting_id))

        loop.call_at(due, run)

    async def _flush_local(self, meeting_id: int) -> None:
        names = self.pending_local.pop(meeting_id, set())
        if names:
            self.generation[meeting_id] += 1  # snapshots from before the burst are stale now
            await self._render_local(meeting_id, names)

    async def _render_local(self, meeting_id: int, names: set[str]) -> None:
        """Render the named fragments for the audiences and languages of the local sockets
        (in the thread pool) and write them; a render that fails is logged (the next
        change, or a reconnect's snapshot, brings the page up to date)."""
        local = self.sockets.get(meeting_id)
        if not names or not local:
            return
        keys = set()
        for live_socket in local:
            audience, language = live_socket.frame_key.split("/")
            keys.add((fragments.Audience(audience), language))
        try:
            seq, frames = await in_pool(fragments.render_frames)(
                meeting_id, sorted(names), keys=sorted(keys)
            )
            await self.write_frames(meeting_id, seq, frames)
        except Exception:
            log.exception("rendering %s for meeting %s failed", sorted(names), meeting_id)

    # --- liveness ------------------------------------------------------------

    async def _heartbeat(self) -> None:
        beats = 0
        since = None
        while self.sockets:
            try:
                began = timezone.now()
                # Announces the meetings whose presence changed.
                await in_pool(presence.heartbeat)(self.worker_id, since)
                since = began
                beats += 1
                if beats % (RESUBSCRIBE_EVERY // presence.HEARTBEAT_SECONDS) == 0:
                    await self._renew_groups()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("presence heartbeat failed")
            await asyncio.sleep(presence.HEARTBEAT_SECONDS)

    async def _renew_groups(self) -> None:
        for meeting_id, channel in list(self.channels.items()):
            await self.layer.group_add(changes.meeting_group(meeting_id), channel)


def _read_and_drop(future: asyncio.Future) -> None:
    if not future.cancelled():
        future.exception()


_relays: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Relay]" = weakref.WeakKeyDictionary()


def get_relay() -> Relay:
    """The relay of the running event loop (one per daphne process; one per test loop)."""
    loop = asyncio.get_running_loop()
    relay = _relays.get(loop)
    if relay is None:
        relay = _relays[loop] = Relay()
    return relay
