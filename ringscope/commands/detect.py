"""``ringscope detect`` (one run, with progress and a summary) and ``ringscope scheduler``."""

from __future__ import annotations

import logging
import signal
import threading
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from core.settings import load_settings
from ringscope.bootstrap import bootstrap
from ringscope.metrics import record_run

if TYPE_CHECKING:  # detection pulls in igraph and numpy: imported when a command runs
    from detection.run import RunSummary

logger = logging.getLogger(__name__)
console = Console()


def _print_summary(summary: RunSummary) -> None:
    console.print(
        f"run {summary.run_id}: {summary.rings_total} rings ({summary.rings_new} new, "
        f"{summary.rings_changed} changed, {summary.rings_unchanged} unchanged), "
        f"{summary.alerts} alerts, {summary.new_rows} new log rows, {summary.duration_ms} ms"
    )
    table = Table("ring", "score", "size", "typologies")
    for rid, score, size, kinds in summary.top:
        table.add_row(rid, f"{score:.0f}", str(size), kinds)
    console.print(table)
    times = Table("step", "ms")
    for name, ms in summary.detector_ms.items():
        times.add_row(name, str(ms))
    console.print(times)


def detect() -> None:
    """Run ring detection once."""
    settings = load_settings()
    with bootstrap(settings) as runtime, console.status("detecting rings") as status:
        from detection.run import run_detection

        store = runtime.falkor()
        summary = run_detection(settings, store, progress=lambda msg: status.update(msg))
    _print_summary(summary)


def scheduler() -> None:
    """Run ring detection on the cron schedule of RINGSCOPE_DETECT_CRON until interrupted."""
    settings = load_settings()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    console.print(f"detection scheduled by {settings.detect_cron!r}; Ctrl-C stops")
    with bootstrap(settings) as runtime:
        metrics = runtime.serve_metrics()
        try:
            from detection.scheduler import run_forever

            run_forever(settings, runtime.falkor(), stop, on_run=record_run)
        except KeyboardInterrupt:
            stop.set()
        finally:
            metrics.close()


def register(app: typer.Typer) -> None:
    app.command("detect")(detect)
    app.command("scheduler")(scheduler)
