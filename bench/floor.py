"""The floor under our live socket: daphne and Channels with a consumer that does nothing.

Run by bench.live as a daphne worker, with the same flags as ours. A WebSocket on
/clients is accepted and kept: no session, no database, no channel layer, no frame
sent. What a connection costs here (memory, time to open) is what the stack we build on
costs before any of our code runs; bench.live prints it beside our figures and the bare
`websockets` server's.
"""

from django.conf import settings

if not settings.configured:
    # Nothing of the product: no apps, no database, no channel layer.
    settings.configure(INSTALLED_APPS=[], CHANNEL_LAYERS={}, DATABASES={}, DEBUG=False)

import django  # noqa: E402 - after the settings, as Django wants

django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402


class Listener(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await self.accept()


async def not_found(scope, receive, send) -> None:
    """Any HTTP request (bench.live's "is it serving?" probe): 404."""
    await send({"type": "http.response.start", "status": 404, "headers": []})
    await send({"type": "http.response.body", "body": b""})


application = ProtocolTypeRouter(
    {"http": not_found, "websocket": URLRouter([path("clients", Listener.as_asgi())])}
)
