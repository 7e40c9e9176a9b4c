"""Writing a simulation to disk: JSONL events and a JSON ground-truth file."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import orjson

from core.errors import ConfigurationError
from ingest.simulator.config import Event, Simulation

logger = logging.getLogger(__name__)


def write_dataset(sim: Simulation, out_dir: Path) -> None:
    """Write ``transactions.jsonl``, ``accounts.jsonl`` and ``truth.json`` into ``out_dir``."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _write_jsonl(out_dir / "transactions.jsonl", sim.transactions)
        _write_jsonl(out_dir / "accounts.jsonl", sim.accounts)
        (out_dir / "truth.json").write_bytes(orjson.dumps(sim.truth, option=orjson.OPT_INDENT_2))
    except OSError as exc:
        raise ConfigurationError(f"cannot write the data set to {out_dir}: {exc}") from exc
    logger.info(
        "wrote %d transactions, %d accounts to %s",
        len(sim.transactions),
        len(sim.accounts),
        out_dir,
    )


def _write_jsonl(path: Path, events: Iterable[Event], chunk: int = 50_000) -> None:
    # text lines: a bytes object from orjson.dumps keeps its ~4 KiB write buffer (a chunk of
    # 50,000 held 200 MiB)
    with path.open("w", encoding="utf-8") as f:
        lines: list[str] = []
        for ev in events:
            lines.append(orjson.dumps(ev).decode())
            if len(lines) >= chunk:
                f.write("\n".join(lines) + "\n")
                lines.clear()
        if lines:
            f.write("\n".join(lines) + "\n")
