"""Bulk load from JSONL, CSV and Parquet files (gzip too; ingest/formats.py reads them), in
batches through the pipeline.

Reading, validation and planning overlap with the graph write: a writer thread applies batch N
while the caller's thread parses and plans batch N+1 (the write mostly waits on the server,
releasing the GIL).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from core.errors import RingscopeError
from ingest.deadletter import Rejection
from ingest.formats import (
    ASCII_SPACE,
    corrupt_errors,
    file_format,
    open_bytes,
    overlong,
    read_guarded,
)
from ingest.pipeline import BatchResult, Pipeline, Prepared

logger = logging.getLogger(__name__)


@dataclass
class LoadSummary:
    files: int = 0
    read: int = 0
    result: BatchResult = field(default_factory=BatchResult)
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)  # files stopped early (corrupt), one line each
    notes: list[str] = field(default_factory=list)  # how the load went, where it needs saying

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0

    def reasons(self, top: int = 10) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for rej in self.result.rejected:
            counts[rej.reason] = counts.get(rej.reason, 0) + 1
        return sorted(counts.items(), key=lambda kv: -kv[1])[:top]


def load_files(
    paths: list[Path],
    pipeline: Pipeline,
    batch_size: int = 5000,
    on_progress: Callable[[int, BatchResult], None] | None = None,
    shard: tuple[int, int] = (0, 1),
    *,
    first_batch: int = 0,
    stop_at: Callable[[int], bool] | None = None,
) -> LoadSummary:
    """Load every file through the pipeline; rejected events go to its dead-letter sink.

    Args:
        shard: ``(k, n)`` loads only the k-th of every n batches, so n processes can share the
            files (see ingest/parallel.py).
        first_batch: batches before this one (numbered from 0 across the files) are skipped.
        stop_at: asked with each batch's number before the batch is read: True stops the load
            there (a ``--bulk`` build past its memory: ingest/bulk.py).
    """
    for path in paths:
        if not path.is_file():
            raise RingscopeError(f"{path}: no such file")
        file_format(path)
    summary = LoadSummary(files=len(paths))
    work: queue.Queue[tuple[Prepared, list[Rejection], int] | None] = queue.Queue(maxsize=2)
    failure: list[BaseException] = []

    def writer() -> None:
        while (item := work.get()) is not None:
            if failure:
                continue
            prepared, rejected, size = item
            try:
                result = pipeline.commit(prepared)
            except BaseException as exc:  # re-raised in the caller's thread below
                failure.append(exc)
                continue
            result.rejected = rejected
            summary.result.add(result)
            if on_progress is not None:
                on_progress(size, result)

    def submit(raws: list[Any], sources: Sequence[str]) -> None:
        refused = [r for r in raws if isinstance(r, Rejection)]  # bad lines of the files
        if refused:
            sources = [
                s for r, s in zip(raws, sources, strict=True) if not isinstance(r, Rejection)
            ]
            raws = [r for r in raws if not isinstance(r, Rejection)]
        columns = getattr(pipeline.store, "prepare_columns", None)  # FalkorStore, BulkWriter
        if columns is not None and pipeline.scorer is None and not refused:
            from ingest.columnar import read_clean

            table = read_clean(raws, pipeline.max_event_bytes)
            if table is not None:  # every line a clean transaction: no event objects needed
                work.put((Prepared(columns(table, raws), 0), [], len(raws)))
                return
        events, rejected = pipeline.parse(raws, sources)
        rejected = refused + rejected
        pipeline.reject(rejected)
        work.put((pipeline.prepare(events), rejected, len(raws) + len(refused)))

    thread = threading.Thread(target=writer, name="ingest-writer", daemon=True)
    start = time.perf_counter()
    thread.start()
    try:
        batches = _batches(paths, pipeline.max_event_bytes, batch_size, shard, first_batch, summary)
        for number, raws, sources in batches:
            if stop_at is not None and stop_at(number):
                break
            summary.read += len(raws)
            submit(raws, sources)
            if failure:
                break
    finally:
        work.put(None)
        thread.join()
    summary.seconds = time.perf_counter() - start
    if failure:
        raise failure[0]
    return summary


class _Sources(Sequence[str]):
    """``file:line`` of each event of a batch, made only for the few that are rejected."""

    __slots__ = ("names", "numbers")

    def __init__(self) -> None:
        self.names: list[str] = []  # the file, or the whole source where numbers has None
        self.numbers: list[int | None] = []

    def __len__(self) -> int:
        return len(self.numbers)

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        number = self.numbers[i]
        return self.names[i] if number is None else f"{self.names[i]}:{number}"


def _batches(
    paths: list[Path],
    max_line_bytes: int,
    size: int,
    shard: tuple[int, int],
    first: int,
    summary: LoadSummary,
) -> Iterator[tuple[int, list[Any], _Sources]]:
    """The batches of ``size`` records of the files that are this shard's (``(k, n)``: every
    n-th from the k-th) from batch ``first`` on, in order, with their numbers; a batch may span
    files.

    JSONL is read here without a generator per line: a line of another shard's batch is only
    counted (an ASCII line is not even decoded), and ``file:line`` is made only for a rejected
    line. What counts as a record is what ``read_records`` yields, so every shard cuts the
    same batches.
    """
    mine, of = shard
    batch_no = 0
    raws: list[Any] = []
    sources = _Sources()
    for path in paths:
        if file_format(path) != "jsonl":
            for raw, source in read_guarded(path, max_line_bytes, summary.errors):
                keep = batch_no % of == mine and batch_no >= first
                raws.append(raw if keep else None)
                if keep:
                    sources.names.append(source)
                    sources.numbers.append(None)
                if len(raws) >= size:
                    if keep:
                        yield batch_no, raws, sources
                    batch_no += 1
                    raws, sources = [], _Sources()
            continue
        n = 0  # records of this file read
        name = path.name
        try:
            with open_bytes(path) as fh:
                readline = fh.readline
                line_no = 0
                while line := readline(max_line_bytes + 1):
                    line_no += 1
                    keep = batch_no % of == mine and batch_no >= first
                    item: Any
                    if len(line) > max_line_bytes and line[-1:] != b"\n":
                        item = overlong(fh, line, max_line_bytes, f"{name}:{line_no}")
                    elif line.isascii():
                        if not line.strip(ASCII_SPACE):
                            continue
                        item = line.decode() if keep else None
                    else:
                        try:
                            text = line.decode()
                        except UnicodeDecodeError as exc:
                            reason = f"line: not valid UTF-8 ({exc.reason} at byte {exc.start})"
                            item = Rejection(line, reason, f"{name}:{line_no}")
                        else:
                            if not text.strip():
                                continue
                            item = text
                    n += 1
                    raws.append(item)
                    if keep:
                        sources.names.append(name)
                        sources.numbers.append(line_no)
                    if len(raws) >= size:
                        if keep:
                            yield batch_no, raws, sources
                        batch_no += 1
                        raws, sources = [], _Sources()
        except corrupt_errors() as exc:
            message = (
                f"{path}: corrupt or unreadable {file_format(path)} file, stopped after "
                f"{n:,} rows of it were read and loaded ({type(exc).__name__}: {exc})"
            )
            logger.error("%s", message)
            summary.errors.append(message)
    if raws and batch_no % of == mine and batch_no >= first:
        yield batch_no, raws, sources


__all__ = ["LoadSummary", "Rejection", "load_files"]
