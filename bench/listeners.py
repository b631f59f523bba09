"""N WebSocket listeners in their own process (so they don't share the server's CPU
accounting): each records when it received each marked message; the process reports
through a pipe once ALL listeners got a message, then the times."""

from __future__ import annotations

import asyncio
import json
import time
from multiprocessing.connection import Connection

from websockets.asyncio.client import connect


async def _run(url: str, n: int, hello: dict | None, pipe: Connection, event_name: str) -> None:
    received: dict[str, list[int]] = {}
    done = set()
    conns = []
    for _ in range(n):
        ws = await connect(url, compression=None, max_size=2**22, open_timeout=60)
        if hello is not None:
            await ws.send(json.dumps(hello))
            await ws.recv()  # welcome
        conns.append(ws)

    async def listen(ws) -> None:
        async for frame in ws:
            now = time.monotonic_ns()
            msg = json.loads(frame)
            ticket = (msg.get("data") or {}).get("ticket")
            if not ticket:
                continue
            key = f'{msg.get("name")}:{ticket["number"]}'
            times = received.setdefault(key, [])
            times.append(now)
            if len(times) == n and key not in done:
                done.add(key)
                pipe.send(("all", key, max(times)))

    tasks = [asyncio.create_task(listen(ws)) for ws in conns]
    pipe.send(("ready", n, 0))
    await asyncio.get_running_loop().run_in_executor(None, pipe.recv)  # "stop"
    for t in tasks:
        t.cancel()
    for ws in conns:
        await ws.close()


def run(url: str, n: int, hello: dict | None, pipe: Connection,
        event_name: str = "ticket_called") -> None:
    asyncio.run(_run(url, n, hello, pipe, event_name))
