"""``ringscope ingest --bulk``: the file loader writing through ``GRAPH.BULK`` (graph/bulk.py).

Parsing, dead-lettering, scoring (``--score``) and planning are the ordinary pipeline's; only the
graph write differs. With several processes, batch i goes to process i mod n (as in
ingest/parallel.py); each hands its batches back through a small queue of its own, and this
process folds them in batch order, so the graph is the one a single process would build. On any
failure the graph is left empty again.

The build keeps a running total per distinct node, pair and address until it ends, so a history
too large for memory would get it killed half way. Past ``builder.max_memory`` it ends instead:
loaders read no batch after the last one any of them has read, every batch read is folded, the
graph is finished as it stands (the append path's state after those batches), and the rest of
the files go through the append path from there, which leaves the same end state.
"""

from __future__ import annotations

import gc
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from graph.bulk import BulkBuilder
from graph.bulkwriter import BulkPart
from ingest.files import LoadSummary, load_files
from ingest.loader_process import loader_gc, preload_columnar
from ingest.parallel import (
    PipelineOpener,
    combine_summaries,
    drain_progress,
    load_files_parallel,
    loader_context,
    stop_processes,
)
from ingest.pipeline import BatchResult, Pipeline

_PARTS_QUEUED = 4  # batches a loader process may run ahead, each (bounded memory)


def load_files_bulk(
    paths: list[Path],
    pipeline: Pipeline,
    builder: BulkBuilder,
    batch_size: int = 10_000,
    on_progress: Callable[[int, BatchResult], None] | None = None,
    *,
    processes: int = 1,
    loaders: PipelineOpener | None = None,
) -> LoadSummary:
    """Build the (empty) graph from the files; raises GraphNotEmptyError if it holds anything.

    ``pipeline`` parses, dead-letters and scores in this process; with ``processes`` > 1 (no
    scoring) loader processes on pipelines from ``loaders`` do that instead. Past the builder's
    memory the build ends early and the append path loads the rest (the module docstring); the
    summary's ``notes`` then say so.
    """
    started = time.perf_counter()
    if pipeline.scorer is None:
        preload_columnar()
    parallel = processes > 1 and pipeline.scorer is None
    stop = _Stop(loader_context(), processes if parallel else 1)

    builder.begin()
    collecting = gc.isenabled()
    gc.disable()  # the aggregates make no cycles; full passes over them cost ~5% of the build
    try:
        if parallel:
            assert loaders is not None, "loader processes need a PipelineOpener"
            summary = _parallel(paths, loaders, builder, processes, batch_size, on_progress, stop)
        else:
            summary = _in_process(paths, pipeline, builder, batch_size, on_progress, stop)
        builder.finish()
        summary.seconds = time.perf_counter() - started  # the build's end phase too
    except BaseException:
        builder.abort()
        raise
    finally:
        if collecting:
            gc.enable()
    if stop.at is None:
        return summary
    if parallel:
        assert loaders is not None
        rest = load_files_parallel(
            paths,
            loaders,
            processes=processes,
            batch_size=batch_size,
            on_progress=on_progress,
            first_batch=stop.at,
        )
    else:
        rest = load_files(paths, pipeline, batch_size, on_progress, first_batch=stop.at)
    total = combine_summaries(len(paths), [summary, rest], [], started)
    total.notes.append(
        f"{stop.why}: it ended after {stop.at:,} batches ({summary.read:,} events), and the "
        f"append path loaded the other {rest.read:,} events"
    )
    return total


class _Stop:
    """Where a build past its memory stops reading: after the last batch any loader has read,
    so every batch claimed is folded and none after it is read. Shared with loader processes
    (its parts are the context's shared memory, passed to them as they start)."""

    _NEVER = 1 << 62

    def __init__(self, ctx: Any, loaders: int) -> None:
        self._lock = ctx.Lock()
        self._limit = ctx.Value("q", self._NEVER, lock=False)
        self._read = ctx.Array("q", [-1] * loaders, lock=False)
        self.at: int | None = None  # the first batch not built, once stopped
        self.why = ""

    def read(self, loader: int, batch: int) -> bool:
        """Loader ``loader`` is about to load batch ``batch``: True if it must stop there."""
        with self._lock:
            if batch >= self._limit.value:
                return True
            self._read[loader] = batch
            return False

    def stop(self, why: str) -> None:
        with self._lock:
            self._limit.value = max(self._read[:]) + 1
            self.at = int(self._limit.value)
        self.why = why


def _in_process(
    paths: list[Path],
    pipeline: Pipeline,
    builder: BulkBuilder,
    batch_size: int,
    on_progress: Callable[[int, BatchResult], None] | None,
    stop: _Stop,
) -> LoadSummary:
    """The build with this process's pipeline (scoring, or one process)."""

    def fold(part: BulkPart) -> None:
        builder.fold(part)
        if stop.at is None and (why := builder.over_memory()):
            stop.stop(why)

    store, pipeline.store = pipeline.store, builder.writer(fold)
    try:
        return load_files(paths, pipeline, batch_size, on_progress, stop_at=partial(stop.read, 0))
    finally:
        pipeline.store = store


@dataclass(frozen=True)
class _Job:
    opener: PipelineOpener
    paths: list[Path]
    batch_size: int
    shard: tuple[int, int]
    stop: _Stop


def _load_shard(job: _Job, parts: Any, progress: Any, results: Any) -> None:
    gc.enable()  # off in the parent it was forked from
    try:
        mine, of = job.shard
        with job.opener.bulk(parts.put, mine, of) as pipeline, loader_gc():
            summary = load_files(
                job.paths,
                pipeline,
                job.batch_size,
                lambda n, r: progress.put((n, r.applied)),
                shard=job.shard,
                stop_at=partial(job.stop.read, mine),
            )
        results.put(("ok", summary))
    except BaseException as exc:  # handed to the parent, which raises it
        results.put(("error", exc))
    finally:
        parts.put(None)


def _parallel(
    paths: list[Path],
    loaders: PipelineOpener,
    builder: BulkBuilder,
    processes: int,
    batch_size: int,
    on_progress: Callable[[int, BatchResult], None] | None,
    stop: _Stop,
) -> LoadSummary:
    started = time.perf_counter()
    ctx = loader_context()
    progress, results = ctx.Queue(), ctx.Queue()
    parts = [ctx.Queue(maxsize=_PARTS_QUEUED) for _ in range(processes)]
    procs = [
        ctx.Process(
            target=_load_shard,
            daemon=True,
            args=(
                _Job(loaders, paths, batch_size, (k, processes), stop),
                parts[k],
                progress,
                results,
            ),
        )
        for k in range(processes)
    ]
    for proc in procs:
        proc.start()
    try:
        batch = 0
        while True:  # fold in batch order: batch b comes from process b mod n
            k = batch % processes
            part = _next(parts[k], procs[k], progress, on_progress, builder)
            if part is None:  # that process has no more batches, so no process has
                break
            builder.fold(part)
            if stop.at is None and (why := builder.over_memory()):
                stop.stop(why)  # the loaders end after the batches read by now
            batch += 1
        for j in range(processes):
            if j != batch % processes:
                while _next(parts[j], procs[j], progress, on_progress, builder) is not None:
                    pass  # only a failure elsewhere leaves batches after the end
        drain_progress(progress, on_progress)
        summaries: list[LoadSummary] = []
        errors: list[BaseException] = []
        for _ in procs:
            status, value = results.get(timeout=60)
            (summaries if status == "ok" else errors).append(value)
    finally:
        stop_processes(procs)
    return combine_summaries(len(paths), summaries, errors, started)


def _next(
    source: Any,
    proc: Any,
    progress: Any,
    on_progress: Callable[[int, BatchResult], None] | None,
    builder: BulkBuilder,
) -> BulkPart | None:
    """The next part from one loader process (None at its end), keeping progress moving."""
    while True:
        drain_progress(progress, on_progress)
        try:
            part: BulkPart | None = source.get(timeout=0.2)
            return part
        except queue.Empty:
            builder.keep_lock()
            if not proc.is_alive() and source.empty():
                raise RuntimeError("a bulk loader process died without a result") from None
