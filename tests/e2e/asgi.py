"""The app as the browser tests serve it: our ASGI application plus static files.

In production the proxy serves /static/ (README); here daphne serves it through
Django's static files handler, from the same finders `collectstatic` reads.
"""

from django.conf import settings
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

from config.asgi import application as knoppen

_static = ASGIStaticFilesHandler(knoppen)
_prefix = "/" + settings.STATIC_URL.lstrip("/")


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"].startswith(_prefix):
        return await _static(scope, receive, send)
    return await knoppen(scope, receive, send)
