"""The scheduler: runs detection at every cron time in a thread and stops on its event."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from core.errors import ConfigurationError
from core.events import parse_event
from core.settings import Settings
from detection.scheduler import next_run_at, run_forever
from graph.falkordb_store import FalkorStore

T0 = 1_750_000_000_000
HOUR = 3_600_000


def _cycle_events() -> list[dict[str, object]]:
    members = [f"sch-{i}" for i in range(4)]
    return [
        {
            "tx_id": f"sch-t{k}",
            "ts": T0 + k * HOUR,
            "kind": "transfer",
            "amount": round(30_000 * 0.97**k, 2),
            "account_id": a,
            "counterparty_id": b,
        }
        for k, (a, b) in enumerate(zip(members, members[1:] + members[:1], strict=True))
    ]


def _runs(store: FalkorStore) -> list[str]:
    rows = store.graph.ro_query("MATCH (d:DetectionRun) RETURN d.status").result_set
    return [status for (status,) in rows]


def test_run_forever_runs_on_schedule_and_stops(store: FalkorStore, data_dir: Path) -> None:
    store.apply_batch([parse_event(e, "salt") for e in _cycle_events()])
    # six cron fields: croniter reads the last as seconds, so this fires every second
    settings = Settings(data_dir=data_dir, graph=store.graph_name, detect_cron="* * * * * *")
    stop, done = threading.Event(), []
    thread = threading.Thread(target=lambda: done.append(run_forever(settings, store, stop)))
    thread.start()
    deadline = time.monotonic() + 20
    while len(_runs(store)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive(), "run_forever must return once the stop event is set"
    runs = _runs(store)
    assert done == [len(runs)] and len(runs) >= 2
    assert set(runs) == {"ok"}


def test_stop_before_the_first_due_time_runs_nothing(store: FalkorStore, data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir, graph=store.graph_name, detect_cron="0 0 1 1 *")
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(settings, store, stop))
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive() and time.monotonic() - started < 2
    assert _runs(store) == []


def test_bad_cron_names_the_setting() -> None:
    with pytest.raises(ConfigurationError, match="RINGSCOPE_DETECT_CRON"):
        next_run_at("every minute", time.time())
