"""An endless stream of simulated events stamped with the current time, for the demo.

Ordinary traffic flows continuously; about every twenty seconds (at the given rate) one planted
ring replays its pattern or an ordinary account suffers a seed anomaly. Each account's event
is sent just before the account first appears.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from ingest.simulator.anomalies import anomaly
from ingest.simulator.background import ordinary_rows
from ingest.simulator.config import ANOMALY_KINDS, Event, SimConfig
from ingest.simulator.rings import RingPlan, plan_rings
from ingest.simulator.typologies import ring_events
from ingest.simulator.world import World, account_events, build_world

CHUNK = 256
EPISODE_SECONDS = 20.0


def live_events(config: SimConfig, rate: float) -> Iterator[Event]:
    """Events with ``ts`` = now, forever; ``rate`` (events/s) only sets how often fraud shows."""
    config.check()
    world_rng, ring_rng, rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(config.seed).spawn(3)
    )
    world = build_world(config, world_rng)
    plans = plan_rings(world, config, ring_rng)
    excluded = {m for p in plans for m in p.members} | set(world.employers)
    stamper = _Stamper(world, f"live{config.seed}-{time.time_ns() // 1_000_000:x}")
    every = max(CHUNK, int(rate * EPISODE_SECONDS))
    weights = world.rate / world.rate.sum()
    sent_since_episode = 0
    while True:
        src = rng.choice(world.n, size=CHUNK, p=weights)
        for ev in ordinary_rows(world, rng, src, np.zeros(CHUNK, dtype=np.int64)):
            yield from stamper.stamp(ev)
        sent_since_episode += CHUNK
        if sent_since_episode >= every:
            sent_since_episode = 0
            for ev in _episode(world, plans, excluded, rng):
                yield from stamper.stamp(ev)


def _episode(
    world: World, plans: list[RingPlan], excluded: set[int], rng: np.random.Generator
) -> list[Event]:
    """One ring's pattern (two times in three) or one seed anomaly, in time order."""
    if plans and rng.random() < 2 / 3:
        events = ring_events(world, plans[int(rng.integers(len(plans)))], rng, t0=0)
    else:
        account = int(rng.integers(world.n))
        while account in excluded or world.reserved[account]:
            account = int(rng.integers(world.n))
        kind = ANOMALY_KINDS[int(rng.integers(len(ANOMALY_KINDS)))]
        events = [ev for ev, _ in anomaly(world, kind, account, 0, rng)]
    return sorted(events, key=lambda ev: ev["ts"])


class _Stamper:
    """Gives events the wall-clock time and a fresh tx_id, announcing accounts on first sight."""

    def __init__(self, world: World, prefix: str) -> None:
        self.world, self.prefix, self.count, self.last_ts = world, prefix, 0, 0
        self.index = {account_id: i for i, account_id in enumerate(world.ids)}
        self.accounts: list[Event] | None = None
        self.announced: set[str] = set()

    def stamp(self, ev: Event) -> Iterator[Event]:
        for key in ("account_id", "counterparty_id"):
            account_id = ev.get(key)
            if account_id is not None and account_id not in self.announced:
                self.announced.add(account_id)
                yield self._account_event(account_id)
        self.last_ts = max(time.time_ns() // 1_000_000, self.last_ts)
        self.count += 1
        ev["ts"], ev["tx_id"] = self.last_ts, f"{self.prefix}-{self.count:09d}"
        yield ev

    def _account_event(self, account_id: str) -> Event:
        if self.accounts is None:
            self.accounts = account_events(self.world)
        return self.accounts[self.index[account_id]]
