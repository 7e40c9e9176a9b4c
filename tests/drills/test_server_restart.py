"""FalkorDB goes away mid-ingest, gracefully or by crashing on a query: nothing lost or doubled.

(The SIGKILLed-worker drill is tests/ingest/test_worker.py::test_sigkilled_workers_lose_and_double_nothing.)
"""

from __future__ import annotations

import time
from pathlib import Path

import redis

from graph.embedded import EmbeddedFalkorDB
from graph.falkordb_store import FalkorStore
from tests.drills.conftest import (
    CRASH_QUERY,
    drained,
    drill_env,
    drill_settings,
    spawn,
    stop,
    transactions,
    wait_for,
    xadd_events,
)
from tests.ingest.conftest import expected_counts, make_events, observed

GRAPH = "drill"


def check_exact(url: str, events: list[dict[str, object]]) -> None:
    store = FalkorStore(url, GRAPH)
    try:
        assert observed(store) == expected_counts(events)
    finally:
        store.close()


def test_worker_rides_out_a_server_restart(tmp_path: Path) -> None:
    settings = drill_settings(GRAPH)
    events = make_events(2500, seed=51, accounts=300)
    with EmbeddedFalkorDB(tmp_path / "db") as server:
        url = server.url
        xadd_events(url, settings.stream, events)
        worker = spawn(["worker"], drill_env(settings, FALKORDB_URL=url), tmp_path / "worker.log")
        try:
            wait_for(lambda: transactions(url, GRAPH) >= 300, 60, "the worker to start writing")
            server.stop()  # SIGTERM: the AOF is flushed
            time.sleep(1.5)  # the worker meets a dead server and backs off
            assert worker.poll() is None
            server.requested_port = server.port
            server.start()
            assert drained(url, settings, 60), (tmp_path / "worker.log").read_text()[-3000:]
            check_exact(url, events)
            more = make_events(200, seed=52, accounts=300)
            xadd_events(url, settings.stream, more)  # still serving
            assert drained(url, settings, 30)
            check_exact(url, events + more)
        finally:
            assert stop(worker) == 0
    log = (tmp_path / "worker.log").read_text()
    assert "unavailable" in log  # it met the dead server, backed off and carried on


def test_query_crash_brings_embedded_server_back_and_ingest_resumes(tmp_path: Path) -> None:
    settings = drill_settings(GRAPH)
    data_dir = tmp_path / "data"
    env = drill_env(settings, RINGSCOPE_DATA_DIR=str(data_dir))
    worker = spawn(["worker"], env, tmp_path / "worker.log")  # owns and supervises the server
    port_file = data_dir / "falkordb" / "falkordb.port"
    try:
        wait_for(port_file.exists, 60, "the worker's embedded FalkorDB")
        url = f"redis://127.0.0.1:{port_file.read_text().strip()}"
        pid = int((data_dir / "falkordb" / "falkordb.pid").read_text())
        events = make_events(2500, seed=53, accounts=300)
        xadd_events(url, settings.stream, events)
        wait_for(lambda: transactions(url, GRAPH) >= 300, 60, "the worker to start writing")
        try:
            redis.Redis.from_url(url).execute_command("GRAPH.QUERY", "crash-probe", CRASH_QUERY)
        except redis.ConnectionError:
            pass  # the server died under the query, as FalkorDB 4.16 does
        wait_for(
            lambda: (
                not Path(f"/proc/{pid}/cmdline").read_bytes()
                if Path(f"/proc/{pid}").exists()
                else True
            ),
            10,
            "the crash",
        )
        assert drained(url, settings, 60), (tmp_path / "worker.log").read_text()[-3000:]
        assert int((data_dir / "falkordb" / "falkordb.pid").read_text()) != pid  # a new server
        check_exact(url, events)
        more = make_events(200, seed=54, accounts=300)
        xadd_events(url, settings.stream, more)
        assert drained(url, settings, 30)
        check_exact(url, events + more)
        assert worker.poll() is None
    finally:
        assert stop(worker) == 0
    assert "restarting it from its AOF" in (tmp_path / "worker.log").read_text()
