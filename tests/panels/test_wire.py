"""Finished frames written straight to daphne's sockets (panels/wire.py).

The frame must be exactly what a WebSocket client expects, and nothing may overtake what
is already queued for the socket; where the shortcut is not safe, the ordinary send is
used. The cluster tests check the shortcut with real daphne workers.
"""

from functools import partial

import pytest
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from panels.live.wire import DirectWriter, text_frame


def parse(data: bytes) -> Frame:
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        return done.value
    raise AssertionError("incomplete frame")


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 200_000])
def test_a_frame_of_any_size_reads_back_as_the_same_text(size):
    text = ("é" * size)[:size] if size % 2 else "x" * size
    frame = parse(text_frame(text))
    assert frame.opcode == Opcode.TEXT and frame.fin
    assert frame.data.decode() == text


class Transport:
    """The parts of a Twisted TCP transport the writer uses."""

    TLS = False

    def __init__(self, accepts: int | None = None) -> None:
        self.connected = True
        self.disconnecting = False
        self.dataBuffer = b""
        self._tempDataLen = 0
        self.accepts = accepts  # bytes the socket takes at once; None: all
        self.wire = b""  # what reached the socket
        self.queued: list[bytes] = []  # what Twisted would write later

    def writeSomeData(self, data: bytes):
        taken = data if self.accepts is None else data[: self.accepts]
        self.wire += taken
        return len(taken)

    def write(self, data: bytes) -> None:
        self.queued.append(data)
        self._tempDataLen += len(data)


class Protocol:
    STATE_OPEN = 3

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.state = self.STATE_OPEN
        self.send_queue: list = []
        self._perMessageCompress = None

    def handle_reply(self, message): ...


def asgi_send(protocol):
    """daphne's send for a socket, as Channels' session wrapper holds it."""

    class Server:
        async def handle_reply(self, protocol, message): ...

    class SessionWrapper:
        def __init__(self, send) -> None:
            self.real_send = send

        async def send(self, message):
            return await self.real_send(message)

    return SessionWrapper(partial(Server().handle_reply, protocol)).send


def writer(transport: Transport) -> tuple[DirectWriter, Protocol]:
    protocol = Protocol(transport)
    found = DirectWriter.find(asgi_send(protocol))
    assert found is not None
    return found, protocol


def test_a_frame_goes_to_the_socket_at_once_when_nothing_is_queued():
    transport = Transport()
    direct, _ = writer(transport)
    assert direct.write(b"frame")
    assert transport.wire == b"frame" and transport.queued == []


def test_what_the_socket_does_not_take_is_queued_after_it():
    transport = Transport(accepts=3)
    direct, _ = writer(transport)
    assert direct.write(b"frame")
    assert transport.wire == b"fra" and transport.queued == [b"me"]


def test_a_frame_never_overtakes_bytes_already_queued():
    transport = Transport()
    direct, _ = writer(transport)
    transport.write(b"earlier")
    assert direct.write(b"later")
    assert transport.wire == b"" and transport.queued == [b"earlier", b"later"]


def test_a_lost_connection_leaves_the_frame_to_the_ordinary_send():
    transport = Transport()
    transport.writeSomeData = lambda data: ConnectionError("gone")
    direct, _ = writer(transport)
    assert not direct.write(b"frame")


@pytest.mark.parametrize("change", ["closing", "autobahn queue", "disconnecting", "closed"])
def test_a_socket_that_is_not_plainly_open_gets_the_ordinary_send(change):
    transport = Transport()
    direct, protocol = writer(transport)
    if change == "closing":
        protocol.state = 4
    elif change == "autobahn queue":
        protocol.send_queue.append((b"x", True))
    elif change == "disconnecting":
        transport.disconnecting = True
    else:
        transport.connected = False
    assert not direct.write(b"frame")
    assert transport.wire == b"" and transport.queued == []


def test_no_shortcut_over_tls_with_compression_or_outside_daphne():
    tls = Transport()
    tls.TLS = True
    assert DirectWriter.find(asgi_send(Protocol(tls))) is None
    compressed = Protocol(Transport())
    compressed._perMessageCompress = object()
    assert DirectWriter.find(asgi_send(compressed)) is None

    async def communicator_send(message): ...

    assert DirectWriter.find(communicator_send) is None
