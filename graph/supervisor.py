"""Keep an embedded FalkorDB alive: restart it on the same port when it dies.

FalkorDB can crash on a query (FACTS.md); the server then comes back from its AOF and the
clients, which retry with back-off, carry on. Only the process that started the server
supervises it (a process that attached to another's server leaves that to the owner).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from core.errors import EmbeddedServerError
from graph.embedded import EmbeddedFalkorDB

logger = logging.getLogger(__name__)


class ServerSupervisor:
    """Polls ``server`` every ``check_s`` seconds and restarts it when its process has exited."""

    def __init__(self, server: EmbeddedFalkorDB, check_s: float = 0.5) -> None:
        self.server = server
        self.check_s = check_s
        self.restarts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="falkordb-supervisor", daemon=True)

    def start(self) -> ServerSupervisor:
        if not self.server.attached:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(30)

    def _watch(self) -> None:
        backoff = self.check_s
        while not self._stop.wait(backoff):
            if self.server.running:
                backoff = self.check_s
                continue
            backoff = self._restart(backoff)

    def _restart(self, backoff: float) -> float:
        logger.error(
            "embedded FalkorDB on %s died; restarting it from its AOF (log %s)",
            self.server.url,
            self.server.log_file,
        )
        try:
            self.server.restart()
        except EmbeddedServerError as exc:
            logger.error("restart failed (%s); trying again in %.1fs", exc, backoff * 2)
            return min(backoff * 2, 10.0)
        self.restarts += 1
        logger.warning("embedded FalkorDB back on %s (restart %d)", self.server.url, self.restarts)
        return self.check_s


@contextmanager
def supervised(server: EmbeddedFalkorDB, check_s: float = 0.5) -> Iterator[ServerSupervisor]:
    """Supervise ``server`` for the duration; the supervisor stops before the server does."""
    supervisor = ServerSupervisor(server, check_s).start()
    try:
        yield supervisor
    finally:
        supervisor.stop()
