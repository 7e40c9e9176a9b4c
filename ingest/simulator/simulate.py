"""One simulated data set: world, background traffic, planted rings and seed anomalies."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, replace
from operator import itemgetter
from typing import Any

import numpy as np

from ingest.simulator.anomalies import seed_anomalies
from ingest.simulator.background import background
from ingest.simulator.config import SimConfig, Simulation
from ingest.simulator.lookalikes import lookalike_events, lookalike_truth, plan_lookalikes
from ingest.simulator.rings import RingPlan, plan_rings
from ingest.simulator.typologies import ring_events
from ingest.simulator.world import World, account_events, build_world


def simulate(config: SimConfig) -> Simulation:
    """Generate a data set; the same config (seed and start included) gives the same output."""
    config.check()
    config = replace(config, start_ms=config.resolved_start_ms())
    # the sixth stream (look-alikes) was added later: spawn(6) leaves the first five as they were
    world_rng, ring_rng, traffic_rng, fraud_rng, anomaly_rng, legit_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(config.seed).spawn(6)
    )
    world = build_world(config, world_rng)
    plans = plan_rings(world, config, ring_rng)
    events = background(world, traffic_rng)
    lookalikes = plan_lookalikes(world, {m for p in plans for m in p.members}, legit_rng)
    events.extend(lookalike_events(world, lookalikes, legit_rng))
    for plan in plans:
        events.extend(ring_events(world, plan, fraud_rng))
    excluded = {m for plan in plans for m in plan.members} | set(world.employers)
    tagged = seed_anomalies(world, excluded, anomaly_rng)
    events.extend(ev for ev, _ in tagged)
    # Sorting is stable and each part is nearly sorted already, so this is a cheap merge.
    events.sort(key=itemgetter("ts"))
    prefix = dataset_prefix(config)
    for i, ev in enumerate(events):
        ev["tx_id"] = f"{prefix}-{i:09d}"
    truth = {
        "rings": ring_truth(world, plans),
        "anomalies": {ev["tx_id"]: kind for ev, kind in tagged if kind is not None},
        "lookalikes": lookalike_truth(world, lookalikes),
    }
    return Simulation(accounts=account_events(world), transactions=events, truth=truth)


def dataset_prefix(config: SimConfig) -> str:
    """A tx_id prefix unique to the config, so different data sets never share a tx_id."""
    digest = hashlib.blake2b(repr(sorted(asdict(config).items())).encode(), digest_size=4)
    return f"tx{config.seed}{digest.hexdigest()}"


def ring_truth(world: World, plans: list[RingPlan]) -> dict[str, Any]:
    return {
        p.ring_id: {
            "kind": p.kind,
            "members": [world.ids[m] for m in p.members],
            "labelled": p.labelled,
        }
        for p in plans
    }
