"""The live meeting socket: small and suspicious.

Browsers never write through the socket (writes are HTTP POSTs); it carries
pushes from the server and tells us who is present. On every (re)connect it
sends a full snapshot, so a browser that slept or changed worker converges.

However a socket ends (either side closes it, the network goes, a handler fails,
daphne gives up on it), the socket leaves the relay and the room: a consumer that
died without its cleanup stayed "present", with a vote, for as long as its worker
lived. The server closes only with the codes of `Close`.
"""

import asyncio
import copy
import json
import logging
import time
import uuid
from enum import IntEnum

from channels.auth import get_user
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSession
from django.db.models import F
from django.utils import timezone, translation
from django.utils.functional import LazyObject
from django.utils.translation.trans_real import parse_accept_lang_header

from panels.addresses import socket_address
from panels.live import fragments, wire
from panels.live.relay import get_relay, in_pool
from panels.models import Meeting, Membership

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 512
MAX_BAD_FRAMES = 10
# A browser sends a frame only to ask for a fresh snapshot (the page became visible, the
# network came back); each costs a render. More than this in a window closes the socket.
MAX_FRAMES_PER_WINDOW = 20
FRAME_WINDOW_SECONDS = 10


class Close(IntEnum):
    """Every code the server closes a live socket with, and why.

    A server may send only 1000 or a code in 3000-4999 (RFC 6455, 7.4.2); autobahn, under
    daphne, refuses any other (1008, 1012) with an exception that kills the consumer: the
    socket then drops with 1011 and its cleanup never runs. What the page does after each
    code is `AFTER`; static/js/live.js has the same table.
    """

    # The meeting is over. The page has the final state (sent just before); it stops.
    MEETING_ENDED = 1000
    # The person's role changed, and with it what they see (their audience), or it could
    # not be checked: the page reconnects at once and gets the new view's snapshot.
    AUDIENCE_CHANGED = 4012
    # More than MAX_BAD_FRAMES frames our pages never send: not our page, or a broken one.
    # The page stops (trying again would send the same); reloading it starts afresh.
    BAD_FRAMES = 4400
    # The membership (or the account) is no longer active: the page stops and says so.
    NO_ACCESS = 4403
    # More than MAX_FRAMES_PER_WINDOW requests in a window. Our page asks for a snapshot
    # when it wakes up or comes back online, which a flapping network can make a loop: it
    # reconnects after a pause longer than the window (a flood has to wait as long).
    TOO_MANY_FRAMES = 4429


# What the page does after each code (static/js/live.js: `AFTER`, kept alike by a test).
AFTER = {
    Close.MEETING_ENDED: "stop",
    Close.AUDIENCE_CHANGED: "reconnect",
    Close.BAD_FRAMES: "stop",
    Close.NO_ACCESS: "refused",
    Close.TOO_MANY_FRAMES: "pause",
}


# The largest id either database stores (a 64-bit integer); the path's <int:> takes any digits.
MAX_ID = 2**63 - 1


def live_memberships(asked: list[tuple[object, int]]) -> list[tuple[Membership, bool] | None]:
    """For each (user, meeting id): the user's active membership of the meeting's panel,
    and whether the meeting is over; or None. All in one query.

    Found through the meeting, with the meeting's state beside it. The users are the ones
    their sessions named, loaded already (and `is_active` checked here).
    """
    wanted = {
        (user.pk, meeting_id)
        for user, meeting_id in asked
        if user.is_authenticated and user.is_active and 0 < meeting_id <= MAX_ID
    }
    found = {}
    if wanted:
        rows = (
            Membership.objects.filter(
                user__in={user_id for user_id, _ in wanted},
                is_active=True,
                panel__meetings__id__in={meeting_id for _, meeting_id in wanted},
            )
            # The same join as the filter's: the state of this meeting, not another of the
            # panel's.
            .annotate(
                live_meeting_id=F("panel__meetings__id"), meeting_state=F("panel__meetings__state")
            )
        )
        found = {(row.user_id, row.live_meeting_id): row for row in rows}
    answers = []
    for user, meeting_id in asked:
        row = found.get((user.pk, meeting_id)) if (user.pk, meeting_id) in wanted else None
        if row is not None:
            # One row may answer several sockets of one person: each gets its own.
            row = copy.copy(row)
            row.user = user
        answers.append(None if row is None else (row, row.meeting_state in Meeting.ENDED))
    return answers


def load_sessions(sessions: list) -> None:
    """Read these sockets' sessions from the database in one query, as each would read its
    own on first use (`SessionStore.load`): unknown or expired, a session is empty.

    For sessions in the database (Django's `db` engine, ours); any other engine, and a
    session read already, is left to read itself.
    """
    waiting: dict[str, list] = {}
    for session in sessions:
        if isinstance(session, LazyObject):
            session = session._wrapped  # channels' SessionMiddleware wraps the store
        if isinstance(session, DatabaseSession) and not hasattr(session, "_session_cache"):
            waiting.setdefault(session.session_key, []).append(session)
    keys = [key for key in waiting if key]
    stored = dict(
        DatabaseSession.get_model_class()
        .objects.filter(session_key__in=keys, expire_date__gt=timezone.now())
        .values_list("session_key", "session_data")
        if keys
        else ()
    )
    for key, stores in waiting.items():
        for store in stores:
            if key in stored:
                store._session_cache = store.decode(stored[key])
            else:
                store._session_key = None  # as `load` does for a key it does not find
                store._session_cache = {}


def identify_many(sockets: list[tuple[dict, int]]) -> list[tuple[Membership, bool] | None]:
    """Who each socket is, from its scope, for its meeting: `live_memberships` of the users
    their sessions name (Django's own check of each session: `get_user`).

    For a batch of arrivals (`Relay.batched`): the sessions in one query, the memberships
    in one; each user is one query, as Django reads it.
    """
    load_sessions([scope["session"] for scope, _ in sockets])
    for scope, _ in sockets:
        scope["user"] = get_user.func(scope)
    return live_memberships([(scope["user"], meeting_id) for scope, meeting_id in sockets])


def language_of(scope) -> str:
    """The page language: the language cookie, else the browser's preference, else Dutch."""
    supported = {code for code, _ in settings.LANGUAGES}
    cookie = scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME)
    if cookie in supported:
        return cookie
    headers = dict(scope.get("headers", []))
    accept = headers.get(b"accept-language", b"").decode("latin-1")[:200]
    for code, _quality in parse_accept_lang_header(accept):
        try:
            variant = translation.get_supported_language_variant(code)
        except LookupError:
            continue
        if variant in supported:
            return variant
    return settings.LANGUAGE_CODE


def session_stack(inner):
    """Cookies and the session for a socket; the consumer reads the user itself.

    Not Channels' AuthMiddleware: it reads the user on the process's one shared database
    thread (in a reconnect storm of 500 sockets the last handshake waited 15 s for its
    turn), and apart from the membership, which costs a second wait for the database pool
    when the workers are busy. `MeetingConsumer.identify` does both in one go.
    """
    return CookieMiddleware(SessionMiddleware(inner))


class MeetingConsumer(AsyncWebsocketConsumer):
    screen = False
    # No channel-layer channel of its own (no layer by this name): nothing is sent to one
    # socket through the layer, its meeting's relay hands it what it gets. A channel would
    # be an inbox and a receive waiting on it per socket, kept for nothing.
    channel_layer_alias = "none: the relay delivers"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.relay = None
        self.membership: Membership | None = None
        self.joined = False  # present: an arrival was queued for this socket
        self.gone = False  # out of the relay and the room (see `forget`)
        self.departure: asyncio.Future | None = None
        # This socket in the presence table (`Presence.connection`).
        self.connection = uuid.uuid4().hex

    async def __call__(self, scope, receive, send) -> None:
        """The socket's whole life; however it ends, the cleanup runs.

        Normally daphne reports the end (`disconnect`). Not when a handler fails (a
        database error while re-checking a membership): Channels then lets the exception
        end the application, daphne closes the socket with 1011 (the page reconnects)
        and `disconnect` never runs. Nor when daphne cancels an application that did not
        finish in time after its socket closed.
        """
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self.end()

    async def connect(self) -> None:
        self.meeting_id = int(self.scope["url_route"]["kwargs"]["meeting_id"])
        self.bad_frames = 0
        self.window = (time.monotonic(), 0)  # (began, frames in it)
        self.wire: wire.DirectWriter | None = None
        # With the others arriving meanwhile (a connect storm: one batch, not 500 turns).
        found = await get_relay().batched(identify_many, (self.scope, self.meeting_id))
        if found is None:
            await self.close()  # before accept: the handshake is refused with 403
            return
        self.membership, over = found
        self.audience = fragments.audience_for(self.membership, screen=self.screen)
        self.language = language_of(self.scope)
        self.frame_key = fragments.frame_key(self.audience, self.language)
        await self.accept()
        self.wire = wire.DirectWriter.find(self.base_send)
        self.relay = get_relay()
        # Subscribe before the snapshot, so nothing falls between the two.
        await self.relay.add(self)
        if self.gone:
            return  # closed while subscribing (the meeting ended): nothing to join
        if not self.screen:
            # Before the snapshot: whether this person may vote depends on it.
            self.joined = True
            await self.relay.record_presence(
                join=(self.meeting_id, self.membership.pk, self.connection)
            )
        await self.send_snapshot()
        if over:
            await self.close(Close.MEETING_ENDED)  # nothing will change any more

    def identify(self) -> tuple[Membership, bool] | None:
        """Who this is (from the session, with Django's checks): their membership, and
        whether the meeting is over (`identify_many`, for this socket alone)."""
        return identify_many([(self.scope, self.meeting_id)])[0]

    # --- the end ------------------------------------------------------------------

    def forget(self) -> asyncio.Future | None:
        """Take the socket out of the room and the relay at once; the departure it queued.

        Synchronous, so nothing can interrupt it halfway, and the departure first: once
        queued, the relay writes it (retrying) whatever becomes of this consumer. Safe to
        call again (it does nothing then), and before `connect` got anywhere.
        """
        if not self.gone:
            self.gone = True
            if self.joined:
                self.departure = self.relay.queue_presence(leave=self.connection)
            if self.relay is not None:
                self.relay.remove(self)
        return self.departure

    async def end(self) -> None:
        """Forget the socket and wait until the departure is written (the next page they
        open sees them gone). Idempotent."""
        departure = self.forget()
        if departure is not None:
            await asyncio.shield(departure)

    async def disconnect(self, code: int) -> None:
        await self.end()

    async def close(self, code: Close | None = None, reason: str | None = None) -> None:
        """Close from the server's side, with one of `Close` (None: refuse the handshake).

        The socket leaves the room and the relay before the close frame goes out, not
        when daphne reports the closing handshake done: a client that never answers it
        keeps its socket until autobahn gives up, and must not count as present, nor get
        pushes, meanwhile. `disconnect` then finds nothing left to do.
        """
        if code is not None:
            # A code a server may not send fails here, not in daphne; and a plain int
            # goes out (autobahn refuses even an int subclass).
            code = int(Close(code))
        self.forget()
        await super().close(code=code, reason=reason)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None):
        """Only {"type": "resync"} is understood; anything else is counted and ignored."""
        if self.gone:
            return  # sent before our close reached the browser
        began, frames = self.window
        now = time.monotonic()
        self.window = (began, frames + 1) if now - began < FRAME_WINDOW_SECONDS else (now, 1)
        if self.window[1] > MAX_FRAMES_PER_WINDOW:
            log.info(
                "closing a socket from %s that sent more than %s frames",
                socket_address(self.scope),
                MAX_FRAMES_PER_WINDOW,
            )
            await self.close(Close.TOO_MANY_FRAMES)
            return
        message = None
        if text_data is not None and len(text_data.encode()) <= MAX_FRAME_BYTES:
            try:
                message = json.loads(text_data)
            except ValueError:
                message = None
        if isinstance(message, dict) and message.get("type") == "resync":
            await self.send_snapshot(fresh=True)
            return
        self.bad_frames += 1
        if self.bad_frames > MAX_BAD_FRAMES:
            log.info(
                "closing a socket from %s that sent %s bad frames",
                socket_address(self.scope),
                self.bad_frames,
            )
            await self.close(Close.BAD_FRAMES)

    # --- what the relay and the services send ---------------------------------

    async def send_frame(self, text: str, frame: bytes | None = None) -> None:
        """Send finished HTML; `frame` is the same text framed already (one push, many sockets)."""
        if self.wire is not None and self.wire.write(frame or wire.text_frame(text)):
            return
        try:
            await self.send(text_data=text)
        except Exception:  # noqa: BLE001 - the socket went away under us
            log.debug("dropping a frame for a closed socket")

    @property
    def user_id(self) -> int:
        return self.membership.user_id

    def _shared(self) -> str:
        return fragments.shared_snapshot(self.meeting_id, self.audience, self.language)

    async def send_snapshot(self, fresh: bool = False) -> None:
        """Everything the page shows: the part shared with everyone alike (rendered once per
        change for all sockets here with the same audience and language), then this
        person's own. `fresh`: rendered after this moment (the page asked: it may have
        missed a change)."""
        shared = await self.relay.shared_snapshot(
            self.meeting_id,
            self.frame_key,
            self._shared,
            since=time.monotonic() if fresh else None,
        )
        text = await in_pool(fragments.snapshot)(
            self.meeting_id,
            self.membership,
            self.audience,
            self.language,
            shared=shared,
            state=self.relay.live_state(self.meeting_id),
        )
        await self.send_frame(text)

    async def send_personal(self, names: list[str] | None) -> None:
        """This person's own fragments again (those named, or all), after a change to them."""
        if self.screen or self.gone or names == []:
            return
        # The meeting's state as the relay keeps it (loaded once per change, as for
        # snapshots): a ballot's "you have voted" reads only what is about this person
        # anew, not the meeting's votes again for each of a hundred ballots a second.
        state = self.relay.live_state(self.meeting_id)
        await self.send_frame(await in_pool(self._personal)(names, state))

    def _personal(self, names: list[str] | None, state: fragments.LiveState) -> str:
        with translation.override(self.language):
            return fragments.render_personal(
                self.meeting_id, self.membership, state=state, names=names
            )

    async def close_for_meeting_end(self) -> None:
        await self.close(Close.MEETING_ENDED)

    async def membership_changed(self, event: dict) -> None:
        """Someone changed this person's role or access: re-check, and reconnect if needed.
        (The relay of this socket's meeting hands it on: panels/live/changes.py.)"""
        if self.gone:
            return
        try:
            found = await in_pool(self.identify)()
        except Exception:
            # Not known who this is now: the page reconnects at once, and its connect
            # checks again (or is refused). The relay that handed this on carries on.
            log.exception("re-checking a live socket's membership failed")
            await self.close(Close.AUDIENCE_CHANGED)
            return
        if found is None:
            await self.close(Close.NO_ACCESS)
            return
        membership, _over = found
        if fragments.audience_for(membership, screen=self.screen) != self.audience:
            await self.close(Close.AUDIENCE_CHANGED)
        else:
            self.membership = membership


class ScreenConsumer(MeetingConsumer):
    """The big-screen view: display only, not counted as present."""

    screen = True
