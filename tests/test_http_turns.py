"""A worker lets a bounded number of HTTP requests into Django at once (config.middleware).

The rest wait their turn in order; one that waits too long is told "too busy, try again",
and a socket never waits behind them.
"""

import asyncio

import pytest

from config.middleware import HttpTurns


class App:
    """Django stand-in: each request stays in until the test lets it go."""

    def __init__(self) -> None:
        self.inside: list[str] = []
        self.release = asyncio.Event()

    async def __call__(self, scope, receive, send) -> None:
        self.inside.append(scope["path"])
        await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def call(app, path: str, kind: str = "http") -> list[dict]:
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    await app({"type": kind, "path": path}, receive, send)
    return sent


@pytest.mark.asyncio
async def test_requests_beyond_the_limit_wait_their_turn_in_order():
    inner = App()
    turns = HttpTurns(inner, limit=2, timeout=5)
    calls = [asyncio.create_task(call(turns, f"/{n}")) for n in range(4)]
    await asyncio.sleep(0.05)
    assert inner.inside == ["/0", "/1"]
    inner.release.set()
    answers = await asyncio.gather(*calls)
    assert inner.inside == ["/0", "/1", "/2", "/3"]
    assert all(sent[0]["status"] == 200 for sent in answers)


@pytest.mark.django_db
@pytest.mark.asyncio
async def test_a_request_that_waits_too_long_is_told_to_try_again():
    inner = App()
    turns = HttpTurns(inner, limit=1, timeout=0.1)
    first = asyncio.create_task(call(turns, "/first"))
    await asyncio.sleep(0.01)
    sent = await call(turns, "/second")
    assert inner.inside == ["/first"]  # the second never reached Django
    start, body = sent
    assert start["status"] == 503
    assert (b"retry-after", b"5") in start["headers"]
    assert "Too busy" in body["body"].decode()
    inner.release.set()
    assert (await first)[0]["status"] == 200


@pytest.mark.asyncio
async def test_sockets_and_an_unbounded_worker_pass_straight_through():
    inner = App()
    turns = HttpTurns(inner, limit=1, timeout=5)
    held = asyncio.create_task(call(turns, "/held"))
    await asyncio.sleep(0.01)
    socket = asyncio.create_task(call(turns, "/ws", kind="websocket"))
    unbounded = asyncio.create_task(call(HttpTurns(inner, limit=0, timeout=5), "/other"))
    await asyncio.sleep(0.01)
    assert inner.inside == ["/held", "/ws", "/other"]
    inner.release.set()
    await asyncio.gather(held, socket, unbounded)
