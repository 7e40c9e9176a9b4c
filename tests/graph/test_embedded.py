from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from core.errors import EmbeddedServerError
from graph.embedded import EmbeddedFalkorDB
from graph.falkordb_store import FalkorStore
from tests.graph.test_store import T0, ev


def test_restart_keeps_data_through_the_aof(tmp_path: Path) -> None:
    server = EmbeddedFalkorDB(tmp_path).start()
    try:
        client = redis.Redis(port=server.port)
        client.execute_command("GRAPH.QUERY", "g", "CREATE (:Account {id: 'a1'})")
        server.restart()
        client = redis.Redis(port=server.port)
        reply = client.execute_command("GRAPH.QUERY", "g", "MATCH (a:Account) RETURN a.id")
        assert reply[1] == [[b"a1"]]
    finally:
        server.stop()


def test_a_stored_batch_comes_back_through_the_aof(tmp_path: Path) -> None:
    """The store's MULTI/EXEC (GRAPH.BULK of the Transaction nodes, the query, the markers) is
    replayed from the AOF whole."""
    server = EmbeddedFalkorDB(tmp_path).start()
    try:
        store = FalkorStore(server.url, "g")
        store.ensure_schema()
        store.apply_batch(
            [ev(f"t{i}", "transfer", 1.5, f"a{i % 3}", "b", ts=T0 + i) for i in range(5)]
        )
        store.close()
        server.restart()
        store = FalkorStore(server.url, "g")
        found = store.find_transaction("t3")  # through the index on id
        assert found is not None and found.amount == 1.5
        assert store.counts()["Transaction"] == 5 and store.applied_ids(["t4"]) == {"t4"}
        store.close()
    finally:
        server.stop()


def test_port_taken_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(EmbeddedServerError, match=f"port {port} is already in use"):
            EmbeddedFalkorDB(tmp_path, port=port).start()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(EmbeddedServerError, match="not writable"):
            EmbeddedFalkorDB(tmp_path / "sub").start()
    finally:
        tmp_path.chmod(0o700)


def test_data_dir_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(EmbeddedServerError, match="not writable"):
        EmbeddedFalkorDB(blocker / "data").start()


def test_second_process_on_same_data_dir_shares_the_server(tmp_path: Path) -> None:
    with EmbeddedFalkorDB(tmp_path) as first, EmbeddedFalkorDB(tmp_path) as second:
        assert second.attached and second.port == first.port
    assert not (tmp_path / "falkordb.pid").exists()


def test_no_orphan_when_owner_is_killed(tmp_path: Path) -> None:
    code = (
        "import sys, time; from graph.embedded import EmbeddedFalkorDB;"
        f"s = EmbeddedFalkorDB({str(tmp_path)!r}).start(); print(s.port, flush=True); time.sleep(60)"
    )
    owner = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert owner.stdout is not None
    port = int(owner.stdout.readline())
    pid = int((tmp_path / "falkordb.pid").read_text())
    assert redis.Redis(port=port).ping()
    owner.kill()
    owner.wait()
    owner.stdout.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.05)
    stat = Path(f"/proc/{pid}/stat")
    assert not stat.exists() or stat.read_text().split()[2] == "Z"


def test_a_crashed_server_reloads_its_aof_while_clients_keep_knocking(tmp_path: Path) -> None:
    """FalkorDB 4.16 aborts when a client command arrives while the AOF replays a MULTI/EXEC
    with a graph write (every ingest batch is one): the port opens only after loading."""
    from core.events import parse_event
    from graph.falkordb_store import FalkorStore
    from tests.ingest.conftest import make_events

    server = EmbeddedFalkorDB(tmp_path).start()
    store = FalkorStore(server.url, "g")
    store.ensure_schema()
    events = [parse_event(e, "salt") for e in make_events(6000, seed=5, accounts=400)]
    for start in range(0, len(events), 20):  # 300 MULTI/EXEC batches in the AOF
        store.apply_batch(events[start : start + 20], {})
    before = store.counts()
    store.close()
    assert server._proc is not None
    server._proc.kill()  # no clean shutdown: the batches replay from the AOF
    server._proc.wait()

    loading_replies, stop = [], False

    def knock() -> None:  # what reconnecting workers and API processes do
        while not stop:
            client = redis.Redis(port=server.port, socket_connect_timeout=0.2)
            try:
                client.ping()
            except redis.BusyLoadingError:
                loading_replies.append(1)
            except redis.RedisError:
                pass  # refused or reset: not listening yet; only loading replies count
            finally:
                client.close()
            time.sleep(0.001)

    import threading

    knocker = threading.Thread(target=knock, daemon=True)
    knocker.start()
    try:
        server.restart(timeout=60)
        again = FalkorStore(server.url, "g")
        assert again.counts() == before and server.running
        again.close()
    finally:
        stop = True
        knocker.join()
        server.stop()
    assert not loading_replies  # nobody reached the server while it was loading
