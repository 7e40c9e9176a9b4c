"""An open-loop HTTP load generator, run in its own process by ``benchmarks.api``.

Requests are sent at a fixed arrival rate whatever the server's pace (not by a fixed number of
clients in a loop), over keep-alive connections opened as needed. A request's latency runs from
its scheduled start, so a server that falls behind shows it in the tail (no coordinated omission).

usage: python -m benchmarks.loadgen URL BODIES_FILE RATE SECONDS [MAX_CONNECTIONS]
       BODIES_FILE: one JSON request body a line, POSTed in turn to URL. Prints one JSON line.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from urllib.parse import urlsplit


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))], 2) if ordered else 0.0


class Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def post(self, request: bytes) -> int:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return status


async def run(
    url: str, bodies: list[bytes], rate: float, seconds: float, max_conns: int
) -> dict[str, object]:
    parts = urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path or "/"
    requests = [
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(b)}\r\n\r\n".encode()
        + b
        for b in bodies
    ]
    idle: list[Conn] = []
    opened = 0
    latencies: list[float] = []
    errors = 0
    late = 0
    total = int(rate * seconds)
    pending: set[asyncio.Task[None]] = set()

    async def connect() -> Conn:
        nonlocal opened
        opened += 1
        return Conn(*await asyncio.open_connection(host, port))

    async def one(i: int, due: float) -> None:
        nonlocal errors
        conn = idle.pop() if idle else None
        try:
            if conn is None:
                conn = await connect()
                status = await conn.post(requests[i % len(requests)])
            else:
                try:
                    status = await conn.post(requests[i % len(requests)])
                except (OSError, asyncio.IncompleteReadError):
                    # a kept-alive connection the server closed while it sat idle (uvicorn
                    # closes them after 5 s): as HTTP clients do, send again on a new one
                    conn.writer.close()
                    conn = await connect()
                    status = await conn.post(requests[i % len(requests)])
            latencies.append((time.perf_counter() - due) * 1000)
            if status != 200:
                errors += 1
            idle.append(conn)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            errors += 1

    start = time.perf_counter() + 0.05
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.005:
            late += 1  # the generator itself fell behind its schedule
        while len(pending) >= max_conns:  # every connection busy: wait, the latency keeps counting
            await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        task = asyncio.create_task(one(i, due))
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.wait(pending, timeout=30)
    wall = time.perf_counter() - start
    for conn in idle:
        conn.writer.close()
    return {
        "offered_rps": rate,
        "achieved_rps": round(len(latencies) / wall, 1),
        "requests": total,
        "completed": len(latencies),
        "errors": errors,
        "p50_ms": pct(latencies, 0.5),
        "p99_ms": pct(latencies, 0.99),
        "max_ms": round(max(latencies), 1) if latencies else 0.0,
        "connections": opened,
        "generator_late": late,
    }


def main() -> None:
    url, path, rate, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    max_conns = int(sys.argv[5]) if len(sys.argv) > 5 else 256
    with open(path, "rb") as f:
        bodies = [line for line in f.read().splitlines() if line]
    with contextlib.suppress(ImportError):  # uvloop when installed, asyncio's loop otherwise
        import uvloop

        uvloop.install()
    print(json.dumps(asyncio.run(run(url, bodies, rate, seconds, max_conns))))


if __name__ == "__main__":
    main()
