"""Middleware of our own: Django's (OneThreadPerRequest) and ASGI (HttpTurns)."""

import asyncio


class OneThreadPerRequest:
    """The innermost middleware: sync only, so Django runs the whole chain in one thread.

    Under ASGI Django runs every middleware that can be async in async mode, and Django's
    own (MiddlewareMixin) then hop to a thread and back for each process_request and
    process_response: some fourteen hops per request here. A sync-only middleware at the
    bottom of the list turns every middleware above it to sync mode, so a request crosses
    to its thread once on the way in (and the view once more). In the live benchmark a
    quarter of a worker's time went to Django's ASGI handling and these hops; with this,
    ballots at 50 a second reach everyone about a fifth sooner (docs/performance.md).
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)


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

        from panels.views import BUSY_RETRY_AFTER

        if self._busy_page is None:
            self._busy_page = loader.render_to_string("503.html").encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"retry-after", str(BUSY_RETRY_AFTER).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": self._busy_page})
