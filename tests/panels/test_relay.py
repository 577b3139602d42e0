"""The relay does once per process what each socket would otherwise do alone.

It renders the shared part of a snapshot once per change, not once per socket.

A reconnect storm (a worker restarted, a thousand phones waking up) asks for the same
snapshot a thousand times; rendering it each time took a third of a busy worker's CPU.
"""

import asyncio
import threading

import pytest

from panels.relay import Relay

pytestmark = pytest.mark.asyncio


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
    await asyncio.sleep(0.05)
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

    await relay.deliver(7, {"type": "live.dirty", "names": []})
    assert await relay.shared_snapshot(7, "participant/nl", render) == "snapshot 2"

    await relay.deliver(8, {"type": "live.dirty", "names": []})
    assert await relay.shared_snapshot(7, "participant/nl", render) == "snapshot 2", (
        "another meeting's change is not this one's"
    )


async def test_a_render_overtaken_by_a_change_is_used_once_but_not_kept():
    relay, render = Relay(), CountingRender()
    first = asyncio.ensure_future(relay.shared_snapshot(7, "participant/nl", render))
    await asyncio.sleep(0.05)
    await relay.deliver(7, {"type": "live.dirty", "names": []})  # while it renders
    render.release.set()

    assert await first == "snapshot 1", "the socket gets it (and the change after it)"
    assert await relay.shared_snapshot(7, "participant/nl", render) == "snapshot 2"


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
    monkeypatch.setattr("panels.relay.presence.record", fake)
    relay = Relay()
    first = asyncio.ensure_future(relay.record_presence(join=(7, 1, "a")))
    await asyncio.sleep(0.05)
    later = [
        asyncio.ensure_future(relay.record_presence(join=(7, n, f"s{n}"))) for n in range(2, 5)
    ]
    later.append(asyncio.ensure_future(relay.record_presence(leave="a")))
    await asyncio.sleep(0.05)
    assert not any(task.done() for task in [first, *later]), "nobody goes on before it is written"
    fake.release.set()
    await asyncio.gather(first, *later)

    assert fake.batches == [
        ([(7, 1, "a")], []),
        ([(7, 2, "s2"), (7, 3, "s3"), (7, 4, "s4")], ["a"]),
    ]


async def test_a_failed_write_is_retried_with_everything_in_order(monkeypatch):
    fake = FakeRecord(fail_first=True)
    monkeypatch.setattr("panels.relay.presence.record", fake)
    relay = Relay()
    first = asyncio.ensure_future(relay.record_presence(join=(7, 1, "a")))
    await asyncio.sleep(0.05)
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
    monkeypatch.setattr("panels.relay.LOCAL_SECONDS", 0.2)
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

    await relay.deliver(7, {"type": "live.dirty", "names": []})
    assert relay.live_state(7) is not first


@pytest.mark.looptime(start=1000)
async def test_in_a_big_meeting_turnout_goes_out_less_often(monkeypatch):
    monkeypatch.setattr("panels.relay.LOCAL_FRAMES_PER_SECOND", 1000)
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
