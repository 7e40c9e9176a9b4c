"""No rebinding: a Host allowlist on HTTP and WebSocket in every mode, same-origin WebSockets;
with keys required, introspection and /metrics need a key unless a setting opens them."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from graph.falkordb_store import FalkorStore
from ringscope.bootstrap import create_app, key_store
from tests.api.conftest import LocalClient, make_settings

QUERY = {"query": "{ rings(first: 1) { totalCount } }"}
WS = ["graphql-transport-ws"]


def _ws_refused(client: TestClient, url: str, headers: dict[str, str]) -> bool:
    try:
        with client.websocket_connect(url, subprotocols=WS, headers=headers) as ws:
            ws.send_json({"type": "connection_init"})
            ws.receive_json()
    except WebSocketDisconnect as exc:
        return exc.code == 1008
    return False


@pytest.mark.parametrize("host", ["0.0.0.0", "127.0.0.1"])  # keys required / open demo
def test_foreign_host_is_refused_in_every_mode(seeded: FalkorStore, host: str) -> None:
    settings = make_settings(seeded.url, seeded.graph_name, host=host)
    with LocalClient(create_app(settings, store=seeded)) as c:
        for bad in ("evil.example", "evil.example:8000", "localhost.evil.example", "testserver"):
            r = c.post("/graphql", json=QUERY, headers={"host": bad})
            assert r.status_code == 421, bad
            assert r.json()["errors"][0]["extensions"]["code"] == "HOST_NOT_ALLOWED"
            assert c.get("/healthz", headers={"host": bad}).status_code == 421
            assert _ws_refused(c, "ws://evil.example/graphql", {})
        for good in ("localhost:8000", "127.0.0.1", "[::1]:8000", "10.1.2.3:8000", "LOCALHOST"):
            assert c.get("/healthz", headers={"host": good}).status_code == 200, good


def test_allowed_hosts_setting_adds_real_names(seeded: FalkorStore) -> None:
    settings = make_settings(
        seeded.url, seeded.graph_name, allowed_hosts=["api.example.com", "*.corp.example"]
    )
    with LocalClient(create_app(settings, store=seeded)) as c:
        for good in ("api.example.com", "api.example.com:443", "x.corp.example"):
            assert c.get("/healthz", headers={"host": good}).status_code == 200, good
        for bad in ("localhost", "corp.example", "evil.example"):
            assert c.get("/healthz", headers={"host": bad}).status_code == 421, bad


def test_websockets_are_same_origin_or_allowlisted(seeded: FalkorStore) -> None:
    settings = make_settings(
        seeded.url, seeded.graph_name, api_cors_origins=["https://console.example"]
    )
    with LocalClient(create_app(settings, store=seeded)) as c:
        assert _ws_refused(c, "/graphql", {"origin": "http://evil.example"})
        assert _ws_refused(c, "/graphql", {"origin": "http://127.0.0.1:9999"})  # other port
        for origin in ("http://127.0.0.1", "https://console.example"):
            with c.websocket_connect("/graphql", subprotocols=WS, headers={"origin": origin}) as ws:
                ws.send_json({"type": "connection_init"})
                assert ws.receive_json()["type"] == "connection_ack"


def test_keys_required_guard_introspection_and_metrics(seeded: FalkorStore) -> None:
    settings = make_settings(seeded.url, seeded.graph_name, host="0.0.0.0")
    token, _ = key_store(seeded.url).create("viewer")
    auth = {"Authorization": f"Bearer {token}"}
    intro = {"query": "{ __schema { queryType { name } } }"}
    with LocalClient(create_app(settings, store=seeded)) as c:
        anon = c.post("/graphql", json=intro).json()
        assert anon["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        typename = c.post("/graphql", json={"query": "{ __typename }"}).json()
        assert typename == {"data": {"__typename": "Query"}}
        assert c.post("/graphql", json=intro, headers=auth).json()["data"]["__schema"]
        r = c.get("/metrics")
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert c.get("/metrics", headers={"Authorization": "Bearer rsk_x_y"}).status_code == 401
        assert "ringscope_api_request_seconds" in c.get("/metrics", headers=auth).text


def test_settings_open_introspection_and_metrics(seeded: FalkorStore) -> None:
    settings = make_settings(
        seeded.url,
        seeded.graph_name,
        host="0.0.0.0",
        api_public_introspection=True,
        api_public_metrics=True,
    )
    with LocalClient(create_app(settings, store=seeded)) as c:
        intro = c.post("/graphql", json={"query": "{ __schema { queryType { name } } }"}).json()
        assert intro["data"]["__schema"]["queryType"]["name"] == "Query"
        assert c.get("/metrics").status_code == 200
