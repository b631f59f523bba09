"""N WebSocket listeners in their own process (so they don't share the server's CPU
accounting): each records when it received each marked message; the process reports
through a pipe once ALL listeners got a message, then the times."""

from __future__ import annotations

import asyncio
import gc
import json
import time
from multiprocessing.connection import Connection

from websockets.asyncio.client import connect


async def _run(url: str, n: int, hello: dict | None, pipe: Connection, event_name: str) -> None:
    # Per message key: (how many listeners got it, latest receipt). Only counts are kept,
    # and a key is forgotten once reported: a growing heap would make this process's
    # garbage collector, not the server under test, set the tail latencies.
    received: dict[str, tuple[int, int]] = {}
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
            count, latest = received.get(key, (0, 0))
            count, latest = count + 1, max(latest, now)
            if count == n:
                del received[key]
                pipe.send(("all", key, latest))
                # the round is over (a raw round ends with its call), nothing is timed
                if key.startswith(("ticket_finished:", "ticket_called:R")):
                    gc.collect()
            else:
                received[key] = (count, latest)

    tasks = [asyncio.create_task(listen(ws)) for ws in conns]
    # This process is the measuring instrument: a collection of its 500 connections'
    # objects landing inside a timed round would be counted against whichever server
    # happens to be measured. Freeze what exists and collect only between rounds.
    gc.collect()
    gc.freeze()
    gc.disable()
    pipe.send(("ready", n, 0))
    await asyncio.get_running_loop().run_in_executor(None, pipe.recv)  # "stop"
    for t in tasks:
        t.cancel()
    for ws in conns:
        await ws.close()


def run(url: str, n: int, hello: dict | None, pipe: Connection,
        event_name: str = "ticket_called") -> None:
    asyncio.run(_run(url, n, hello, pipe, event_name))
