"""One generated data set: world, look-alikes, planted rings, background, truth, files."""

from __future__ import annotations

import logging
import random
from dataclasses import asdict, dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

import orjson

from core.errors import ConfigurationError
from ingest.amlgen.background import background
from ingest.amlgen.config import LOOKALIKES, Event, GenConfig
from ingest.amlgen.events import iso
from ingest.amlgen.lookalikes import BUILDERS
from ingest.amlgen.patterns import Planter, Ring
from ingest.amlgen.world import build_world

logger = logging.getLogger(__name__)


@dataclass
class Generated:
    """Account events, transaction events (by time) and the truth, as written to disk."""

    accounts: list[Event]
    transactions: list[Event]
    truth: dict[str, Any] = field(default_factory=dict)


def generate(config: GenConfig) -> Generated:
    """The data set for ``config``; the same config always gives byte-identical output."""
    config.check()
    world = build_world(config, random.Random(config.seed))
    taken: set[int] = set()
    events: list[Event] = []
    lookalikes: dict[str, dict[str, object]] = {}
    for kind in LOOKALIKES:
        for i in range(config.lookalikes_per_kind):
            evs, record = BUILDERS[kind](world, taken)
            events += evs
            lookalikes[f"legit-{kind}-{i}"] = record
    planter = Planter(world, config.camouflage, taken)
    rings: list[Ring] = []
    for spec in config.resolved_patterns():
        for i in range(spec.count):
            ring = planter.plant(f"ring-{spec.type}-{i}", spec)
            rings.append(ring)
            events += ring.events
    ordinary = [i for i, c in enumerate(world.customers) if c.role != "ring"]
    events += background(world, ordinary)
    if config.camouflage.cover_history:  # new ring accounts live an ordinary life too
        events += background(
            world, [i for i, c in enumerate(world.customers) if c.role == "ring"], 0.7
        )
    events.sort(key=itemgetter("ts"))
    tag = "c" if config.camouflage.recruited_share > 0 else "p"
    for i, ev in enumerate(events):
        ev["tx_id"] = f"g{config.seed}{tag}-{i:08d}"
        ev["ts"] = iso(int(ev["ts"]))
    ids = [c.id for c in world.customers]
    accounts = [
        {
            "event": "account",
            "account_id": c.id,
            "opened_at": iso(c.opened_at),
            "email": c.email,
            "phone": c.phone,
            "address": c.address,
        }
        for c in world.customers
    ]
    truth = {
        "rings": {
            r.ring_id: {
                "kind": r.kind,
                "members": [ids[m] for m in r.members],
                "victims": [ids[v] for v in r.victims],
                "recruited": [ids[m] for m in r.recruited],
                "labelled": False,
            }
            for r in rings
        },
        "victims": sorted({ids[v] for r in rings for v in r.victims}),
        "lookalikes": lookalikes,
        "generator": "ingest.amlgen",
        "config": _config_json(config),
    }
    return Generated(accounts, events, truth)


def _config_json(config: GenConfig) -> dict[str, Any]:
    out = asdict(config)
    out["patterns"] = [asdict(p) for p in config.resolved_patterns()]
    return out


def write(gen: Generated, out_dir: Path) -> None:
    """``transactions.jsonl``, ``accounts.jsonl`` and ``truth.json`` into ``out_dir``."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, rows in (
            ("transactions.jsonl", gen.transactions),
            ("accounts.jsonl", gen.accounts),
        ):
            with (out_dir / name).open("wb") as f:
                f.writelines(orjson.dumps(row) + b"\n" for row in rows)
        (out_dir / "truth.json").write_bytes(orjson.dumps(gen.truth, option=orjson.OPT_INDENT_2))
    except OSError as exc:
        raise ConfigurationError(f"cannot write the data set to {out_dir}: {exc}") from exc
    logger.info(
        "wrote %d transactions, %d accounts to %s",
        len(gen.transactions),
        len(gen.accounts),
        out_dir,
    )
