from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import redis

from graph.embedded import EmbeddedFalkorDB
from graph.supervisor import supervised


def test_supervisor_restarts_a_killed_server_on_its_port_with_its_data(tmp_path: Path) -> None:
    with EmbeddedFalkorDB(tmp_path) as server, supervised(server, check_s=0.1) as supervisor:
        port = server.port
        client = redis.Redis(port=port)
        client.execute_command("GRAPH.QUERY", "g", "CREATE (:Account {id: 'a1'})")
        time.sleep(1.2)  # past the AOF's once-a-second fsync
        os.kill(int((tmp_path / "falkordb.pid").read_text()), signal.SIGKILL)
        deadline = time.monotonic() + 20
        while supervisor.restarts == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert supervisor.restarts == 1 and server.port == port
        reply = redis.Redis(port=port).execute_command("GRAPH.QUERY", "g", "MATCH (a) RETURN a.id")
        assert reply[1] == [[b"a1"]]
    assert not server.running and not (tmp_path / "falkordb.pid").exists()


def test_attached_process_does_not_supervise(tmp_path: Path) -> None:
    with EmbeddedFalkorDB(tmp_path) as owner, EmbeddedFalkorDB(tmp_path) as guest:
        with supervised(guest, check_s=0.05) as supervisor:
            time.sleep(0.2)
            assert guest.attached and supervisor.restarts == 0 and owner.running
