"""The open-loop generator counts the server's failures, not its own stale keep-alive sockets."""

from __future__ import annotations

import asyncio

from benchmarks.loadgen import run

REPLY = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


async def test_a_connection_the_server_closed_is_not_an_error() -> None:
    """This server answers once per connection, then closes it (as uvicorn does to a kept-alive
    socket idle for 5 s): every reused socket fails, and each request is sent again."""

    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(REPLY)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(once, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        out = await run(f"http://127.0.0.1:{port}/graphql", [b"{}"], 50.0, 0.4, 4)
    assert out["errors"] == 0
    assert out["completed"] == out["requests"] == 20


async def test_a_refused_request_is_an_error() -> None:
    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(refuse, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        out = await run(f"http://127.0.0.1:{port}/graphql", [b"{}"], 50.0, 0.2, 4)
    assert out["errors"] == out["requests"] == 10
