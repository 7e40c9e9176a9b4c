"""Bulk load from JSONL, CSV and Parquet files (gzip too), in batches through the pipeline.

Reading, validation and planning overlap with the graph write: a writer thread applies batch N
while the caller's thread parses and plans batch N+1 (the write mostly waits on the server,
releasing the GIL).
"""

from __future__ import annotations

import csv
import gc
import gzip
import io
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from core.errors import RingscopeError
from ingest.deadletter import Rejection
from ingest.pipeline import BatchResult, Pipeline, Prepared

logger = logging.getLogger(__name__)

_NUMERIC = {"amount", "lat", "lon"}


@dataclass
class LoadSummary:
    files: int = 0
    read: int = 0
    result: BatchResult = field(default_factory=BatchResult)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0

    def reasons(self, top: int = 10) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for rej in self.result.rejected:
            counts[rej.reason] = counts.get(rej.reason, 0) + 1
        return sorted(counts.items(), key=lambda kv: -kv[1])[:top]


def _open_text(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def _format(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    for ext, fmt in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "jsonl"),
                     (".csv", "csv"), (".parquet", "parquet"), (".pq", "parquet")):  # fmt: skip
        if name.endswith(ext):
            return fmt
    raise RingscopeError(
        f"{path}: unknown file type; use .jsonl, .csv or .parquet (optionally .gz)"
    )


def _clean_row(row: dict[str, Any]) -> dict[str, Any]:
    """CSV/Parquet cells to event fields: empty cells are absent, numbers become numbers."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if value is None or value == "" or key is None:
            continue
        if key in _NUMERIC and isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                pass  # validation names the field and the rule
        elif key == "ts" and isinstance(value, str) and value.isdigit():
            value = int(value)
        out[key] = value
    return out


def read_records(path: Path) -> Iterator[tuple[bytes | str | dict[str, Any], str]]:
    """Yield (raw event, source) from one file, raw as found (JSONL lines stay text)."""
    fmt = _format(path)
    if fmt == "jsonl":
        with _open_text(path) as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    yield line, f"{path.name}:{n}"
    elif fmt == "csv":
        with _open_text(path) as fh:
            for n, row in enumerate(csv.DictReader(fh), 2):
                yield _clean_row(row), f"{path.name}:{n}"
    else:
        import pyarrow.parquet as pq

        n = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000):
            for row in batch.to_pylist():
                n += 1
                yield _clean_row(row), f"{path.name}:row {n}"


@contextmanager
def loader_gc() -> Iterator[None]:
    """Collect garbage rarely while loading: a batch makes ~10 short-lived objects per event
    and no cycles, and the collector's gen-0 passes took a third of parse+plan time."""
    before = gc.get_threshold()
    gc.freeze()  # what exists now (modules, the pipeline) is never scanned again
    gc.set_threshold(200_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def load_files(
    paths: list[Path],
    pipeline: Pipeline,
    batch_size: int = 5000,
    on_progress: Callable[[int, BatchResult], None] | None = None,
    shard: tuple[int, int] = (0, 1),
) -> LoadSummary:
    """Load every file through the pipeline; rejected events go to its dead-letter sink.

    Args:
        shard: ``(k, n)`` loads only the k-th of every n batches, so n processes can share the
            files (see ingest/parallel.py).
    """
    for path in paths:
        if not path.is_file():
            raise RingscopeError(f"{path}: no such file")
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

    def submit(raws: list[Any], sources: list[str]) -> None:
        events, rejected = pipeline.parse(raws, sources)
        pipeline.reject(rejected)
        work.put((pipeline.prepare(events), rejected, len(raws)))

    thread = threading.Thread(target=writer, name="ingest-writer", daemon=True)
    start = time.perf_counter()
    thread.start()
    try:
        mine, of = shard
        batch_no = 0
        raws: list[Any] = []
        sources: list[str] = []
        for path in paths:
            for raw, source in read_records(path):
                raws.append(raw)
                sources.append(source)
                if len(raws) >= batch_size:
                    if batch_no % of == mine:
                        summary.read += len(raws)
                        submit(raws, sources)
                    batch_no += 1
                    raws, sources = [], []
                if failure:
                    break
        if raws and batch_no % of == mine:
            summary.read += len(raws)
            submit(raws, sources)
    finally:
        work.put(None)
        thread.join()
    summary.seconds = time.perf_counter() - start
    if failure:
        raise failure[0]
    return summary


__all__ = ["LoadSummary", "Rejection", "load_files", "read_records"]
