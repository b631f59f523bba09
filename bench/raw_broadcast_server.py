"""The baseline: a bare `websockets` server that broadcasts what a control client sends
to every other client — no engine, no database, nothing else."""

from __future__ import annotations

import asyncio
import sys

import websockets
from websockets.asyncio.server import serve

listeners: set = set()


async def handler(ws) -> None:
    first = await ws.recv()
    if first == "control":
        async for payload in ws:
            websockets.broadcast(listeners, payload)
            await ws.send("sent")
        return
    await ws.send('{"type":"welcome"}')
    listeners.add(ws)
    try:
        await ws.wait_closed()
    finally:
        listeners.discard(ws)


async def main() -> None:
    async with serve(handler, "127.0.0.1", 0, compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"listening on ws://127.0.0.1:{port}/ws", flush=True)
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
