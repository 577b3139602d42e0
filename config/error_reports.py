"""Error reports to Sentry (or a server that speaks its protocol, such as GlitchTip), only
when SENTRY_DSN is set, and without personal data.

`send_default_pii=False` already keeps out cookies, the logged-in user and the client's
address. `scrub` takes out what could still carry some: the request's body, query string,
cookies and headers (but its method and content type), the user, breadcrumbs (log lines
and SQL with values), local variables, and email addresses in messages; the address
becomes the URL's pattern, as in our request log (a calendar feed's or an unsubscribe
link's address is a secret).
"""

import re
from urllib.parse import urlsplit, urlunsplit

from django.urls import Resolver404, resolve

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
KEPT_HEADERS = {"content-type"}


def _pattern_of(url: str) -> str:
    parts = urlsplit(url)
    try:
        path = "/" + resolve(parts.path).route
    except Resolver404:
        path = "/(unknown)"

    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _clean(text):
    return EMAIL.sub("[email]", text) if isinstance(text, str) else text


def scrub(event: dict, hint: dict | None = None) -> dict:
    request = event.get("request")
    if request:
        kept = {"method": request["method"]} if request.get("method") else {}
        if request.get("url"):
            kept["url"] = _pattern_of(request["url"])
        headers = request.get("headers") or {}
        kept["headers"] = {k: v for k, v in headers.items() if k.lower() in KEPT_HEADERS}
        event["request"] = kept
    event.pop("user", None)
    event["breadcrumbs"] = {"values": []}
    for exception in (event.get("exception") or {}).get("values", []):
        exception["value"] = _clean(exception.get("value"))
        for frame in (exception.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)
    if "logentry" in event:
        event["logentry"] = {
            "message": _clean(event["logentry"].get("message")),
            "params": [],
        }
    if "message" in event:
        event["message"] = _clean(event["message"])
    return event


def init(dsn: str, environment: str) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_breadcrumbs=0,
        traces_sample_rate=0.0,
        before_send=scrub,
    )
