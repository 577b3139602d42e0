"""The limit to compare against: a bare `websockets` broadcast server, nothing else.

Run by bench.live in its own process. Every connection on /clients is a listener; a
message on /control ("push <n> <size>") is broadcast at once to every listener as one
frame of <size> bytes that starts with the push number. Nothing is rendered, stored or
routed: what is left is the cost of writing one frame to N sockets from one process.
"""

import argparse
import asyncio

from websockets.asyncio.server import broadcast, serve

listeners = set()


async def handler(connection) -> None:
    if connection.request.path == "/control":
        async for message in connection:
            _verb, number, size = message.split()
            head = f"push {number} "
            broadcast(listeners, head + "x" * max(0, int(size) - len(head)))
        return
    listeners.add(connection)
    try:
        await connection.wait_closed()
    finally:
        listeners.discard(connection)


async def main(port: int) -> None:
    async with serve(handler, "127.0.0.1", port, max_size=None, ping_interval=None) as server:
        print(f"baseline listening on {port}", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(main(parser.parse_args().port))
