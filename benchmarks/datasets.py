"""A data set folder on disk (``ingest.amlgen``'s shape): ``accounts.jsonl`` (optional),
``transactions.jsonl`` and ``truth.json``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson


def read_rows(folder: Path, name: str) -> list[dict[str, Any]]:
    """The JSON objects of ``folder/name``, one per non-blank line; none when it is absent."""
    path = folder / name
    if not path.exists():
        return []
    with path.open("rb") as f:
        return [orjson.loads(line) for line in f if line.strip()]


def read_folder(folder: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """(account events, transaction events, truth) of a data set folder."""
    truth = orjson.loads((folder / "truth.json").read_bytes())
    return read_rows(folder, "accounts.jsonl"), read_rows(folder, "transactions.jsonl"), truth
