"""Bulk load with several processes: batch i of the files goes to process i mod n.

One Python process parses, validates and plans about as fast as FalkorDB writes, so a single
process leaves the server idle half the time (the GIL caps the Python side at one core). Each
process runs the ordinary threaded loader on its share; the store's writer lock serialises only
the graph commits, in whichever order the processes reach it. A money edge's count, total, first
and last ts are sums, minima and maxima, so that order does not change them (a total up to float
rounding); a node's first_seen and a link's first_ts (USED, FROM_IP, and the ts an address's
first user is kept with) are those of the first batch committed with it, the first in the files
only when one process loads them (``--bulk`` folds in file order).
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from graph.bulkwriter import BulkPart
from ingest.files import LoadSummary, load_files
from ingest.loader_process import loader_gc, preload_columnar
from ingest.pipeline import BatchResult, Pipeline


class PipelineOpener(Protocol):
    """Opens a pipeline (and its store) inside a loader process; picklable, as it crosses a
    ``spawn`` (the composition root's ``LoaderPipelines``)."""

    def __call__(self, scoring: bool) -> AbstractContextManager[Pipeline]: ...

    def bulk(
        self, sink: Callable[[BulkPart], None], first: int, step: int
    ) -> AbstractContextManager[Pipeline]:
        """A pipeline (no scoring) whose graph writes become ``GRAPH.BULK`` parts for ``sink``:
        batch ``first``, ``first + step`` ... of the files (graph.bulkwriter.BulkWriter)."""
        ...


@dataclass(frozen=True)
class _Job:
    opener: PipelineOpener
    paths: list[Path]
    batch_size: int
    shard: tuple[int, int]
    score: bool
    first_batch: int


def _load_shard(job: _Job, progress: Any) -> LoadSummary:
    with job.opener(job.score) as pipeline, loader_gc():
        return load_files(
            job.paths,
            pipeline,
            job.batch_size,
            lambda n, r: progress.put((n, r.applied)),
            shard=job.shard,
            first_batch=job.first_batch,
        )


def _run(job: _Job, progress: Any, results: Any) -> None:
    try:
        results.put(("ok", _load_shard(job, progress)))
    except BaseException as exc:  # handed to the parent, which raises it
        results.put(("error", exc))


def load_files_parallel(
    paths: list[Path],
    opener: PipelineOpener,
    *,
    processes: int = 2,
    batch_size: int = 5000,
    score: bool = False,
    on_progress: Callable[[int, BatchResult], None] | None = None,
    first_batch: int = 0,
) -> LoadSummary:
    """Load the files with ``processes`` loader processes, each on a pipeline from ``opener``
    (from batch ``first_batch`` on)."""
    started = time.perf_counter()
    if not score:
        preload_columnar()
    ctx = loader_context()
    progress, results = ctx.Queue(), ctx.Queue()
    jobs = [
        _Job(opener, paths, batch_size, (k, processes), score, first_batch)
        for k in range(processes)
    ]
    procs = [ctx.Process(target=_run, args=(job, progress, results), daemon=True) for job in jobs]
    for proc in procs:
        proc.start()
    summaries: list[LoadSummary] = []
    errors: list[BaseException] = []
    try:
        while len(summaries) + len(errors) < processes:
            drain_progress(progress, on_progress)
            try:
                status, value = results.get(timeout=0.2)
            except queue.Empty:
                if not any(p.is_alive() for p in procs) and results.empty():
                    raise RuntimeError("a loader process died without a result") from None
                continue
            (summaries if status == "ok" else errors).append(value)
        drain_progress(progress, on_progress)
    finally:
        stop_processes(procs)
    return combine_summaries(len(paths), summaries, errors, started)


def loader_context() -> Any:
    """Fork where the platform can: a forked loader starts in milliseconds with every module
    already imported, where a spawned one spent ~0.5 s of CPU importing them again (as much as
    parsing 40,000 events). It needs nothing of the parent's but the job: it opens its own
    connections, and the parent's threads (the progress display) do not run in it."""
    if "fork" in mp.get_all_start_methods():
        return mp.get_context("fork")
    return mp.get_context("spawn")


def drain_progress(progress: Any, on_progress: Callable[[int, BatchResult], None] | None) -> None:
    while True:
        try:
            n, applied = progress.get_nowait()
        except queue.Empty:
            return
        if on_progress is not None:
            on_progress(n, BatchResult(applied=applied))


def stop_processes(procs: list[Any]) -> None:
    for proc in procs:
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()


def combine_summaries(
    files: int, summaries: list[LoadSummary], errors: list[BaseException], started: float
) -> LoadSummary:
    """One summary of the loader processes' (or the first error one of them raised)."""
    if errors:
        raise errors[0]
    total = LoadSummary(files=files)
    for part in summaries:
        total.read += part.read
        total.result.add(part.result)
        # every process reads every file, so each meets the same corrupt one: say it once
        total.errors.extend(e for e in part.errors if e not in total.errors)
        total.notes.extend(n for n in part.notes if n not in total.notes)
    total.seconds = time.perf_counter() - started
    return total
