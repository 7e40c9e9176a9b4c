"""WebSocket limits before work: size, length and tokens before parsing, only validated documents
cached, a cap on operations per socket, and a revoked key's sockets closed."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import orjson
import pytest
import websockets
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from api.schema import build_schema
from graph.falkordb_store import FalkorStore
from ringscope.bootstrap import create_app, key_store
from tests.api.conftest import LocalClient, make_settings
from tests.ui.server import serve

WS = ["graphql-transport-ws"]
SUB = "subscription { alerts(minScore: 0) { id } }"


@contextmanager
def _session(client: TestClient) -> Iterator[Any]:
    with client.websocket_connect("/graphql", subprotocols=WS) as ws:
        ws.send_json({"type": "connection_init"})
        assert ws.receive_json()["type"] == "connection_ack"
        yield ws


def _error_code(ws: Any, op: str, query: str) -> str:
    ws.send_json({"id": op, "type": "subscribe", "payload": {"query": query}})
    msg = ws.receive_json()
    assert (msg["id"], msg["type"]) == (op, "error"), msg
    return str(msg["payload"][0]["extensions"]["code"])


def test_oversized_message_closes_the_socket_before_decoding(client: TestClient) -> None:
    with _session(client) as ws, pytest.raises(WebSocketDisconnect) as closed:
        ws.send_text(
            '{"id": "1", "type": "subscribe", "payload": {"query": "' + "x" * 1_100_000 + '"}}'
        )
        ws.receive_json()
    assert closed.value.code == 1009
    assert client.get("/healthz").status_code == 200


def test_long_or_many_token_queries_are_refused_before_parsing(client: TestClient) -> None:
    with _session(client) as ws:
        assert _error_code(ws, "1", '{ ring(id: "' + "a" * 70_000 + '") { id } }') == "BAD_REQUEST"
        many = "{ " + "a: __typename " * 2500 + "}"
        assert _error_code(ws, "2", many) == "GRAPHQL_PARSE_FAILED"
        ws.send_json({"id": "3", "type": "subscribe", "payload": {"query": 5}})
        assert ws.receive_json()["payload"][0]["extensions"]["code"] == "BAD_REQUEST"
        ws.send_json({"id": "4", "type": "subscribe", "payload": {"query": "{ __typename }"}})
        assert ws.receive_json()["payload"] == {"data": {"__typename": "Query"}}


async def test_only_validated_documents_are_cached() -> None:
    schema = build_schema()
    cache = schema.extensions[0].cache_of  # type: ignore[union-attr]
    for bad in ("{ nosuchfield }", "{", "{ rings(first: 1) { nope } }"):
        assert (await schema.execute(bad)).errors
    assert len(cache) == 0
    result = await schema.execute("{ __typename }")
    assert result.data == {"__typename": "Query"} and len(cache) == 1


def test_operations_per_socket_are_capped(seeded: FalkorStore) -> None:
    settings = make_settings(seeded.url, seeded.graph_name, api_max_subscriptions=2)
    with LocalClient(create_app(settings, store=seeded)) as c, _session(c) as ws:
        for op in ("1", "2"):
            ws.send_json({"id": op, "type": "subscribe", "payload": {"query": SUB}})
        assert _error_code(ws, "3", SUB) == "TOO_MANY_SUBSCRIPTIONS"
        ws.send_json({"id": "1", "type": "complete"})
        time.sleep(0.2)
        ws.send_json({"id": "4", "type": "subscribe", "payload": {"query": "{ __typename }"}})
        assert ws.receive_json()["type"] == "next"  # room again once one completed


async def _revoked_close(url: str, token: str, revoke: Any) -> tuple[int | None, float]:
    async with websockets.connect(url.replace("http", "ws") + "/graphql", subprotocols=WS) as ws:  # type: ignore[list-item]
        await ws.send(
            orjson.dumps(
                {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
            ).decode()
        )
        assert orjson.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            orjson.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUB}}).decode()
        )
        await asyncio.sleep(0.3)
        revoked = time.monotonic()
        await asyncio.to_thread(revoke)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        rcvd = closed.value.rcvd
        return (rcvd.code if rcvd else None), time.monotonic() - revoked


def test_revoked_key_closes_its_sockets(seeded: FalkorStore) -> None:
    settings = make_settings(seeded.url, seeded.graph_name, host="0.0.0.0", api_key_cache_s=1.0)
    keys = key_store(seeded.url)
    token, key = keys.create("viewer")
    with serve(create_app(settings, store=seeded)) as url:
        code, after_s = asyncio.run(_revoked_close(url, token, lambda: keys.revoke(key.key_id)))
    assert code == 4403
    assert after_s < 5  # within the 1 s key cache lifetime, with room for a loaded machine


async def _send_big(url: str, size: int) -> int | None:
    async with websockets.connect(
        url.replace("http", "ws") + "/graphql",
        subprotocols=WS,  # type: ignore[list-item]
        max_size=None,
    ) as ws:
        await ws.send('{"type": "connection_init"}')
        await ws.recv()
        await ws.send(
            orjson.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": "{ " + "a " * (size // 2) + "}"},
                }
            ).decode()
        )
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 30)
        rcvd = closed.value.rcvd
        return rcvd.code if rcvd else None


def test_a_4mb_message_is_refused_while_others_are_served(seeded: FalkorStore) -> None:
    settings = make_settings(seeded.url, seeded.graph_name)
    answered: list[int] = []
    stop = threading.Event()
    with serve(create_app(settings, store=seeded)) as url:

        def probe() -> None:
            with httpx.Client(base_url=url, timeout=5) as c:
                while not stop.is_set():
                    answered.append(c.get("/healthz").status_code)

        thread = threading.Thread(target=probe)
        thread.start()
        while not answered and thread.is_alive():
            time.sleep(0.01)
        try:
            code = asyncio.run(_send_big(url, 4_000_000))
        finally:
            stop.set()
            thread.join()
        assert code == 1009
        assert answered and set(answered) == {200}
        assert httpx.get(url + "/healthz").status_code == 200
