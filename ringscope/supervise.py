"""Long-running parts (stream workers, the scheduler) restarted with backoff when they die.

A part that raises is logged, counted in ``ringscope_worker_restarts_total`` and started again
after a wait that doubles up to ``max_backoff_s`` (and falls back to the minimum once the part
has run well for a while). While a part is down, ``IngestHealth.problem`` says so: the API's
``/readyz`` answers 503 with that reason.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from ringscope.metrics import WORKER_RESTARTS, WORKERS_DOWN

logger = logging.getLogger(__name__)

MIN_BACKOFF_S = 0.5
HEALTHY_AFTER_S = 60.0  # a part that ran this long before dying restarts at the minimum wait


class IngestHealth:
    """Which supervised ingest parts of this process are down, and why (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down: dict[str, str] = {}

    def up(self, name: str) -> None:
        with self._lock:
            self._down.pop(name, None)
            WORKERS_DOWN.set(len(self._down))

    def down(self, name: str, reason: str) -> None:
        with self._lock:
            self._down[name] = reason
            WORKERS_DOWN.set(len(self._down))

    def problem(self) -> str | None:
        """None while every part runs; otherwise why ingest is down."""
        with self._lock:
            if not self._down:
                return None
            return "ingest down: " + "; ".join(f"{k} {v}" for k, v in sorted(self._down.items()))


def supervise(
    name: str,
    target: Callable[[], Any],
    stop: threading.Event,
    *,
    health: IngestHealth | None = None,
    max_backoff_s: float = 30.0,
    min_backoff_s: float = MIN_BACKOFF_S,
) -> None:
    """Run ``target`` until ``stop`` is set, restarting it with backoff whenever it dies."""
    backoff = min_backoff_s
    while not stop.is_set():
        started = time.monotonic()
        if health is not None:
            health.up(name)
        try:
            target()
            if stop.is_set():
                return
            reason = "returned unasked"
            logger.error("%s returned without being stopped; restarting in %.1fs", name, backoff)
        except Exception as exc:  # a background part failing must be visible, then come back
            reason = f"crashed ({type(exc).__name__}: {str(exc)[:200]})"
            logger.exception("%s stopped with an error; restarting in %.1fs", name, backoff)
        if time.monotonic() - started >= HEALTHY_AFTER_S:
            backoff = min_backoff_s
        WORKER_RESTARTS.labels(name).inc()
        if health is not None:
            health.down(name, f"{reason}; restart in {backoff:.1f}s")
        if stop.wait(backoff):
            break
        backoff = min(backoff * 2, max_backoff_s)
    if health is not None:
        health.up(name)  # stopped on purpose: not a fault


def supervised_thread(
    name: str,
    target: Callable[[], Any],
    stop: threading.Event,
    *,
    health: IngestHealth | None = None,
    max_backoff_s: float = 30.0,
) -> threading.Thread:
    """A daemon thread running ``supervise(name, target, ...)``; already started."""
    thread = threading.Thread(
        target=supervise,
        args=(name, target, stop),
        name=name,
        daemon=True,
        kwargs={"health": health, "max_backoff_s": max_backoff_s},
    )
    thread.start()
    return thread
