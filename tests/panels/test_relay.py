"""The relay does once per process what each socket would otherwise do alone.

It renders what a service's notice names once per audience and language among its own
sockets, and the shared part of a snapshot once per change, not once per socket.

A reconnect storm (a worker restarted, a thousand phones waking up) asks for the same
snapshot a thousand times; rendering it each time took a third of a busy worker's CPU.
"""

import asyncio
import gc
import itertools
import threading
import time

import pytest

from panels.live import changes, fragments
from panels.live.relay import Relay

pytestmark = pytest.mark.asyncio


def notice(meeting_id: int, *names: str, **fields) -> dict:
    """A notice as panels.live.changes sends it."""
    return {
        "type": changes.NOTICE,
        "meeting": meeting_id,
        "names": list(names),
        "personal": fields.pop("personal", []),
        "burst": fields.pop("burst", False),
        "ends": fields.pop("ends", False),
        **fields,
    }


async def until(condition, timeout: float = 5) -> None:
    """Wait (on the loop, not a sleep of a guessed length) until `condition()` holds."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.001)


class CountingRender:
    """A render that takes a while and counts how often it ran."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = threading.Event()
        self.lock = threading.Lock()

    def __call__(self) -> str:
        with self.lock:
            self.calls += 1
            number = self.calls
        self.release.wait(5)
        return f"snapshot {number}"


async def test_sockets_asking_together_share_one_render():
    relay, render = Relay(), CountingRender()
    asking = [
        asyncio.ensure_future(relay.shared_snapshot(7, "participant/nl", render)) for _ in range(50)
    ]
    await until(lambda: render.calls == 1)
    await asyncio.sleep(0)  # every socket has asked
    render.release.set()

    assert await asyncio.gather(*asking) == ["snapshot 1"] * 50
    assert render.calls == 1
    assert await relay.shared_snapshot(7, "participant/nl", render) == "snapshot 1", "kept"


async def test_each_audience_and_language_has_its_own():
    relay, render = Relay(), CountingRender()
    render.release.set()
    await relay.shared_snapshot(7, "participant/nl", render)
    await relay.shared_snapshot(7, "participant/en", render)
    await relay.shared_snapshot(7, "moderator/nl", render)
    await relay.shared_snapshot(8, "participant/nl", render)
    assert render.calls == 4


async def test_any_message_about_the_meeting_makes_it_stale():
    relay, render = Relay(), CountingRender()
    render.release.set()
    assert await relay.shared_snapshot(7, "participant/nl", render) == "snapshot 1"

    await relay.deliver(7, notice(7))
    assert await relay.shared_snapshot(7, "participant/nl", render) == "snapshot 2"

    await relay.deliver(8, notice(8))
    assert await relay.shared_snapshot(7, "participant/nl", render) == "snapshot 2", (
        "another meeting's change is not this one's"
    )


async def test_a_burst_makes_it_stale_when_its_render_goes_out_not_with_each_notice(renders):
    """In a reconnect storm presence changes with every batch of arrivals: the snapshot
    stays until the burst's render goes out (to every socket here, the new ones too)."""
    here = FakeSocket("participant/nl", user_id=1)
    relay, render = with_sockets(here), CountingRender()
    render.release.set()
    assert await relay.shared_snapshot(7, "participant/nl", render) == "snapshot 1"
    relay.last_flush[7] = asyncio.get_running_loop().time()  # the burst waits its interval

    for _ in range(5):
        await relay.deliver(7, notice(7, "presence", burst=True))
        assert await relay.shared_snapshot(7, "participant/nl", render) == "snapshot 1"

    await until(lambda: here.texts)
    assert here.texts == ["<presence participant/nl>"]
    assert await relay.shared_snapshot(7, "participant/nl", render) == "snapshot 2"


async def test_a_render_overtaken_by_a_change_is_used_once_but_not_kept():
    relay, render = Relay(), CountingRender()
    first = asyncio.ensure_future(relay.shared_snapshot(7, "participant/nl", render))
    await until(lambda: render.calls == 1)
    await relay.deliver(7, notice(7))  # while it renders
    render.release.set()

    assert await first == "snapshot 1", "the socket gets it (and the change after it)"
    assert await relay.shared_snapshot(7, "participant/nl", render) == "snapshot 2"


async def test_a_page_that_asks_again_gets_a_render_begun_after_it_asked():
    relay, render = Relay(), CountingRender()
    render.release.set()
    await relay.shared_snapshot(7, "participant/nl", render)

    asked = time.monotonic()
    assert await relay.shared_snapshot(7, "participant/nl", render, since=asked) == "snapshot 2"
    assert await relay.shared_snapshot(7, "participant/nl", render) == "snapshot 2", "kept"


async def test_a_failed_render_is_not_kept():
    relay = Relay()
    calls = []

    def failing() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return "snapshot"

    with pytest.raises(RuntimeError):
        await relay.shared_snapshot(7, "participant/nl", failing)
    assert await relay.shared_snapshot(7, "participant/nl", failing) == "snapshot"


# --- presence, written in batches -------------------------------------------------------------


class FakeRecord:
    """Stands in for presence.record: remembers each batch; the first may block or fail."""

    def __init__(self, fail_first: bool = False) -> None:
        self.batches: list[tuple[list, list]] = []
        self.release = threading.Event()
        self.fail_first = fail_first

    def __call__(self, worker_id, joins, leaves) -> set[int]:
        self.batches.append((list(joins), list(leaves)))
        if len(self.batches) == 1:
            self.release.wait(5)
            if self.fail_first:
                raise RuntimeError("database went away")
        return set()


async def test_what_arrives_during_a_write_goes_into_the_next_batch(monkeypatch):
    fake = FakeRecord()
    monkeypatch.setattr("panels.live.relay.presence.record", fake)
    relay = Relay()
    first = asyncio.ensure_future(relay.record_presence(join=(7, 1, "a")))
    await until(lambda: len(fake.batches) == 1)
    later = [
        asyncio.ensure_future(relay.record_presence(join=(7, n, f"s{n}"))) for n in range(2, 5)
    ]
    later.append(asyncio.ensure_future(relay.record_presence(leave="a")))
    await asyncio.sleep(0)  # all queued
    assert not any(task.done() for task in [first, *later]), "nobody goes on before it is written"
    fake.release.set()
    await asyncio.gather(first, *later)

    assert fake.batches == [
        ([(7, 1, "a")], []),
        ([(7, 2, "s2"), (7, 3, "s3"), (7, 4, "s4")], ["a"]),
    ]


async def test_arrivals_are_announced_without_holding_up_the_next_batch(monkeypatch):
    """Every worker must redraw the presence list, but the notice's round trip (to Redis,
    in a reconnect storm) must not keep the next arrivals waiting."""
    monkeypatch.setattr("panels.live.relay.presence.record", lambda w, joins, leaves: {7})
    sent, release = [], asyncio.Event()

    async def announce(meeting_id, *names):
        await release.wait()
        sent.append((meeting_id, names))

    monkeypatch.setattr(changes, "announce_burst", announce)
    relay = Relay()

    await relay.record_presence(join=(7, 1, "a"))
    await relay.record_presence(join=(7, 2, "b"))  # written while the first notice waits

    assert sent == []
    release.set()
    await until(lambda: len(sent) == 2)
    assert sent == [(7, ("presence",)), (7, ("presence",))]


async def test_a_failed_write_is_retried_with_everything_in_order(monkeypatch):
    fake = FakeRecord(fail_first=True)
    monkeypatch.setattr("panels.live.relay.presence.record", fake)
    relay = Relay()
    first = asyncio.ensure_future(relay.record_presence(join=(7, 1, "a")))
    await until(lambda: len(fake.batches) == 1)
    second = asyncio.ensure_future(relay.record_presence(leave="a"))
    fake.release.set()
    await asyncio.wait_for(asyncio.gather(first, second), 5)

    assert fake.batches[-1] == ([(7, 1, "a")], ["a"]), "the join again, before the leave"


# --- bursts of changes --------------------------------------------------------------------------


# The two tests of intervals run on the event loop's own clock, fast-forwarded by looptime:
# the loop's time moves only when nothing else can run, so a busy machine cannot stretch a
# 0.2 s interval, and the assertions are exact. (It starts at 1000 s, as a real loop has run
# a while: the relay takes "never flushed" for "flushed at 0".)
@pytest.mark.looptime(start=1000)
async def test_a_burst_of_changes_is_sent_at_once_and_then_once_per_interval(monkeypatch):
    monkeypatch.setattr("panels.live.relay.LOCAL_SECONDS", 0.2)
    relay = Relay()
    loop = asyncio.get_running_loop()
    flushed: list[tuple[float, set]] = []

    async def flush(meeting_id: int) -> None:
        flushed.append((loop.time(), relay.pending_local.pop(meeting_id)))

    monkeypatch.setattr(relay, "_flush_local", flush)
    start = loop.time()
    relay.schedule_local(7, "vote")  # the first turnout change of a vote
    await asyncio.sleep(0.05)
    for name in ("vote", "ballot", "vote"):  # more while the first is out
        relay.schedule_local(7, name)
    await asyncio.sleep(0.4)

    assert [names for _, names in flushed] == [{"vote"}, {"vote", "ballot"}]
    assert flushed[0][0] == start, "the first change is not held back"
    assert flushed[1][0] - flushed[0][0] == pytest.approx(0.2), "the rest wait for the interval"


async def test_snapshots_share_one_live_state_until_the_meeting_changes():
    relay = Relay()
    first = relay.live_state(7)
    assert relay.live_state(7) is first
    assert relay.live_state(8) is not first

    await relay.deliver(7, notice(7))
    assert relay.live_state(7) is not first


@pytest.mark.looptime(start=1000)
async def test_in_a_big_meeting_turnout_goes_out_less_often(monkeypatch):
    monkeypatch.setattr("panels.live.relay.LOCAL_FRAMES_PER_SECOND", 1000)
    relay = Relay()
    loop = asyncio.get_running_loop()
    relay.sockets[7] = {object() for _ in range(400)}  # 400 sockets here: every 0.4 s
    flushed: list[float] = []

    async def flush(meeting_id: int) -> None:
        relay.pending_local.pop(meeting_id)
        flushed.append(loop.time())

    monkeypatch.setattr(relay, "_flush_local", flush)
    relay.schedule_local(7, "vote")
    await asyncio.sleep(0.05)
    relay.schedule_local(7, "vote")
    await asyncio.sleep(0.5)

    assert len(flushed) == 2
    assert flushed[1] - flushed[0] == pytest.approx(0.4)


@pytest.mark.looptime(start=1000)
async def test_presence_in_a_reconnect_storm_is_redrawn_at_most_four_times_a_second(monkeypatch):
    relay = Relay()
    loop = asyncio.get_running_loop()
    flushed: list[float] = []

    async def flush(meeting_id: int) -> None:
        relay.pending_local.pop(meeting_id)
        flushed.append(loop.time())

    monkeypatch.setattr(relay, "_flush_local", flush)
    for _ in range(10):  # a batch of arrivals every 0.05 s
        relay.schedule_local(7, "presence")
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)

    assert [round(b - a, 3) for a, b in itertools.pairwise(flushed)] == [0.25, 0.25]


# --- a notice, rendered here for the sockets here -------------------------------------------


class FakeSocket:
    def __init__(self, frame_key: str, user_id: int, meeting_id: int = 7) -> None:
        self.meeting_id, self.frame_key, self.user_id = meeting_id, frame_key, user_id
        self.texts: list[str] = []
        self.personal: list[list[str] | None] = []
        self.closed = False

    async def send_frame(self, text: str, frame: bytes | None = None) -> None:
        self.texts.append(text)

    async def send_personal(self, names: list[str] | None) -> None:
        self.personal.append(names)

    async def close_for_meeting_end(self) -> None:
        self.closed = True


@pytest.fixture
def renders(monkeypatch) -> list[tuple[list[str], list]]:
    """Stands in for fragments.render_frames; records (names, keys) of each render."""
    calls: list[tuple[list[str], list]] = []

    def render_frames(meeting_id, names, *, keys):
        calls.append((list(names), list(keys)))
        return 5, {
            fragments.frame_key(audience, language): {
                name: f"<{name} {audience}/{language}>" for name in names
            }
            for audience, language in keys
        }

    monkeypatch.setattr(fragments, "render_frames", render_frames)
    return calls


def with_sockets(*sockets: FakeSocket) -> Relay:
    relay = Relay()
    for live_socket in sockets:
        relay.sockets[live_socket.meeting_id].add(live_socket)
    return relay


async def test_a_notice_is_rendered_once_per_audience_and_language_here(renders):
    nl = [FakeSocket("participant/nl", user_id=n) for n in range(3)]
    en, chair = FakeSocket("participant/en", 10), FakeSocket("moderator/nl", 11)
    relay = with_sockets(*nl, en, chair)

    await relay.deliver(7, notice(7, "agenda", "not-a-fragment"))

    assert renders == [
        (
            ["agenda"],
            [
                (fragments.Audience.MODERATOR, "nl"),
                (fragments.Audience.PARTICIPANT, "en"),
                (fragments.Audience.PARTICIPANT, "nl"),
            ],
        )
    ], "one render for what is here; a name nobody registered is ignored"
    assert [s.texts for s in nl] == [["<agenda participant/nl>"]] * 3
    assert en.texts == ["<agenda participant/en>"]
    assert chair.texts == ["<agenda moderator/nl>"]


async def test_all_means_every_fragment(renders):
    relay = with_sockets(FakeSocket("participant/nl", 1))

    await relay.deliver(7, notice(7, changes.ALL))

    [(names, _keys)] = renders
    assert names == sorted(fragments.FRAGMENTS)


async def test_the_personal_part_goes_to_the_people_named_only(renders):
    bob, bobs_tab = FakeSocket("participant/nl", 2), FakeSocket("participant/en", 2)
    tina = FakeSocket("participant/nl", 3)
    relay = with_sockets(bob, bobs_tab, tina)

    await relay.deliver(7, notice(7, personal=[2], personal_names=["my_vote"]))

    assert renders == [], "nothing shared changed"
    assert (bob.personal, bobs_tab.personal, tina.personal) == ([["my_vote"]], [["my_vote"]], [])


async def test_a_notice_for_another_meeting_renders_nothing_here(renders):
    here = FakeSocket("participant/nl", 1)
    relay = with_sockets(here)

    await relay.deliver(8, notice(8, "agenda", personal=[1]))

    assert (renders, here.texts, here.personal) == ([], [], [])


async def test_the_end_sends_the_last_fragments_then_closes(renders):
    socket = FakeSocket("participant/nl", 1)
    relay = with_sockets(socket)

    await relay.deliver(7, notice(7, "status", ends=True))

    assert (socket.texts, socket.closed) == (["<status participant/nl>"], True)


@pytest.mark.looptime(start=1000)
async def test_a_burst_waits_for_its_interval_and_an_ordinary_change_takes_it_along(renders):
    socket = FakeSocket("participant/nl", 1)
    relay = with_sockets(socket)
    loop = asyncio.get_running_loop()

    await relay.deliver(7, notice(7, "vote", burst=True))  # the first goes out at once
    await asyncio.sleep(0)
    await until(lambda: len(renders) == 1)
    await relay.deliver(7, notice(7, "vote", burst=True))  # held back for the interval
    start = loop.time()
    await relay.deliver(7, notice(7, "agenda"))  # at once, with the waiting turnout

    assert loop.time() == start
    assert [names for names, _ in renders] == [["vote"], ["agenda", "vote"]]
    await asyncio.sleep(1)
    assert len(renders) == 2, "the burst's own turn found nothing left to do"


async def test_a_failed_render_is_logged_and_the_relay_goes_on(monkeypatch, renders, caplog):
    socket = FakeSocket("participant/nl", 1)
    relay = with_sockets(socket)

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(fragments, "render_frames", broken)
    await relay.deliver(7, notice(7, "agenda", personal=[1]))

    assert "rendering ['agenda'] for meeting 7 failed" in caplog.text
    assert socket.personal == [None], "the personal part still goes"


# --- work in batches (a connect storm's identities) ------------------------------------------


class Batches:
    """A batch function that records its batches; the first waits until released."""

    def __init__(self, fail_first: bool = False) -> None:
        self.batches: list[list] = []
        self.release = threading.Event()
        self.fail_first = fail_first

    def __call__(self, items: list) -> list:
        self.batches.append(list(items))
        if len(self.batches) == 1:
            self.release.wait(5)
            if self.fail_first:
                raise RuntimeError("database went away")
        return [item * 10 for item in items]


async def test_what_is_asked_during_a_batch_goes_into_the_next_and_each_gets_its_answer():
    relay, batches = Relay(), Batches()
    first = asyncio.ensure_future(relay.batched(batches, 1))
    await until(lambda: len(batches.batches) == 1)
    later = [asyncio.ensure_future(relay.batched(batches, n)) for n in (2, 3, 4)]
    await asyncio.sleep(0)
    assert not any(task.done() for task in [first, *later])
    batches.release.set()

    assert await asyncio.gather(first, *later) == [10, 20, 30, 40]
    assert batches.batches == [[1], [2, 3, 4]]
    assert await relay.batched(batches, 5) == 50, "a new batch once the last is done"


async def test_a_failed_batch_fails_each_of_its_items_and_the_next_batch_runs():
    relay, batches = Relay(), Batches(fail_first=True)
    first = asyncio.ensure_future(relay.batched(batches, 1))
    await until(lambda: len(batches.batches) == 1)
    second = asyncio.ensure_future(relay.batched(batches, 2))
    batches.release.set()

    with pytest.raises(RuntimeError, match="database went away"):
        await first
    assert await second == 20


async def test_a_socket_that_goes_away_does_not_cancel_the_batch_of_the_others():
    relay, batches = Relay(), Batches()
    gone = asyncio.ensure_future(relay.batched(batches, 1))
    staying = asyncio.ensure_future(relay.batched(batches, 2))
    await until(lambda: len(batches.batches) == 1)
    gone.cancel()
    batches.release.set()

    assert await staying == 20
    assert batches.batches == [[1, 2]]


async def test_a_failed_batch_of_a_socket_that_went_away_is_not_logged_as_unread(caplog):
    relay, batches = Relay(), Batches(fail_first=True)
    gone = asyncio.ensure_future(relay.batched(batches, 1))
    await until(lambda: len(batches.batches) == 1)
    gone.cancel()
    batches.release.set()
    await until(lambda: not relay.batch_tasks)
    del gone
    gc.collect()
    await asyncio.sleep(0)
    assert "exception was never retrieved" not in caplog.text
