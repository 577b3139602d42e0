"""The live meeting socket: small and suspicious.

Browsers never write through the socket (writes are HTTP POSTs); it carries
pushes from the server and tells us who is present. On every (re)connect it
sends a full snapshot, so a browser that slept or changed worker converges.
"""

import json
import logging
import time

from channels.auth import get_user
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

from panels import events, wire
from panels.addresses import socket_address
from panels.models import Meeting, Membership
from panels.relay import get_relay, in_pool

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 512
MAX_BAD_FRAMES = 10
# A browser sends a frame only to ask for a fresh snapshot (the page became visible, the
# network came back); each costs a render. More than this in a window closes the socket.
MAX_FRAMES_PER_WINDOW = 20
FRAME_WINDOW_SECONDS = 10
# Close codes: 1000 normal (meeting over), 1008 policy (no access), 1012 reconnect.
CLOSE_RECONNECT = 1012
CLOSE_NO_ACCESS = 4403


def live_membership(user, meeting_id: int) -> tuple[Meeting, Membership] | None:
    """The meeting and the user's active membership of its panel, or None."""
    if not user.is_authenticated or not user.is_active:
        return None
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        return None
    membership = (
        Membership.objects.active()
        .select_related("user")
        .filter(panel_id=meeting.panel_id, user=user)
        .first()
    )
    return (meeting, membership) if membership else None


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

    async def connect(self) -> None:
        self.meeting_id = int(self.scope["url_route"]["kwargs"]["meeting_id"])
        self.registered = False
        self.bad_frames = 0
        self.window = (time.monotonic(), 0)  # (began, frames in it)
        self.wire: wire.DirectWriter | None = None
        found = await in_pool(self.identify)()
        if found is None:
            await self.close()  # before accept: the handshake is refused with 403
            return
        meeting, self.membership = found
        self.audience = events.audience_for(self.membership, screen=self.screen)
        self.language = language_of(self.scope)
        self.frame_key = events.frame_key(self.audience, self.language)
        await self.accept()
        self.wire = wire.DirectWriter.find(self.base_send)
        self.relay = get_relay()
        await self.channel_layer.group_add(
            events.user_group(self.membership.user_id), self.channel_name
        )
        # Subscribe before the snapshot, so nothing falls between the two.
        await self.relay.add(self)
        self.registered = True
        if not self.screen:
            # Before the snapshot: whether this person may vote depends on it.
            await self.relay.record_presence(
                join=(self.meeting_id, self.membership.pk, self.channel_name)
            )
        await self.send_snapshot()
        if meeting.state == Meeting.State.CLOSED:
            await self.close(code=1000)  # nothing will change any more

    def identify(self) -> tuple[Meeting, Membership] | None:
        """Who this is (from the session, with Django's checks), and their membership."""
        self.scope["user"] = get_user.func(self.scope)
        return live_membership(self.scope["user"], self.meeting_id)

    async def disconnect(self, code: int) -> None:
        if not getattr(self, "registered", False):
            return
        self.registered = False
        await self.relay.remove(self)
        await self.channel_layer.group_discard(
            events.user_group(self.membership.user_id), self.channel_name
        )
        if not self.screen:
            await self.relay.record_presence(leave=self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None):
        """Only {"type": "resync"} is understood; anything else is counted and ignored."""
        began, frames = self.window
        now = time.monotonic()
        self.window = (began, frames + 1) if now - began < FRAME_WINDOW_SECONDS else (now, 1)
        if self.window[1] > MAX_FRAMES_PER_WINDOW:
            log.info(
                "closing a socket from %s that sent more than %s frames",
                socket_address(self.scope),
                MAX_FRAMES_PER_WINDOW,
            )
            await self.close(code=1008)
            return
        message = None
        if text_data is not None and len(text_data.encode()) <= MAX_FRAME_BYTES:
            try:
                message = json.loads(text_data)
            except ValueError:
                message = None
        if isinstance(message, dict) and message.get("type") == "resync":
            await self.send_snapshot()
            return
        self.bad_frames += 1
        if self.bad_frames > MAX_BAD_FRAMES:
            log.info(
                "closing a socket from %s that sent %s bad frames",
                socket_address(self.scope),
                self.bad_frames,
            )
            await self.close(code=1008)

    # --- what the relay and the services send ---------------------------------

    async def send_frame(self, text: str, frame: bytes | None = None) -> None:
        """Send finished HTML; `frame` is the same text framed already (one push, many sockets)."""
        if self.wire is not None and self.wire.write(frame or wire.text_frame(text)):
            return
        try:
            await self.send(text_data=text)
        except Exception:  # noqa: BLE001 - the socket went away under us
            log.debug("dropping a frame for a closed socket")

    def _render_shared(self) -> str:
        names = events.snapshot_names(self.audience)
        _seq, frames = events.render_frames(
            self.meeting_id, names, audiences=[self.audience], languages=[self.language]
        )
        return "".join(frames.get(self.frame_key, {}).values())

    def _render_personal(self, state: events.LiveState | None = None, names=None) -> str:
        with translation.override(self.language):
            return events.render_personal(self.meeting_id, self.membership, state, names)

    async def send_snapshot(self) -> None:
        """Everything the page shows: the part shared with everyone alike, then this person's."""
        text = await self.relay.shared_snapshot(
            self.meeting_id, self.frame_key, self._render_shared
        )
        if not self.screen:
            state = self.relay.live_state(self.meeting_id)
            text += await in_pool(self._render_personal)(state)
        await self.send_frame(text)

    async def close_for_meeting_end(self) -> None:
        await self.close(code=1000)

    async def live_personal(self, event: dict) -> None:
        if event.get("meeting") != self.meeting_id or self.screen:
            return
        names = event.get("names")
        if names is not None:
            names = [name for name in names if name in events.PERSONAL_FRAGMENTS]
            if not names:
                return
        await self.send_frame(await in_pool(self._render_personal)(None, names))

    async def membership_changed(self, event: dict) -> None:
        """Someone changed this person's role or access: re-check, and reconnect if needed."""
        found = await in_pool(self.identify)()
        if found is None:
            await self.close(code=CLOSE_NO_ACCESS)
            return
        _meeting, membership = found
        if events.audience_for(membership, screen=self.screen) != self.audience:
            await self.close(code=CLOSE_RECONNECT)
        else:
            self.membership = membership


class ScreenConsumer(MeetingConsumer):
    """The big-screen view: display only, not counted as present."""

    screen = True
