"""How a worker serves HTTP (config/http.py): the whole request in one thread, and a
bounded number of requests in Django at once; the rest wait their turn in order, one that
waits too long is told "too busy, try again", and a socket never waits behind them.
"""

import asyncio
import threading

import pytest
from asgiref.sync import AsyncToSync, SyncToAsync
from asgiref.testing import ApplicationCommunicator
from django.http import HttpResponse
from django.urls import path, register_converter

from config.http import ASGIHandler, HttpTurns
from panels.views import STATIC_PAGE_POLICY

# --- one thread per request ---------------------------------------------------------------

seen_threads: list[tuple[str, int]] = []


def record_thread(get_response):
    def middleware(request):
        seen_threads.append(("middleware", threading.get_ident()))
        return get_response(request)

    return middleware


class Here:
    """A URL converter: tells in which thread Django resolves the URL."""

    regex = "here"

    def to_python(self, value: str) -> str:
        seen_threads.append(("urls", threading.get_ident()))
        return value

    def to_url(self, value: str) -> str:
        return value


def a_view(request, where):
    seen_threads.append(("view", threading.get_ident()))
    return HttpResponse("ok")


register_converter(Here, "here")
urlpatterns = [path("<here:where>/", a_view)]


def test_the_middleware_chain_is_loaded_in_sync_mode():
    chain = ASGIHandler()._middleware_chain
    assert not isinstance(chain, SyncToAsync | AsyncToSync), chain
    assert not asyncio.iscoroutinefunction(chain)


@pytest.mark.asyncio
async def test_middleware_urls_and_view_run_in_one_thread_off_the_event_loop(settings):
    settings.ROOT_URLCONF = "tests.test_http"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.test_http.record_thread"]
    seen_threads.clear()
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/here/",
        "query_string": b"",
        "headers": [(b"host", b"localhost")],
        "server": ("localhost", 80),
        "client": ("127.0.0.1", 5000),
    }
    communicator = ApplicationCommunicator(ASGIHandler(), scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(5)
    body = await communicator.receive_output(5)
    assert start["status"] == 200 and body["body"] == b"ok"
    assert [where for where, _ in seen_threads] == ["middleware", "urls", "view"]
    threads = {ident for _where, ident in seen_threads}
    assert len(threads) == 1 and threading.get_ident() not in threads


# --- turns ----------------------------------------------------------------------------------


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


# The tests of turns run on the event loop's own clock (looptime): a sleep there returns only
# once every task that could run has run as far as it can, and the loop's time moves only
# when nothing else can run, so a busy machine cannot make a task late for an assertion or
# stretch the waiting limit.
@pytest.mark.asyncio
@pytest.mark.looptime
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
@pytest.mark.looptime
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
    assert (b"content-security-policy", STATIC_PAGE_POLICY.encode()) in start["headers"]
    assert "Too busy" in body["body"].decode()
    inner.release.set()
    assert (await first)[0]["status"] == 200


@pytest.mark.asyncio
@pytest.mark.looptime
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
