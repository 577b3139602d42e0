"""Finished frames written straight to daphne's sockets: the relay's last step.

A push goes to hundreds of sockets per process. Sent the ASGI way, each copy passes
through Channels' send, daphne's reply handling and autobahn's framing, and Twisted then
queues the bytes and asks the event loop to watch the socket for writability (an epoll
change, a wake-up, another epoll change) before it writes them. In the live benchmark
that was a quarter of a worker's time during a big vote.

Here a frame is built once per text (RFC 6455: a final, unmasked text frame, as a server
sends it) and written to each socket at once when nothing is queued before it; whatever
the socket does not take, and anything sent while bytes are still queued, goes behind
them through Twisted's own buffer, so frames never overtake each other.

Only where it is safe: a daphne socket over plain TCP, open, without compression and with
nothing in autobahn's own send queue. Anywhere else (Channels' test communicator, TLS in
daphne, a closing socket) `DirectWriter.find` answers None or `write` answers False, and
the caller sends the ordinary way.
"""

import logging
import struct
from collections.abc import Callable
from functools import partial

log = logging.getLogger(__name__)

_announced = False


def text_frame(text: str) -> bytes:
    """One WebSocket text message in a single frame, as a server sends it (unmasked)."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        head = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", 0x81, 126, size)
    else:
        head = struct.pack("!BBQ", 0x81, 127, size)
    return head + payload


def _daphne_protocol(send: Callable) -> object | None:
    """daphne's protocol behind an ASGI send, through Channels' session wrapper."""
    for _hop in range(4):
        if isinstance(send, partial) and getattr(send.func, "__name__", "") == "handle_reply":
            return send.args[0] if send.args else None
        send = getattr(getattr(send, "__self__", None), "real_send", None)
        if send is None:
            return None
    return None


class DirectWriter:
    """Writes finished frames to one daphne socket."""

    def __init__(self, protocol, transport) -> None:
        self.protocol = protocol
        self.transport = transport

    @classmethod
    def find(cls, send: Callable) -> "DirectWriter | None":
        """A writer for the socket behind this ASGI send (after accept), or None."""
        global _announced
        protocol = _daphne_protocol(send)
        transport = getattr(protocol, "transport", None)
        if (
            transport is None
            or getattr(transport, "TLS", True)
            or getattr(protocol, "_perMessageCompress", True) is not None
            or not hasattr(transport, "writeSomeData")
            or getattr(transport, "_tempDataLen", None) is None
        ):
            return None
        if not _announced:
            _announced = True
            log.info("live frames are written straight to daphne's sockets")
        return cls(protocol, transport)

    def write(self, frame: bytes) -> bool:
        """Write (or queue in order) one frame; False when only the ordinary send may."""
        protocol, transport = self.protocol, self.transport
        if (
            protocol.state != protocol.STATE_OPEN
            or protocol.send_queue
            or not transport.connected
            or transport.disconnecting
        ):
            return False
        if transport.dataBuffer or transport._tempDataLen:
            transport.write(frame)  # behind what is queued
            return True
        written = transport.writeSomeData(frame)
        if isinstance(written, BaseException):  # the connection is gone: daphne will see
            return False
        if written < len(frame):
            transport.write(frame[written:])
        return True
