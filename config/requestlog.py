"""One log line per request, with an id and how long it took; JSON when LOG_FORMAT=json.

The id is the proxy's `X-Request-ID` when it sends a plausible one (nginx: `$request_id`),
so a line of nginx's log and one of ours can be matched; otherwise a new one. It goes back
in the response's `X-Request-ID`, and a person who reports an error page can quote it.

The line names the URL's pattern, not the address asked for: addresses can hold secrets
(a calendar feed's, an unsubscribe link's, a login link's query) and ids that, with the
time, say who did what. No query string, no user, no client address (the proxy logs that).
"""

import json
import logging
import re
import secrets
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

log = logging.getLogger("knoppen.requests")
_PLAUSIBLE = re.compile(r"[A-Za-z0-9._-]{8,64}")


def request_id(request: HttpRequest) -> str:
    offered = request.headers.get("X-Request-ID", "")
    return offered if _PLAUSIBLE.fullmatch(offered) else secrets.token_hex(8)


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.id = request_id(request)
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        log.info(
            "%s %s %s %.1f ms",
            request.method,
            f"/{match.route}" if match is not None else "-",
            response.status_code,
            (time.perf_counter() - started) * 1000,
            extra={
                "request_id": request.id,
                "method": request.method,
                "route": f"/{match.route}" if match is not None else None,
                "view": match.view_name if match is not None else None,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        response["X-Request-ID"] = request.id
        return response


# The fields a request line adds to the record; other records have none of them.
FIELDS = ("request_id", "method", "route", "view", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    """Each record as one line of JSON: time, level, logger, message, and the request's
    fields where it has them; an exception's traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line |= {name: getattr(record, name) for name in FIELDS if hasattr(record, name)}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)
