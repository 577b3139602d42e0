"""Helpers for the live-meeting socket tests (tests/panels/test_consumers.py, test_cluster.py).

Kept out of conftest.py on purpose: only the live tests need them.
"""

import asyncio
import re
from datetime import timedelta

from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from panels.live import changes, fragments
from panels.models import AgendaItem, Meeting, Membership, User

ORIGIN = b"http://testserver"
PAGE_IDS = {
    "live-status",
    "live-agenda",
    "live-speakers",
    "live-presence",
    "live-discussion",
    "live-my-hand",
}
# The big screen's fragments, including those other apps register (their ids are their names).
SCREEN_IDS = {
    name
    for name, fragment in fragments.FRAGMENTS.items()
    if fragments.Audience.SCREEN in fragment.audiences
}

_ID = re.compile(r'<(?:section|div|details|form)\b[^>]*\bid="([a-z-]+)"')
_SEQ = re.compile(r'id="([a-z-]+)"[^>]*\bdata-seq="(\d+)"')
_PRESENT = re.compile(r'id="presence-heading">\s*(\d+)')


def record_notices(monkeypatch, shape=lambda notice: notice) -> list:
    """The notices services send after commit (panels.live.changes), recorded, not sent;
    each as `shape(notice)`."""
    sent: list = []

    def record(group: str, message: dict) -> None:
        if message["type"] == changes.NOTICE:
            sent.append(shape(message))

    monkeypatch.setattr(changes, "_send", record)
    return sent


def make_live_meeting(moderator: Membership, floor_open: bool = True) -> Meeting:
    """A live meeting with the first of two agenda items under discussion.

    Built with the ORM, not the services, so that setting up pushes nothing.
    """
    now = timezone.now()
    meeting = Meeting.objects.create(
        panel=moderator.panel,
        title="Bijeenkomst over onderhoud",
        starts_at=now - timedelta(minutes=5),
        state=Meeting.State.LIVE,
        started_at=now,
        floor_open=floor_open,
        created_by=moderator.user,
    )
    AgendaItem.objects.create(
        meeting=meeting, title="Opening", position=0, state=AgendaItem.State.CURRENT
    )
    AgendaItem.objects.create(meeting=meeting, title="Schilderwerk 2026", position=1)
    return meeting


def session_cookie(who: Membership | User) -> str:
    """The session id of a fresh login (the real session backend, as a browser would have)."""
    user = who.user if isinstance(who, Membership) else who
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def fragment_ids(text: str) -> set[str]:
    """Ids of the top-level fragments in a pushed frame."""
    return set(_ID.findall(text))


async def snapshot_of(socket, within: float = 5) -> str:
    """The first frame of a real socket (`websockets`) that shows the meeting's status: the
    snapshot, or a push even fresher. A presence push may overtake the snapshot (the socket
    joins the relay before its snapshot is rendered, so nothing falls between the two)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        left = deadline - asyncio.get_running_loop().time()
        frame = await asyncio.wait_for(socket.recv(), max(left, 0.001))
        if "live-status" in fragment_ids(frame):
            return frame


def section(text: str, fragment_id: str) -> str:
    """One pushed fragment (a <section> with this id) out of a frame."""
    match = re.search(rf'<section id="{fragment_id}".*?</section>', text, re.S)
    assert match, f"no {fragment_id} in the frame"
    return match.group(0)


def seq_of(text: str, fragment_id: str) -> int:
    return int(dict(_SEQ.findall(text))[fragment_id])


def present_count(text: str) -> int | None:
    """The number in the presence heading, whatever the language."""
    match = _PRESENT.search(text)
    return int(match.group(1)) if match else None


class LiveClient:
    """A WebsocketCommunicator with waits that never cancel the application.

    (asgiref's receive_output cancels the consumer when it times out, which would
    turn "nothing arrived yet" into a dead socket.)
    """

    def __init__(self, communicator: WebsocketCommunicator, name: str) -> None:
        self.communicator = communicator
        self.name = name
        self.connected = False
        self.close_code: int | None = None
        self.disconnected = False

    def _raise_if_crashed(self) -> None:
        future = self.communicator.future
        if future.done():
            future.result()  # raises the consumer's exception, if any

    async def message(self, timeout: float = 2) -> dict:
        self._raise_if_crashed()
        try:
            return await asyncio.wait_for(self.communicator.output_queue.get(), timeout)
        except TimeoutError:
            self._raise_if_crashed()
            raise AssertionError(f"{self.name}: nothing arrived within {timeout}s") from None

    async def text(self, timeout: float = 2) -> str:
        message = await self.message(timeout)
        assert message["type"] == "websocket.send", f"{self.name}: got {message}"
        return message["text"]

    async def gather(self, done, timeout: float = 2, what: str = "") -> list[str]:
        """Frames as they arrive, until `done(frames)` is true; fails after `timeout`."""
        frames: list[str] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not done(frames):
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(
                    f"{self.name}: no {what or 'matching frames'} within {timeout}s; got "
                    + repr([sorted(fragment_ids(t)) for t in frames])
                )
            try:
                message = await asyncio.wait_for(self.communicator.output_queue.get(), left)
            except TimeoutError:
                continue  # the deadline check above reports it
            if message["type"] == "websocket.close":
                raise AssertionError(f"{self.name}: closed ({message}) while waiting for {what}")
            frames.append(message["text"])
        return frames

    async def until(self, predicate, timeout: float = 2, what: str = "") -> str:
        """The first frame that matches; frames before it are dropped."""
        frames = await self.gather(lambda fs: bool(fs) and predicate(fs[-1]), timeout, what)
        return frames[-1]

    async def snapshot(self, ids: set[str] = PAGE_IDS, timeout: float = 3) -> str:
        """The next full snapshot (pushes may come before it: the socket listens first)."""
        return await self.until(lambda t: ids <= fragment_ids(t), timeout, f"a snapshot of {ids}")

    async def frames(self, seconds: float = 0.5) -> list[str]:
        """Everything that arrives within `seconds` (frames only; a close fails the test)."""
        texts: list[str] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (left := deadline - loop.time()) > 0:
            try:
                message = await asyncio.wait_for(self.communicator.output_queue.get(), left)
            except TimeoutError:
                break
            assert message["type"] == "websocket.send", f"{self.name}: got {message}"
            texts.append(message["text"])
        self._raise_if_crashed()
        return texts

    async def nothing(self, seconds: float = 0.4) -> None:
        texts = await self.frames(seconds)
        assert not texts, f"{self.name}: expected nothing, got {[fragment_ids(t) for t in texts]}"

    async def closed(self, timeout: float = 2) -> int:
        """Collect frames until the server closes the socket; returns the close code.

        The frames that came before the close are kept in `before_close`.
        """
        self.before_close: list[str] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            message = await self.message(max(deadline - loop.time(), 0.01))
            if message["type"] == "websocket.close":
                self.close_code = message.get("code", 1000)
                return self.close_code
            self.before_close.append(message["text"])

    async def send(self, text: str | None = None, bytes_: bytes | None = None) -> None:
        if bytes_ is not None:
            await self.communicator.send_to(bytes_data=bytes_)
        else:
            await self.communicator.send_to(text_data=text)

    async def disconnect(self) -> None:
        """The browser goes away (safe to call twice)."""
        if self.disconnected or not self.connected:
            self.disconnected = True
            return
        self.disconnected = True
        await self.communicator.disconnect(timeout=3)
