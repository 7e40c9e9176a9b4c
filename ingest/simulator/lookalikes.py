"""Legit structures shaped like rings: small businesses, savings clubs, rent collection.

Households sharing a device, families sending money back and forth, payroll fan-out and popular
merchants come with the world and background traffic; this module adds the rest and lists every
look-alike in the truth (``truth["lookalikes"]``) so a benchmark can count them among the rings.
Their events are labelled ``legit``; their accounts never join a planted ring.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ingest.simulator.config import DAY_MS, HOUR_MS, Event
from ingest.simulator.world import COUNTRIES, World

LOOKALIKE_KINDS: tuple[str, ...] = (
    "household",
    "payroll",
    "small_business",
    "savings_club",
    "rent_collection",
)


@dataclass
class LookAlike:
    """One legit structure: ``members[0]`` is its hub (business, organiser, landlord)."""

    lookalike_id: str
    kind: str
    members: list[int]
    others: list[int] = field(default_factory=list)  # suppliers, lender: paid by the hub


def plan_lookalikes(
    world: World, ring_members: set[int], rng: np.random.Generator
) -> list[LookAlike]:
    """Choose accounts outside every planted ring for each structure."""
    pool = [int(i) for i in rng.permutation(world.n) if int(i) not in ring_members]
    plans: list[LookAlike] = []

    def take(k: int) -> list[int]:
        nonlocal pool
        out, pool = pool[:k], pool[k:]
        return out

    n = world.n
    for j in range(max(2, n // 500)):
        plans.append(
            LookAlike(
                f"legit-small_business-{j + 1}",
                "small_business",
                take(int(rng.integers(20, 61))),
                take(int(rng.integers(2, 5))),
            )
        )
    for j in range(max(2, n // 600)):
        plans.append(
            LookAlike(f"legit-savings_club-{j + 1}", "savings_club", take(int(rng.integers(5, 12))))
        )
    for j in range(max(2, n // 500)):
        plans.append(
            LookAlike(
                f"legit-rent_collection-{j + 1}",
                "rent_collection",
                take(int(rng.integers(5, 16))),
                take(1),
            )
        )
    return plans


def lookalike_events(world: World, plans: list[LookAlike], rng: np.random.Generator) -> list[Event]:
    out: list[Event] = []
    for plan in plans:
        if plan.kind == "small_business":
            out += _small_business(world, plan, rng)
        elif plan.kind == "savings_club":
            out += _savings_club(world, plan, rng)
        else:
            out += _rent(world, plan, rng)
    end = world.start_ms + world.days * DAY_MS
    return [ev for ev in out if world.start_ms <= ev["ts"] < end]


def _small_business(world: World, plan: LookAlike, rng: np.random.Generator) -> list[Event]:
    """Customers pay the business a few times a day; each week it pays its suppliers and the
    owner (its first customer here) out of the takings."""
    shop, customers = plan.members[0], plan.members[1:]
    out: list[Event] = []
    takings = 0.0
    for day in range(world.days):
        day_ms = world.start_ms + day * DAY_MS
        for _ in range(int(rng.poisson(3.0))):
            payer = customers[int(rng.integers(len(customers)))]
            amount = round(float(np.exp(rng.normal(3.8, 0.6))), 2)
            takings += amount
            ts = day_ms + int(rng.integers(8, 20)) * HOUR_MS + int(rng.integers(HOUR_MS))
            out.append(_transfer(world, payer, shop, amount, ts))
        if day % 7 == 6 and takings > 0:
            for s in plan.others:
                share = takings * float(rng.uniform(0.1, 0.25))
                out.append(_transfer(world, shop, s, share, day_ms + 16 * HOUR_MS))
            out.append(_transfer(world, shop, customers[0], takings * 0.2, day_ms + 18 * HOUR_MS))
            takings = 0.0
    return out


def _savings_club(world: World, plan: LookAlike, rng: np.random.Generator) -> list[Event]:
    """Every 30 days each member pays the organiser the same share; the pot then goes to one
    member in turn, so money returns to where it came from."""
    organiser, members = plan.members[0], plan.members[1:]
    share = float(rng.choice([50, 100, 200, 250, 500]))
    turn = int(rng.integers(len(plan.members)))
    out: list[Event] = []
    for first in range(int(rng.integers(0, 10)), world.days, 30):
        base = world.start_ms + first * DAY_MS
        for m in members:
            ts = base + int(rng.integers(0, 3)) * DAY_MS + int(rng.integers(8, 22)) * HOUR_MS
            out.append(_transfer(world, m, organiser, share, ts))
        payee = plan.members[turn % len(plan.members)]
        turn += 1
        if payee != organiser:
            ts = base + 4 * DAY_MS + int(rng.integers(9, 20)) * HOUR_MS
            out.append(_transfer(world, organiser, payee, share * len(plan.members), ts))
    return out


def _rent(world: World, plan: LookAlike, rng: np.random.Generator) -> list[Event]:
    """Tenants pay the landlord a fixed rent early each month; the landlord pays the lender."""
    landlord, tenants = plan.members[0], plan.members[1:]
    rents = [float(round(rng.uniform(700, 2400), -1)) for _ in tenants]
    out: list[Event] = []
    for first in range(int(rng.integers(0, 5)), world.days, 30):
        base = world.start_ms + first * DAY_MS
        for t, rent in zip(tenants, rents, strict=True):
            ts = base + int(rng.integers(0, 5)) * DAY_MS + int(rng.integers(7, 22)) * HOUR_MS
            out.append(_transfer(world, t, landlord, rent, ts))
        out.append(
            _transfer(
                world, landlord, plan.others[0], sum(rents) * 0.6, base + 6 * DAY_MS + 10 * HOUR_MS
            )
        )
    return out


def _transfer(world: World, src: int, dst: int, amount: float, ts: int) -> Event:
    ev: Event = {
        "tx_id": "",
        "ts": int(ts),
        "kind": "transfer",
        "amount": round(max(amount, 0.01), 2),
        "account_id": world.ids[src],
        "counterparty_id": world.ids[dst],
        "device_id": world.device_names()[int(world.devices[src, 0])],
        "ip": world.ip_names()[int(world.home_ip[src])],
        "country": COUNTRIES[int(world.country[src])],
        "label": "legit",
    }
    if world.unlabelled[src] or world.unlabelled[dst]:
        del ev["label"]
    return ev


def lookalike_truth(world: World, plans: list[LookAlike]) -> dict[str, dict[str, object]]:
    """Every look-alike by id: the planned ones, households sharing a device, payroll runs."""
    out: dict[str, dict[str, object]] = {}
    households: dict[int, list[int]] = {}
    for i in np.flatnonzero(world.household >= 0).tolist():
        households.setdefault(int(world.household[i]), []).append(int(i))
    for h, members in sorted(households.items()):
        out[f"legit-household-{h + 1}"] = {
            "kind": "household",
            "members": [world.ids[m] for m in members],
        }
    for j, (employer, staff) in enumerate(sorted(world.employers.items())):
        ids = [world.ids[employer]] + [world.ids[int(s)] for s in staff]
        out[f"legit-payroll-{j + 1}"] = {"kind": "payroll", "members": ids}
    for plan in plans:
        out[plan.lookalike_id] = {
            "kind": plan.kind,
            "members": [world.ids[m] for m in plan.members + plan.others],
        }
    return out
