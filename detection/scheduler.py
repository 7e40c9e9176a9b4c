"""Scheduled detection: a cron expression (setting ``detect_cron``) drives ``run_detection``.

``run_forever(settings, store, stop_event)`` suits a thread inside ``ringscope up``; the
``ringscope scheduler`` command calls the same function in the foreground.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from croniter import CroniterBadCronError, croniter

from core.errors import ConfigurationError, DetectionBusyError, RingscopeError
from core.settings import Settings
from detection.run import RunSummary, run_detection
from graph.falkordb_store import FalkorStore

logger = logging.getLogger(__name__)


def next_run_at(cron: str, after: float) -> float:
    """Epoch seconds of the next start after ``after``; a bad expression names the setting."""
    try:
        it = croniter(cron, datetime.fromtimestamp(after, UTC))
    except (CroniterBadCronError, ValueError) as exc:
        raise ConfigurationError(
            f"RINGSCOPE_DETECT_CRON: {cron!r} is not a cron expression ({exc})"
        ) from exc
    return float(it.get_next(float))


def run_once_safely(settings: Settings, store: FalkorStore) -> RunSummary | None:
    """One run; a busy lock or a failed run is logged and the schedule carries on."""
    try:
        return run_detection(settings, store)
    except DetectionBusyError as exc:
        logger.info("skipping scheduled run: %s", exc)
    except RingscopeError as exc:
        logger.error("scheduled detection run failed: %s", exc)
    except Exception:  # a bug in one detector must not end the schedule; the run records it
        logger.exception("scheduled detection run failed unexpectedly")
    return None


def run_forever(
    settings: Settings,
    store: FalkorStore,
    stop_event: threading.Event,
    on_run: Callable[[RunSummary], None] | None = None,
) -> int:
    """Run detection at every cron time until ``stop_event`` is set; returns the runs done.

    ``on_run`` sees each finished run (the metrics of ``ringscope scheduler`` count them).
    """
    runs = 0
    due = next_run_at(settings.detect_cron, time.time())
    logger.info("detection scheduled by %r", settings.detect_cron)
    while not stop_event.wait(timeout=max(0.0, min(due - time.time(), 60.0))):
        if time.time() < due:
            continue
        summary = run_once_safely(settings, store)
        if summary is not None:
            runs += 1
            if on_run is not None:
                on_run(summary)
        due = next_run_at(settings.detect_cron, time.time())
    return runs
