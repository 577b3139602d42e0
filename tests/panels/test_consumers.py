"""The live meeting socket, through the real ASGI stack: who may connect and who receives what.

Every socket goes through config.asgi.application, so the Origin check and the
session cookie are the ones a browser meets. Changes are made through the
services (as the views do) and reach the sockets after commit, via the
per-process relay. Runs on the in-memory layer by default and on Redis when
REDIS_URL is set.
"""

import asyncio
import json
import os
from copy import deepcopy
from uuid import uuid4

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import OperationalError
from django.utils import translation

from config.asgi import application
from panels import floor, meetings, services
from panels.live import fragments
from panels.live.consumers import MAX_BAD_FRAMES, MAX_FRAMES_PER_WINDOW, Close, MeetingConsumer
from panels.live.relay import get_relay
from panels.models import AgendaItem, Membership, Presence, Role
from tests.live_helpers import (
    ORIGIN,
    PAGE_IDS,
    SCREEN_IDS,
    LiveClient,
    fragment_ids,
    make_live_meeting,
    present_count,
    seq_of,
    session_cookie,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

db = database_sync_to_async


@pytest.fixture
def meeting(alice):
    return make_live_meeting(alice)


@pytest.fixture
def items(meeting) -> list[AgendaItem]:
    return list(meeting.items.order_by("position"))


REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="needs a real Redis server: set REDIS_URL=redis://127.0.0.1:6379/0"
)


def redis_layers(settings_layers: dict) -> dict:
    """The Redis layer with a prefix of its own per test (no test sees another's groups)."""
    layers = deepcopy(settings_layers)
    layers["default"]["CONFIG"]["prefix"] = f"knoppen-test-{uuid4().hex[:12]}"
    return layers


@pytest_asyncio.fixture
async def live(settings, request):
    """Open sockets as someone; every socket is disconnected at the end, pass or fail."""
    if REDIS_URL:
        settings.CHANNEL_LAYERS = redis_layers(settings.CHANNEL_LAYERS)
    opened: list[LiveClient] = []

    async def open_socket(
        who=None,
        meeting=None,
        *,
        screen: bool = False,
        origin: bytes | None = ORIGIN,
        language: str | None = None,
        cookie_language: str | None = None,
        path: str | None = None,
        name: str = "",
    ) -> LiveClient:
        path = path or f"/ws/meetings/{meeting.pk}/{'screen/' if screen else ''}"
        cookies = []
        if who is not None:
            cookies.append(f"sessionid={await db(session_cookie)(who)}")
        if cookie_language:
            cookies.append(f"django_language={cookie_language}")
        headers = [(b"origin", origin)] if origin is not None else []
        if cookies:
            headers.append((b"cookie", "; ".join(cookies).encode()))
        if language:
            headers.append((b"accept-language", language.encode()))
        label = name or (getattr(getattr(who, "user", who), "name", None) or "anonymous")
        client = LiveClient(WebsocketCommunicator(application, path, headers=headers), label)
        opened.append(client)
        client.connected, client.close_code = await client.communicator.connect(timeout=5)
        return client

    try:
        yield open_socket
    finally:
        errors = []
        for client in opened:
            try:
                await client.disconnect()
            except Exception as error:  # noqa: BLE001 - report after cleaning up the rest
                errors.append(error)
        relay = get_relay()
        relay.pending_local.clear()  # no coalesced render may outlive the test's database
        tasks = [*relay.listeners.values(), relay.heartbeat_task]
        for task in tasks:
            if task is not None:
                task.cancel()
        await asyncio.gather(*(t for t in tasks if t is not None), return_exceptions=True)
        layer = get_channel_layer()
        await layer.flush()
        if hasattr(layer, "close_pools"):
            await layer.close_pools()
        if errors:
            raise errors[0]


async def settle(clients: list[LiveClient], present: int) -> None:
    """Wait until everyone has seen `present` people, then let coalesced pushes pass."""
    for client in clients:
        await client.until(lambda t: present_count(t) == present, what=f"{present} present")
    await drain(clients)


async def drain(clients: list[LiveClient]) -> None:
    """Skip what arrives until things are quiet (presence pushes are coalesced, ~0.25 s)."""
    await asyncio.gather(*(client.frames(0.6) for client in clients))


def has(fragment_id: str):
    return lambda text: fragment_id in fragment_ids(text)


# --- who may connect --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        "anonymous",
        "mallory (no panel)",
        "oscar (other panel's moderator)",
        "bob, deactivated",
        "bob, wrong origin",
        "bob, no origin",
        "bob, meeting that does not exist",
        "bob, meeting id out of range",
    ],
)
async def test_who_is_refused_at_connect(live, meeting, bob, mallory, oscar, case):
    # (Fixtures are asked for by name: an async test cannot build them on demand.)
    who = {"anonymous": None, "mallory": mallory, "oscar": oscar, "bob,": bob}[case.split()[0]]
    options = {"meeting": meeting}
    if case == "bob, deactivated":
        await db(Membership.objects.filter(pk=bob.pk).update)(is_active=False)
    elif case == "bob, wrong origin":
        options["origin"] = b"http://evil.example"
    elif case == "bob, no origin":
        options["origin"] = None
    elif case == "bob, meeting that does not exist":
        options["path"] = f"/ws/meetings/{meeting.pk + 1000}/"
    elif case == "bob, meeting id out of range":
        options["path"] = f"/ws/meetings/{2**70}/"

    socket = await live(who, **options)

    assert socket.connected is False
    assert await db(Presence.objects.count)() == 0


async def test_the_big_screen_refuses_outsiders_too(live, meeting, mallory):
    socket = await live(mallory, meeting, screen=True)

    assert socket.connected is False


# --- the snapshot on connect ------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["alice", "bob", "olga"])
async def test_each_role_gets_a_snapshot_of_the_whole_live_page(
    live, meeting, alice, bob, olga, persona
):
    who = {"alice": alice, "bob": bob, "olga": olga}[persona]
    socket = await live(who, meeting, language="en")

    assert socket.connected
    snapshot = await socket.snapshot()  # (the newcomer's own arrival may be pushed first)
    assert fragment_ids(snapshot) >= PAGE_IDS
    # Every top-level fragment is swapped out of band by its id.
    assert snapshot.count('hx-swap-oob="true"') >= len(PAGE_IDS)
    assert "Opening" in snapshot  # the item under discussion
    assert present_count(snapshot) == 1  # the snapshot already counts the newcomer


async def test_only_the_moderator_snapshot_has_moderator_controls(live, meeting, alice, bob, olga):
    snapshots = {}
    for person in (alice, bob, olga):
        socket = await live(person, meeting, language="en")
        snapshots[person.role] = await socket.snapshot()

    moderator, member, observer = (
        snapshots[r] for r in (Role.MODERATOR, Role.MEMBER, Role.OBSERVER)
    )
    for control in ('id="btn-floor"', 'id="btn-close"', 'id="btn-finish"', 'id="btn-current-'):
        assert control in moderator
        assert control not in member
        assert control not in observer
    # A member may raise a hand; an observer reads along.
    assert 'id="btn-hand"' in member
    assert 'id="btn-hand"' not in observer
    assert "You are following this meeting as an observer." in observer


# --- changes reach everyone, rendered for their audience --------------------------------------


async def test_a_raised_hand_reaches_every_role_and_only_the_raiser_gets_their_place(
    live, meeting, alice, bob, olga
):
    sockets = {p.role: await live(p, meeting, language="en") for p in (alice, bob, olga)}
    await settle(list(sockets.values()), 3)

    await db(floor.raise_hand)(bob, meeting)

    speakers = {}
    for role, socket in sockets.items():
        speakers[role] = await socket.until(has("live-speakers"), what="live-speakers")
        assert 'hx-swap-oob="true"' in speakers[role]
        assert "Bob Member" in speakers[role]
        assert "1 person waiting" in speakers[role]
    assert 'id="btn-remove-' in speakers[Role.MODERATOR]
    assert 'id="btn-remove-' not in speakers[Role.MEMBER]
    assert 'id="btn-remove-' not in speakers[Role.OBSERVER]

    mine = await sockets[Role.MEMBER].until(has("live-my-hand"), what="live-my-hand")
    assert "Your hand is raised. You are number 1 in the queue." in mine
    assert all(name.startswith("live-my-") for name in fragment_ids(mine))  # personal bits only
    for role in (Role.MODERATOR, Role.OBSERVER):
        later = await sockets[role].frames(0.5)
        assert not any("live-my-hand" in fragment_ids(t) for t in later), role


async def test_a_new_agenda_item_reaches_every_role(live, meeting, items, alice, bob, olga):
    sockets = {p.role: await live(p, meeting, language="en") for p in (alice, bob, olga)}
    await settle(list(sockets.values()), 3)

    await db(meetings.set_current_item)(alice, items[1])

    for role, socket in sockets.items():
        frame = await socket.until(has("live-status"), what="live-status")
        assert {"live-status", "live-agenda", "live-speakers", "live-discussion"} <= fragment_ids(
            frame
        )
        assert "Now discussing" in frame and "Schilderwerk 2026" in frame
        assert 'hx-swap-oob="true"' in frame
        assert ('id="btn-floor"' in frame) is (role == Role.MODERATOR)
        assert "screen-status" not in fragment_ids(frame)


async def test_a_second_tab_gets_the_same_pushes(live, meeting, items, alice, bob):
    tabs = [await live(bob, meeting, language="en", name=f"bob tab {n}") for n in (1, 2)]
    await settle(tabs, 1)

    await db(meetings.set_current_item)(alice, items[1])

    for tab in tabs:
        assert "Schilderwerk 2026" in await tab.until(has("live-status"))


# --- language ---------------------------------------------------------------------------------


async def test_each_browser_gets_its_own_language(live, meeting, alice, bob, olga):
    with translation.override("nl"):
        dutch = translation.gettext("Speaker list")
    english_header = await live(bob, meeting, language="en-GB,en;q=0.9,nl;q=0.5")
    dutch_header = await live(olga, meeting, language="nl-NL,nl;q=0.9")
    english_cookie = await live(alice, meeting, language="nl", cookie_language="en")
    no_preference = await live(alice, meeting, name="alice, no language")

    english = [await english_header.snapshot(), await english_cookie.snapshot()]
    dutch_snapshots = [await dutch_header.snapshot(), await no_preference.snapshot()]

    for snapshot in english:
        assert "Speaker list" in snapshot
    if dutch == "Speaker list":
        pytest.skip("the Dutch catalogue has no meeting strings yet; English checked")
    for snapshot in dutch_snapshots:
        assert dutch in snapshot
        assert "Speaker list" not in snapshot


async def test_pushed_frames_are_in_each_sockets_language(live, meeting, alice, bob, olga):
    with translation.override("nl"):
        closed_nl = translation.gettext("The floor is closed")
    english = await live(bob, meeting, language="en")
    dutch = await live(olga, meeting, language="nl")
    await settle([english, dutch], 2)

    await db(floor.set_floor)(alice, meeting, False)

    assert "The floor is closed" in await english.until(has("live-status"))
    dutch_status = await dutch.until(has("live-status"))
    if closed_nl == "The floor is closed":
        pytest.skip("the Dutch catalogue has no meeting strings yet; English checked")
    assert closed_nl in dutch_status
    assert "The floor is closed" not in dutch_status


# --- presence ---------------------------------------------------------------------------------


async def test_a_socket_has_no_channel_layer_inbox_only_its_row_in_the_room(live, meeting, bob):
    # Nothing is sent to one socket through the channel layer (its meeting's relay hands
    # it everything), so it keeps no inbox there: no receive waiting per socket.
    socket = await live(bob, meeting, language="en")
    await settle([socket], 1)
    (consumer,) = get_relay().sockets[meeting.pk]
    assert consumer.channel_layer is None
    assert not hasattr(consumer, "channel_name")
    rows = await db(lambda: list(Presence.objects.values_list("connection", flat=True)))()
    assert rows == [consumer.connection]


async def test_presence_counts_people_not_tabs(live, meeting, alice, bob, olga):
    alice_socket = await live(alice, meeting, language="en")
    assert present_count(await alice_socket.snapshot()) == 1

    bob_tab_1 = await live(bob, meeting, language="en", name="bob tab 1")
    assert present_count(await bob_tab_1.snapshot()) == 2
    arrived = await alice_socket.until(has("live-presence"), what="bob arriving")
    assert present_count(arrived) == 2 and "Bob Member" in arrived
    await drain([alice_socket, bob_tab_1])

    bob_tab_2 = await live(bob, meeting, language="en", name="bob tab 2")
    assert present_count(await bob_tab_2.snapshot()) == 2
    await alice_socket.nothing(0.6)  # the same person again: no push

    olga_socket = await live(olga, meeting, language="en")
    assert present_count(await olga_socket.snapshot()) == 3
    for socket in (alice_socket, bob_tab_1, bob_tab_2):
        frame = await socket.until(has("live-presence"), what="olga arriving")
        assert present_count(frame) == 3 and "Olga Observer" in frame
    await drain([alice_socket, bob_tab_1, bob_tab_2, olga_socket])

    await bob_tab_1.disconnect()
    await alice_socket.nothing(0.6)  # Bob still has a tab open

    await bob_tab_2.disconnect()
    for socket in (alice_socket, olga_socket):
        frame = await socket.until(has("live-presence"), what="bob leaving")
        assert present_count(frame) == 2
        assert "Bob Member" not in frame


# --- membership changes close the socket ------------------------------------------------------


async def test_deactivating_a_membership_closes_that_persons_socket(live, meeting, alice, bob):
    alice_socket = await live(alice, meeting, language="en")
    bob_socket = await live(bob, meeting, language="en")
    await settle([alice_socket, bob_socket], 2)

    await db(services.set_active)(alice, bob, False)

    assert await bob_socket.closed() == Close.NO_ACCESS
    await bob_socket.disconnect()
    frame = await alice_socket.until(has("live-presence"), what="bob leaving")
    assert present_count(frame) == 1  # alice is still connected, and Bob is gone
    again = await live(bob, meeting, name="bob again")
    assert again.connected is False


async def test_a_role_change_makes_the_browser_reconnect_with_the_new_role(
    live, meeting, alice, bob
):
    bob_socket = await live(bob, meeting, language="en")
    assert 'id="btn-floor"' not in await bob_socket.snapshot()

    await db(services.change_role)(alice, bob, Role.MODERATOR, True)

    assert await bob_socket.closed() == Close.AUDIENCE_CHANGED
    await bob_socket.disconnect()
    again = await live(bob, meeting, language="en", name="bob, moderator now")
    assert again.connected
    assert 'id="btn-floor"' in await again.snapshot()


async def test_a_change_that_keeps_the_audience_keeps_the_socket(live, meeting, alice, bob):
    bob_socket = await live(bob, meeting, language="en")
    await settle([bob_socket], 1)

    await db(services.change_role)(alice, bob, Role.MEMBER, False)  # voting rights only

    await bob_socket.nothing(0.5)
    await db(floor.raise_hand)(bob, meeting)
    assert "number 1" in await bob_socket.until(has("live-my-hand"))


# --- however a socket ends, it leaves ----------------------------------------------------------


async def until_absent(membership) -> None:
    """Wait until the person has no presence left (it is written in the background)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while await db(Presence.objects.filter(membership=membership).exists)():
        assert loop.time() < deadline, f"{membership} is still present"
        await asyncio.sleep(0.02)


async def test_a_socket_the_server_closes_leaves_before_the_browser_answers(live, meeting, bob):
    """A client that never completes the closing handshake keeps its TCP connection until
    daphne gives up on it; it is out of the room (and gets no pushes) from the close on."""
    socket = await live(bob, meeting, language="en")
    await settle([socket], 1)

    for _ in range(MAX_FRAMES_PER_WINDOW + 1):
        await socket.send(json.dumps({"type": "resync"}))
    assert await socket.closed() == Close.TOO_MANY_FRAMES

    await until_absent(bob)  # no websocket.disconnect was sent
    assert meeting.pk not in get_relay().sockets
    await socket.send(json.dumps({"type": "resync"}))  # still arriving: ignored
    await socket.nothing(0.3)


async def test_a_membership_that_cannot_be_checked_again_sends_the_page_to_reconnect(
    live, meeting, alice, bob, nora, monkeypatch
):
    socket = await live(bob, meeting, language="en")
    other = await live(nora, meeting, language="en")
    await settle([socket, other], 2)

    def database_away(consumer):
        raise OperationalError("the database went away")

    monkeypatch.setattr(MeetingConsumer, "identify", database_away)
    await db(services.change_role)(alice, bob, Role.MODERATOR, True)

    # The page is told to reconnect at once, where its connect checks again...
    assert await socket.closed() == Close.AUDIENCE_CHANGED
    await socket.disconnect()
    # ...and the socket left: no ghost in the room, nothing held by the relay.
    assert not await db(Presence.objects.filter(membership=bob).exists)()
    assert [s.user_id for s in get_relay().sockets[meeting.pk]] == [nora.user_id]
    # The relay that handed the change on carries on for everyone else.
    monkeypatch.undo()
    await db(floor.raise_hand)(nora, meeting)
    await other.until(has("live-speakers"))


async def test_the_departure_is_recorded_even_when_leaving_the_channel_layer_fails(
    live, meeting, bob, monkeypatch
):
    socket = await live(bob, meeting, language="en")
    await settle([socket], 1)
    layer = get_channel_layer()

    async def layer_away(group, channel):
        raise ConnectionError("simulated: Redis is away")

    monkeypatch.setattr(layer, "group_discard", layer_away)
    await socket.disconnect()

    assert not await db(Presence.objects.filter(membership=bob).exists)()
    assert meeting.pk not in get_relay().sockets


# --- closing the meeting ----------------------------------------------------------------------


async def test_closing_the_meeting_sends_the_final_state_then_closes_every_socket(
    live, meeting, alice, bob, olga
):
    page = [await live(p, meeting, language="en") for p in (alice, bob, olga)]
    screen = await live(alice, meeting, screen=True, language="en", name="projector")
    await settle(page, 3)
    await screen.frames(0.1)
    await db(floor.raise_hand)(bob, meeting)  # an open request that closing must end
    await asyncio.gather(*(s.until(has("live-speakers")) for s in page))

    await db(meetings.close_meeting)(alice, meeting)

    for socket in page:
        assert await socket.closed() == Close.MEETING_ENDED
        final = "".join(socket.before_close)
        assert "badge--closed" in final, socket.name
        assert "This meeting has ended. Thank you for taking part." in final
    assert await screen.closed() == Close.MEETING_ENDED
    assert "The meeting has ended" in "".join(screen.before_close)


# --- a suspicious socket ----------------------------------------------------------------------


GARBAGE = [
    {"bytes_": b"\x00\x01binary"},
    {"text": "{not json"},
    {"text": json.dumps({"type": "raise_hand"})},
    {"text": json.dumps({"type": "resync", "pad": "x" * 10_000})},  # too big, even if well-meant
    {"text": "x" * 10_240},
    {"text": "[]"},
    {"text": "null"},
    {"text": json.dumps({"type": "RESYNC"})},
    {"text": json.dumps({"type": ["resync"]})},
    {"text": json.dumps({"kind": "resync"})},
]


async def test_garbage_gets_no_answer_until_too_much_of_it_closes_the_socket(live, meeting, bob):
    assert len(GARBAGE) == MAX_BAD_FRAMES
    socket = await live(bob, meeting, language="en")
    await settle([socket], 1)

    for frame in GARBAGE:
        await socket.send(**frame)
    await socket.nothing(0.5)

    # Still open and still answering a real request...
    await socket.send(json.dumps({"type": "resync"}))
    assert fragment_ids(await socket.snapshot()) >= PAGE_IDS
    # ...until one bad frame more than allowed.
    await socket.send("{still not json")
    assert await socket.closed() == Close.BAD_FRAMES


def generated_frames(count: int) -> list[dict]:
    """Frames a hostile or broken client might send (hypothesis, reproducibly)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=40),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=8,
    )
    frame = st.one_of(
        st.builds(lambda t: {"text": t}, st.text(min_size=1, max_size=700)),
        st.builds(lambda b: {"bytes_": b}, st.binary(min_size=1, max_size=700)),
        st.builds(
            lambda d: {"text": json.dumps(d)},
            st.dictionaries(st.sampled_from(["type", "kind", "seq", "pad"]), json_values),
        ),
        st.builds(lambda v: {"text": json.dumps({"type": v})}, json_values),
    )
    found: list[dict] = []

    @settings(
        max_examples=count,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(frame)
    def collect(example):
        found.append(example)

    collect()
    return found[:count]


async def test_generated_frames_never_break_a_socket_or_change_anything(live, meeting, bob):
    """Each batch of generated frames: the socket ignores them (or closes with BAD_FRAMES after
    too many it cannot understand), a resync still works while open, nothing is written."""
    corpus = generated_frames(120)
    before = await db(lambda: sorted(Presence.objects.values_list("membership_id", flat=True)))()
    for start in range(0, len(corpus), MAX_BAD_FRAMES):
        socket = await live(bob, meeting, language="en", name=f"batch {start}")
        await socket.text()
        await settle([socket], 1)
        for frame in corpus[start : start + MAX_BAD_FRAMES]:
            await socket.send(**frame)
        await socket.send(json.dumps({"type": "resync"}))
        assert fragment_ids(await socket.snapshot()) >= PAGE_IDS
        await socket.disconnect()
    after = await db(lambda: sorted(Presence.objects.values_list("membership_id", flat=True)))()
    assert after == before


async def test_a_socket_that_floods_even_good_requests_is_closed(live, meeting, bob):
    socket = await live(bob, meeting, language="en")
    await settle([socket], 1)

    for _ in range(MAX_FRAMES_PER_WINDOW + 1):
        await socket.send(json.dumps({"type": "resync"}))

    assert await socket.closed() == Close.TOO_MANY_FRAMES


async def test_resync_sends_a_fresh_snapshot(live, meeting, items, bob):
    socket = await live(bob, meeting, language="en")
    first = await socket.text()
    await settle([socket], 1)
    # A change that pushed nothing (as if the push had been lost).
    await db(AgendaItem.objects.filter(pk=items[0].pk).update)(title="Opening, herzien")
    assert "Opening, herzien" not in first

    await socket.send(json.dumps({"type": "resync"}))

    snapshot = await socket.snapshot()
    assert fragment_ids(snapshot) >= PAGE_IDS
    assert "Opening, herzien" in snapshot


# --- the big screen ---------------------------------------------------------------------------


async def test_the_big_screen_gets_screen_fragments_only_and_is_not_present(
    live, meeting, items, alice, bob
):
    page = await live(alice, meeting, language="en")
    await settle([page], 1)

    screen = await live(bob, meeting, screen=True, language="en", name="screen")
    assert screen.connected
    assert fragment_ids(await screen.snapshot(SCREEN_IDS)) == SCREEN_IDS
    await page.nothing(0.6)  # the screen is nobody: no presence push
    assert await db(Presence.objects.filter(meeting=meeting).count)() == 1

    await db(meetings.set_current_item)(alice, items[1])
    frame = await screen.until(has("screen-status"))
    assert fragment_ids(frame) <= SCREEN_IDS
    assert "Schilderwerk 2026" in frame
    assert "Schilderwerk 2026" in await page.until(has("live-status"))

    # Bob's hand shows on the screen, but his personal fragment goes to his page only.
    await db(floor.raise_hand)(bob, meeting)
    frame = await screen.until(has("screen-speakers"))
    assert "Bob Member" in frame
    for later in await screen.frames(0.5):
        assert fragment_ids(later) <= SCREEN_IDS


# --- the relay --------------------------------------------------------------------------------


class FlakyLayer:
    """The relay's channel layer, whose receive fails once when the test says so."""

    def __init__(self, layer) -> None:
        self.layer = layer
        self.trip = asyncio.Event()
        self.failed = False

    def __getattr__(self, name: str):
        return getattr(self.layer, name)

    async def receive(self, channel: str) -> dict:
        if self.failed:
            return await self.layer.receive(channel)
        real = asyncio.ensure_future(self.layer.receive(channel))
        trip = asyncio.ensure_future(self.trip.wait())
        done, _pending = await asyncio.wait({real, trip}, return_when=asyncio.FIRST_COMPLETED)
        if real in done:
            trip.cancel()
            return real.result()
        real.cancel()
        self.failed = True
        raise ConnectionError("simulated: Redis read timed out")


async def test_the_relay_survives_a_channel_layer_error_and_resends_the_snapshot(
    live, meeting, alice, bob, monkeypatch
):
    relay = get_relay()
    flaky = FlakyLayer(relay.layer)
    monkeypatch.setattr(relay, "layer", flaky)
    sockets = [await live(p, meeting, language="en") for p in (alice, bob)]
    await settle(sockets, 2)
    assert relay.restarts == 0

    flaky.trip.set()

    for socket in sockets:
        snapshot = await socket.until(lambda t: fragment_ids(t) >= PAGE_IDS, what="a snapshot")
        assert present_count(snapshot) == 2
    assert relay.restarts == 1
    # And pushes flow again, once each.
    await db(floor.set_floor)(alice, meeting, False)
    for socket in sockets:
        await socket.until(has("live-status"))
        assert not [t for t in await socket.frames(0.4) if "live-status" in fragment_ids(t)]


async def test_the_relay_drops_a_frame_older_than_one_it_already_sent(live, meeting, alice, bob):
    socket = await live(bob, meeting, language="en")
    await settle([socket], 1)
    await db(floor.set_floor)(alice, meeting, False)
    seq = seq_of(await socket.until(has("live-status")), "live-status")
    await socket.frames(0.3)
    relay = get_relay()
    key = fragments.frame_key(fragments.Audience.PARTICIPANT, "en")

    def frames(at: int, word: str) -> dict:
        html = f'<section id="live-status" data-seq="{at}" hx-swap-oob="true">{word}</section>'
        return {key: {"status": html}}

    await relay.write_frames(meeting.pk, seq - 1, frames(seq - 1, "STALE"))
    await socket.nothing(0.3)

    await relay.write_frames(meeting.pk, seq + 1, frames(seq + 1, "FRESH"))
    assert "FRESH" in await socket.text()


# --- the Redis layer as configured (production and CI) ---------------------------------


@pytest.mark.redis
@needs_redis
async def test_an_idle_channel_layer_receive_keeps_waiting(settings):
    from redis.exceptions import TimeoutError as RedisTimeout

    from panels.live.layers import RedisChannelLayer

    config = redis_layers(settings.CHANNEL_LAYERS)["default"]["CONFIG"]
    layer = RedisChannelLayer(**config)
    try:
        channel = await layer.new_channel()
        waiting = asyncio.ensure_future(layer.receive(channel))
        done, _pending = await asyncio.wait({waiting}, timeout=layer.brpop_timeout + 1.5)
        if not done:
            waiting.cancel()
            await asyncio.gather(waiting, return_exceptions=True)
        error = None if not done else waiting.exception()
        assert not isinstance(error, RedisTimeout), f"an idle receive failed: {error!r}"
        assert not done, f"an idle receive returned: {waiting.result()!r}"
    finally:
        await layer.flush()
        await layer.close_pools()


@pytest.mark.redis
@needs_redis
async def test_a_push_reaches_a_socket_through_the_redis_layer_as_configured(
    live, meeting, alice, bob
):
    socket = await live(bob, meeting, language="en")
    await socket.snapshot()
    await socket.frames(0.5)

    await db(floor.set_floor)(alice, meeting, False)

    assert "The floor is closed" in await socket.until(has("live-status"), timeout=3)
