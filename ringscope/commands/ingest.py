"""``ringscope ingest`` (bulk files) and ``ringscope worker`` (stream consumer)."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from core.settings import load_settings
from graph.bulk import GraphNotEmptyError
from graph.memory import GIB
from ingest.bulk import load_files_bulk
from ingest.files import LoadSummary, load_files
from ingest.loader_process import loader_gc
from ingest.parallel import load_files_parallel
from ingest.pipeline import BatchResult
from ringscope.bootstrap import Runtime, bootstrap, close_worker
from ringscope.metrics import record_batch
from ringscope.supervise import supervise

logger = logging.getLogger(__name__)
console = Console(stderr=True)


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="JSONL, CSV or Parquet files (.gz too)")],
    batch_size: Annotated[int, typer.Option(help="events per graph write")] = 20_000,
    score: Annotated[bool, typer.Option(help="score transactions and raise alerts")] = False,
    processes: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=32,
            help="loader processes (scoring always uses one); "
            "default 2, or up to 4 with --bulk (its loaders parse, the server idles)",
        ),
    ] = None,
    bulk: Annotated[
        bool, typer.Option(help="build an empty graph with GRAPH.BULK (refuses a non-empty one)")
    ] = False,
    bulk_max_memory: Annotated[
        float | None,
        typer.Option(
            min=0.01,
            help="GiB the --bulk build may hold (it keeps a total per distinct node, pair and "
            "address); past it the build ends with the batches read and the append path loads "
            "the rest. Default: half the memory available",
        ),
    ] = None,
) -> None:
    """Bulk-load event files into the graph: exactly once, invalid events dead-lettered."""
    settings = load_settings()
    if processes is None:
        processes = min(4 if bulk else 2, os.cpu_count() or 1)
    with bootstrap(settings) as runtime, loader_gc():
        if bulk and runtime.url is None:
            raise typer.BadParameter("--bulk needs FalkorDB (not RINGSCOPE_STORE=bolt)")
        with Progress(
            TextColumn("[bold]ingest"),
            BarColumn(),
            TextColumn("{task.completed:,} events"),
            TextColumn("{task.fields[rate]:,.0f} ev/s"),
            TimeElapsedColumn(),
            console=console,
            # redrawing the bar took ~7% of a loader's CPU, and nobody sees it in a pipe or a log
            refresh_per_second=2,
            disable=not console.is_terminal,
        ) as progress:
            task = progress.add_task("ingest", total=None, rate=0.0)

            def advance(n: int, _result: BatchResult) -> None:
                elapsed = progress.tasks[0].elapsed or 1e-9
                progress.update(task, advance=n, rate=(progress.tasks[0].completed + n) / elapsed)

            if bulk:
                limit = None if bulk_max_memory is None else int(bulk_max_memory * GIB)
                summary = _bulk(paths, runtime, batch_size, score, processes, advance, limit)
            elif processes > 1 and not score and runtime.url is not None:
                summary = load_files_parallel(
                    paths,
                    runtime.loader_pipelines(),
                    processes=processes,
                    batch_size=batch_size,
                    on_progress=advance,
                )
            else:
                pipeline = runtime.pipeline(scoring=score)
                try:
                    summary = load_files(paths, pipeline, batch_size, advance)
                finally:
                    pipeline.close()
    _print_summary(summary, settings.dead_letter_stream)
    for note in summary.notes:
        console.print(f"[bold]note:[/] {note}", highlight=False)
    for message in summary.errors:  # a corrupt file stopped early: said once, no traceback
        console.print(f"[bold red]error:[/] {message}", highlight=False)
    if summary.errors:
        raise typer.Exit(1)


def _bulk(
    paths: list[Path],
    runtime: Runtime,
    batch_size: int,
    score: bool,
    processes: int,
    advance: Callable[[int, BatchResult], None],
    max_memory: int | None,
) -> LoadSummary:
    pipeline = runtime.pipeline(scoring=score)
    try:
        return load_files_bulk(
            paths,
            pipeline,
            runtime.bulk_builder(max_memory),
            batch_size,
            advance,
            processes=processes,
            loaders=runtime.loader_pipelines(),
        )
    except GraphNotEmptyError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    finally:
        pipeline.close()


def _print_summary(summary: LoadSummary, dead_stream: str) -> None:
    r = summary.result
    table = Table(title="ingest summary", show_header=False)
    for label, value in (
        ("files", f"{summary.files}"),
        ("events read", f"{summary.read:,}"),
        ("transactions loaded", f"{r.applied:,}"),
        ("account events", f"{r.accounts:,}"),
        ("duplicates (already loaded)", f"{r.duplicates:,}"),
        ("rejected", f"{len(r.rejected):,} (in stream {dead_stream})"),
        ("seconds", f"{summary.seconds:.1f}"),
        ("rate", f"{summary.rate:,.0f} events/s"),
    ):
        table.add_row(label, value)
    Console().print(table)
    for reason, count in summary.reasons():
        Console().print(f"  {count:>7,}  {reason}")


def worker(
    name: Annotated[str | None, typer.Option(help="consumer name (default host-pid)")] = None,
) -> None:
    """Consume the transactions stream (group ringscope) until SIGTERM/Ctrl-C."""
    settings = load_settings()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with bootstrap(settings) as runtime:
        metrics = runtime.serve_metrics()
        worker = runtime.stream_worker(name=name, on_batch=record_batch)
        try:
            # a crash inside the loop restarts it with backoff instead of ending the process
            supervise(
                "worker",
                lambda: worker.run(stop),
                stop,
                max_backoff_s=settings.worker_restart_max_s,
            )
        finally:
            close_worker(worker)
            metrics.close()


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(worker)
