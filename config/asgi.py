"""ASGI entry point: HTTP through Django, WebSockets through Channels.

WebSocket connections are checked against ALLOWED_HOSTS (Origin header) and
carry the logged-in user from the Django session.
"""

import gc
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Django must be set up before anything imports models.
django.setup(set_prefix=False)

from config.http import ASGIHandler, HttpTurns  # noqa: E402

django_asgi_app = ASGIHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from panels.live.consumers import session_stack  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": HttpTurns(django_asgi_app, settings.HTTP_CONCURRENCY, settings.HTTP_TURN_TIMEOUT),
        "websocket": AllowedHostsOriginValidator(session_stack(URLRouter(websocket_urlpatterns))),
    }
)


# Garbage collection in a worker that holds hundreds of sockets: a full collection scanned
# every object of the process (Django, the apps, every connection) and stopped the worker
# for 100-250 ms, every second or two during a big vote, holding up every push and ballot
# (docs/performance.md). What start-up loaded lives as long as the process: freeze it out of
# the collector's way, and collect the young generations less often.
gc.freeze()
gc.set_threshold(5000, 20, 20)
