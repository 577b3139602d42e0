"""How a worker serves HTTP: the whole request in one thread, and requests in turns.

Every view of ours is synchronous. Under ASGI, Django nevertheless loads its middleware
chain in async mode: the request crosses from the event loop to a thread and back for
the middleware, again for the view, and the part in between (URL resolution, view
middleware) runs on the worker's event loop, which the sockets need. `ASGIHandler` here
loads the chain in sync mode and runs it, view included, in one thread per request; it
keeps Django's ASGI request handling around it (bodies spooled to disk, disconnects,
streaming). `HttpTurns` bounds how many requests run at once (docs/decisions/0004).
"""

import asyncio

from asgiref.sync import sync_to_async
from django.core.handlers import asgi


class ASGIHandler(asgi.ASGIHandler):
    """Django's ASGI handler, with the middleware chain and the view in one thread."""

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


class HttpTurns:
    """ASGI: at most `limit` HTTP requests in Django at once in a worker; the rest queue here.

    A request in Django may hold one of the worker's pooled database connections, and the
    sockets' own database work (handshakes, snapshots, presence) needs some too. Unbounded,
    a burst of ballots filled the pool's queue: after a worker was killed, the sockets
    reconnecting to the survivor waited behind a hundred ballots for every step of their
    handshake, and each waiting request had a thread of its own (seven hundred). Requests
    now wait for their turn in the event loop, in order, and the pool keeps room for the
    sockets (settings.HTTP_CONCURRENCY). One that waits longer than `timeout` gets the
    same 503 "too busy, try again" as a request that waited that long for a connection.
    """

    def __init__(self, app, limit: int, timeout: float) -> None:
        self.app = app
        self.limit = limit
        self.timeout = timeout
        self._turns: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}
        self._busy_page: bytes | None = None

    def turns(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if loop not in self._turns:
            self._turns = {loop: asyncio.Semaphore(self.limit)}  # one loop per worker
        return self._turns[loop]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or self.limit <= 0:
            await self.app(scope, receive, send)
            return
        turns = self.turns()
        try:
            await asyncio.wait_for(turns.acquire(), self.timeout)
        except TimeoutError:
            await self.too_busy(send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            turns.release()

    async def too_busy(self, send) -> None:
        from django.template import loader

        from panels.views import BUSY_RETRY_AFTER, STATIC_PAGE_POLICY

        if self._busy_page is None:
            self._busy_page = loader.render_to_string("503.html").encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"retry-after", str(BUSY_RETRY_AFTER).encode()),
                    (b"content-security-policy", STATIC_PAGE_POLICY.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": self._busy_page})
