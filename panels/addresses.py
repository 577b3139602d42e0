"""Who is at the other end: the client's address as the trusted proxy saw it.

Behind a proxy every connection comes from the proxy; the client's address is in
X-Forwarded-For, where each proxy appends the address it saw. Whatever stands to the left
of the entries the trusted proxies wrote was written by the client and may say anything:
believing the first entry (daphne's --proxy-headers) let anyone lock another address out
of logging in, or dodge the per-address limit by writing a new address each time. So:

- TRUSTED_PROXIES = 0 (no proxy): the connection's own address.
- TRUSTED_PROXIES = N: the N-th entry from the right, the address the outermost trusted
  proxy saw; the client's own entries further left are ignored.
- A header that is missing, too short or not an address there: the connection's own
  address (a proxy's, or a client that came in around the proxy), never a value the client
  chose. daphne runs without --proxy-headers, so the connection's address is the real peer.

Every limit and log that names an address asks `request_address` or `socket_address`.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(text: str) -> str:
    """The address in canonical form ("" when it is not one); a port is dropped."""
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.split(":")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return ""


def client_address(peer: str, forwarded_for: str | None, trusted: int | None = None) -> str:
    """The client's address: see the module's docstring. "" when nothing is known."""
    trusted = settings.TRUSTED_PROXIES if trusted is None else trusted
    if trusted > 0 and forwarded_for:
        entries = forwarded_for.split(",")
        if len(entries) >= trusted and (seen := _address(entries[-trusted])):
            return seen
    return _address(peer)


def request_address(request: HttpRequest) -> str:
    return client_address(
        request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_X_FORWARDED_FOR")
    )


def socket_address(scope: dict) -> str:
    """The same for an ASGI connection (a WebSocket), from its scope."""
    peer = (scope.get("client") or [""])[0] or ""
    # Several X-Forwarded-For headers count as one list, in order (as Django joins them).
    forwarded = [
        value.decode("latin-1")
        for name, value in scope.get("headers", [])
        if name.lower() == b"x-forwarded-for"
    ]
    return client_address(peer, ",".join(forwarded) or None)
