"""Planting rings: choose members, give them what they share, decide when each ring acts."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ingest.simulator.config import DAY_MS, HOUR_MS, MAX_RING, MIN_RING, TYPOLOGIES, SimConfig
from ingest.simulator.world import World

# Rings made of freshly opened accounts rather than recruited or taken-over existing ones.
NEW_ACCOUNT_KINDS = frozenset({"synthetic_identity", "card_testing"})


@dataclass
class RingPlan:
    """One planted ring. ``devices``/``ips`` are the ring's own (fraudster) device/IP numbers."""

    ring_id: str
    kind: str
    members: list[int]
    labelled: bool
    t0: int  # epoch ms at which the ring's main activity starts
    devices: list[int] = field(default_factory=list)
    ips: list[int] = field(default_factory=list)
    merchants: list[int] = field(default_factory=list)

    @property
    def label(self) -> str | None:
        return "fraud" if self.labelled else None


def plan_rings(world: World, config: SimConfig, rng: np.random.Generator) -> list[RingPlan]:
    """Choose members for every ring and adjust the world (new accounts, shared identities)."""
    employed = {e for e in world.employers}
    pool = [
        int(i)
        for i in rng.permutation(world.n)
        if world.household[i] < 0 and int(i) not in employed
    ]
    plans: list[RingPlan] = []
    hidden = round(config.unlabelled_share * config.rings_per_typology)
    for kind in TYPOLOGIES:
        unlabelled = set(rng.permutation(config.rings_per_typology)[:hidden].tolist())
        for j in range(config.rings_per_typology):
            low = MIN_RING + 1 if kind in ("mule_fan_in", "gather_scatter") else MIN_RING
            size = int(rng.integers(low, 7 if kind == "cycle" else MAX_RING + 1))
            members, pool = pool[:size], pool[size:]
            plan = RingPlan(
                ring_id=f"truth-{kind}-{j + 1}",
                kind=kind,
                members=members,
                labelled=j not in unlabelled,
                t0=_pick_t0(world, rng),
                devices=world.new_devices(2),
                ips=world.new_ips(2),
                merchants=_ring_merchants(world, kind, rng),
            )
            _prepare_members(world, plan, rng)
            plans.append(plan)
    return plans


def _pick_t0(world: World, rng: np.random.Generator) -> int:
    """A time leaving three days of window after it (patterns span at most about 60 hours)."""
    latest_day = max(world.days - 3, 0)
    earliest_day = min(int(world.days * 0.35), latest_day)
    day = int(rng.integers(earliest_day, latest_day + 1))
    return world.start_ms + day * DAY_MS + int(rng.integers(7, 20)) * HOUR_MS


def _ring_merchants(world: World, kind: str, rng: np.random.Generator) -> list[int]:
    n = len(world.merchants)
    if kind == "card_testing":  # small, obscure merchants with weak checks
        chosen = rng.choice(np.arange(n // 2, n), size=int(rng.integers(1, 4)), replace=False)
    else:
        chosen = rng.choice(n, size=min(10, n), replace=False, p=world.merchant_p)
    return [int(m) for m in chosen]


def _prepare_members(world: World, plan: RingPlan, rng: np.random.Generator) -> None:
    members = np.array(plan.members)
    if not plan.labelled:
        world.unlabelled[members] = True
    if plan.kind not in NEW_ACCOUNT_KINDS:
        return
    world.reserved[members] = True
    world.rate[members] *= 0.3
    back = rng.integers(2 * DAY_MS, 6 * DAY_MS, size=len(members))
    world.opened_at[members] = plan.t0 - back
    if plan.kind == "synthetic_identity":
        _share_identity(world, plan)


def _share_identity(world: World, plan: RingPlan) -> None:
    """Synthetic identities: one or two devices, one IP, one address, often one phone."""
    lead = plan.members[0]
    digits = world.phones[lead].replace("+1 555 ", "").replace(" ", "")
    for k, m in enumerate(plan.members):
        world.devices[m, :] = plan.devices[k % 2]
        world.home_ip[m] = world.mobile_ip[m] = plan.ips[0]
        world.country[m] = world.country[lead]
        # Same address and phone, written differently: normalisation must join them.
        street = world.addresses[lead]
        world.addresses[m] = street if k % 2 == 0 else street.upper().replace(",", " ")
        if k % 3 != 2:
            world.phones[m] = f"+1 (555) {digits[:3]}-{digits[3:]}" if k % 2 else world.phones[lead]
