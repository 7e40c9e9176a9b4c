"""Bulk load from JSONL, CSV and Parquet files (gzip too), in batches through the pipeline.

Reading, validation and planning overlap with the graph write: a writer thread applies batch N
while the caller's thread parses and plans batch N+1 (the write mostly waits on the server,
releasing the GIL).
"""

from __future__ import annotations

import csv
import gzip
import logging
import queue
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast, overload

from core.errors import RingscopeError
from ingest.deadletter import Rejection
from ingest.pipeline import BatchResult, Pipeline, Prepared

logger = logging.getLogger(__name__)

_NUMERIC = {"amount", "lat", "lon"}
_ASCII_SPACE = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"  # what str.strip() strips of ASCII


@dataclass
class LoadSummary:
    files: int = 0
    read: int = 0
    result: BatchResult = field(default_factory=BatchResult)
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)  # files stopped early (corrupt), one line each

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0

    def reasons(self, top: int = 10) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for rej in self.result.rejected:
            counts[rej.reason] = counts.get(rej.reason, 0) + 1
        return sorted(counts.items(), key=lambda kv: -kv[1])[:top]


def _format(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    for ext, fmt in (
        (".jsonl", "jsonl"),
        (".ndjson", "jsonl"),
        (".json", "jsonl"),
        (".csv", "csv"),
        (".parquet", "parquet"),
        (".pq", "parquet"),
    ):
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


def _open_bytes(path: Path) -> IO[bytes]:
    if path.suffix == ".gz":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return open(path, "rb")


def _lines(fh: IO[bytes], name: str, limit: int) -> Iterator[tuple[int, str | Rejection]]:
    """(line number, text) of each line, or a Rejection for a line too long or not UTF-8."""
    n = 0
    readline = fh.readline
    while line := readline(limit + 1):
        n += 1
        if len(line) > limit and line[-1:] != b"\n":
            yield n, _overlong(fh, line, limit, f"{name}:{n}")
            continue
        try:
            yield n, line.decode()
        except UnicodeDecodeError as exc:
            reason = f"line: not valid UTF-8 ({exc.reason} at byte {exc.start})"
            yield n, Rejection(line, reason, f"{name}:{n}")


def _overlong(fh: IO[bytes], head: bytes, limit: int, source: str) -> Rejection:
    """Skip the rest of a line longer than ``limit`` (never held whole); its head is kept."""
    size = len(head)
    while (rest := fh.readline(1 << 20)) and rest[-1:] != b"\n":
        size += len(rest)
    size += len(rest)
    return Rejection(head[:limit], f"line: larger than {limit} bytes ({size})", source)


def _csv_rows(
    fh: IO[bytes], name: str, limit: int
) -> Iterator[tuple[dict[str, Any] | Rejection, str]]:
    """CSV rows as dicts, a bad row (bytes, length, quoting) as a Rejection naming its line.

    Physical lines are joined while a quoted field is open, so a row may span lines.
    """
    csv.field_size_limit(max(csv.field_size_limit(), limit))
    refused: list[Rejection] = []  # bad lines met while the csv reader pulls records
    last_n, last_text = 0, ""  # line number and text of the record the csv reader has now

    def records() -> Iterator[str]:
        nonlocal last_n, last_text
        parts: list[str] = []
        for n, line in _lines(fh, name, limit):
            if isinstance(line, Rejection):
                parts = []  # a row cut by a bad line is lost with it
                refused.append(line)
            elif not parts and not line.count('"') % 2:  # the common case: a row, one line
                last_n, last_text = n, line
                yield line
            else:
                if not parts:
                    last_n = n
                parts.append(line)
                record = "".join(parts)
                if record.count('"') % 2 and len(record) <= limit:
                    continue  # a quoted field goes on on the next line
                parts = []
                if len(record) > limit:
                    reason = f"row: larger than {limit} bytes"
                    refused.append(Rejection(record[:limit], reason, f"{name}:{last_n}"))
                else:
                    last_text = record
                    yield record

    reader = csv.reader(records())
    header: list[str] | None = None
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            cells = None
            source = f"{name}:{last_n}"
            refused.append(Rejection(last_text, f"row: not valid CSV ({exc})", source))
        while refused:
            rej = refused.pop(0)
            yield rej, rej.source
        if cells is None:
            continue
        if header is None:
            header = cells
        elif cells:
            yield _clean_row(dict(zip(header, cells, strict=False))), f"{name}:{last_n}"
    for rej in refused:
        yield rej, rej.source


def read_records(
    path: Path, max_line_bytes: int = 1 << 20
) -> Iterator[tuple[bytes | str | dict[str, Any] | Rejection, str]]:
    """Yield (raw event, source) from one file, raw as found (JSONL lines stay text).

    A line that is not UTF-8, longer than ``max_line_bytes`` or not CSV comes as a Rejection
    naming ``file:line``; the lines after it are read as usual.
    """
    fmt = _format(path)
    if fmt == "jsonl":
        name = path.name
        with _open_bytes(path) as fh:
            for n, line in _lines(fh, name, max_line_bytes):
                if isinstance(line, str):
                    if line.strip():
                        yield line, f"{name}:{n}"
                else:
                    yield line, line.source
    elif fmt == "csv":
        with _open_bytes(path) as fh:
            yield from _csv_rows(fh, path.name, max_line_bytes)
    else:
        import pyarrow.parquet as pq

        n = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000):
            for row in batch.to_pylist():
                n += 1
                yield _clean_row(row), f"{path.name}:row {n}"


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
        _format(path)
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
        for raws, sources in _batches(paths, pipeline.max_event_bytes, batch_size, shard, summary):
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
    paths: list[Path], max_line_bytes: int, size: int, shard: tuple[int, int], summary: LoadSummary
) -> Iterator[tuple[list[Any], _Sources]]:
    """The batches of ``size`` records of the files that are this shard's (``(k, n)``: every
    n-th from the k-th), in order; a batch may span files.

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
        if _format(path) != "jsonl":
            for raw, source in _read_guarded(path, max_line_bytes, summary.errors):
                keep = batch_no % of == mine
                raws.append(raw if keep else None)
                if keep:
                    sources.names.append(source)
                    sources.numbers.append(None)
                if len(raws) >= size:
                    if keep:
                        yield raws, sources
                    batch_no += 1
                    raws, sources = [], _Sources()
            continue
        n = 0  # records of this file read
        name = path.name
        try:
            with _open_bytes(path) as fh:
                readline = fh.readline
                line_no = 0
                while line := readline(max_line_bytes + 1):
                    line_no += 1
                    keep = batch_no % of == mine
                    item: Any
                    if len(line) > max_line_bytes and line[-1:] != b"\n":
                        item = _overlong(fh, line, max_line_bytes, f"{name}:{line_no}")
                    elif line.isascii():
                        if not line.strip(_ASCII_SPACE):
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
                            yield raws, sources
                        batch_no += 1
                        raws, sources = [], _Sources()
        except _corrupt_errors() as exc:
            message = (
                f"{path}: corrupt or unreadable {_format(path)} file, stopped after "
                f"{n:,} rows of it were read and loaded ({type(exc).__name__}: {exc})"
            )
            logger.error("%s", message)
            summary.errors.append(message)
    if raws and batch_no % of == mine:
        yield raws, sources


def _read_guarded(
    path: Path, max_line_bytes: int, errors: list[str]
) -> Iterator[tuple[bytes | str | dict[str, Any] | Rejection, str]]:
    """read_records, but a corrupt container (gzip, Parquet) ends the file with one message."""
    n = 0
    try:
        for item in read_records(path, max_line_bytes):
            n += 1
            yield item
    except _corrupt_errors() as exc:
        message = (
            f"{path}: corrupt or unreadable {_format(path)} file, stopped after "
            f"{n:,} rows of it were read and loaded ({type(exc).__name__}: {exc})"
        )
        logger.error("%s", message)
        errors.append(message)


def _corrupt_errors() -> tuple[type[BaseException], ...]:
    """What a damaged or truncated file raises while it is read (gzip, zlib, Arrow)."""
    errors: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error, csv.Error)
    try:
        from pyarrow import ArrowException
    except ImportError:
        return errors
    return (*errors, ArrowException)


__all__ = ["LoadSummary", "Rejection", "load_files", "read_records"]
