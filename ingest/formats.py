"""The file formats ``ringscope ingest`` reads: JSONL, CSV and Parquet, each optionally gzipped.

Records come out raw, as found (a JSONL line stays text, a CSV or Parquet row becomes a dict of
its non-empty cells), with the ``file:line`` they came from; a line that is not UTF-8, too long or
not CSV comes out as a ``Rejection`` naming it, and reading goes on after it. A damaged container
(gzip, Parquet) ends its file with one message (``read_guarded``).
"""

from __future__ import annotations

import csv
import gzip
import logging
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

from core.errors import RingscopeError
from ingest.deadletter import Rejection

logger = logging.getLogger(__name__)

_NUMERIC = {"amount", "lat", "lon"}
ASCII_SPACE = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"  # what str.strip() strips of ASCII


def file_format(path: Path) -> str:
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


def open_bytes(path: Path) -> IO[bytes]:
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
            yield n, overlong(fh, line, limit, f"{name}:{n}")
            continue
        try:
            yield n, line.decode()
        except UnicodeDecodeError as exc:
            reason = f"line: not valid UTF-8 ({exc.reason} at byte {exc.start})"
            yield n, Rejection(line, reason, f"{name}:{n}")


def overlong(fh: IO[bytes], head: bytes, limit: int, source: str) -> Rejection:
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
    fmt = file_format(path)
    if fmt == "jsonl":
        name = path.name
        with open_bytes(path) as fh:
            for n, line in _lines(fh, name, max_line_bytes):
                if isinstance(line, str):
                    if line.strip():
                        yield line, f"{name}:{n}"
                else:
                    yield line, line.source
    elif fmt == "csv":
        with open_bytes(path) as fh:
            yield from _csv_rows(fh, path.name, max_line_bytes)
    else:
        import pyarrow.parquet as pq

        n = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000):
            for row in batch.to_pylist():
                n += 1
                yield _clean_row(row), f"{path.name}:row {n}"


def read_guarded(
    path: Path, max_line_bytes: int, errors: list[str]
) -> Iterator[tuple[bytes | str | dict[str, Any] | Rejection, str]]:
    """read_records, but a corrupt container (gzip, Parquet) ends the file with one message."""
    n = 0
    try:
        for item in read_records(path, max_line_bytes):
            n += 1
            yield item
    except corrupt_errors() as exc:
        message = (
            f"{path}: corrupt or unreadable {file_format(path)} file, stopped after "
            f"{n:,} rows of it were read and loaded ({type(exc).__name__}: {exc})"
        )
        logger.error("%s", message)
        errors.append(message)


def corrupt_errors() -> tuple[type[BaseException], ...]:
    """What a damaged or truncated file raises while it is read (gzip, zlib, Arrow)."""
    errors: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error, csv.Error)
    try:
        from pyarrow import ArrowException
    except ImportError:
        return errors
    return (*errors, ArrowException)
