"""Ordinary traffic: shopping, paying friends, cash, wages; every customer, every day."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from ingest.amlgen.config import DAY_MS, HOUR_MS, Event
from ingest.amlgen.events import cash, day_time, days_of, payment, transfer
from ingest.amlgen.world import Customer, World


def everyday_transfer(world: World) -> float:
    """What people send each other: mostly tens, sometimes a few hundred."""
    return round(min(world.rng.lognormvariate(3.9, 0.9), 3_000.0), 2)


def background(world: World, who: list[int] | None = None, scale: float = 1.0) -> list[Event]:
    """Each customer's days: Poisson-many actions, mostly payments at favourite merchants."""
    events: list[Event] = []
    r = world.rng
    for idx in who if who is not None else range(len(world.customers)):
        c = world.customers[idx]
        payday = r.randrange(1, 28)
        wage = round(r.lognormvariate(7.9, 0.5), 2)
        for day in days_of(world):
            if day + DAY_MS <= c.active_from:
                continue
            for _ in range(_poisson(world, c.rate * scale)):
                ts = day_time(world, day)
                if ts < c.active_from:
                    continue
                events.append(_one(world, c, ts))
            if not c.business and _day_of_month(day) == payday and r.random() < 0.7:
                events.append(
                    cash(world, c, "deposit", wage, day + 6 * HOUR_MS + r.randrange(HOUR_MS))
                )
    return events


def _one(world: World, c: Customer, ts: int) -> Event:
    r = world.rng
    u = r.random()
    if u < 0.68:
        m = r.choice(c.favourites) if c.favourites and r.random() < 0.75 else world.pick_merchant()
        return payment(world, c, m, world.purchase_amount(world.merchants[m]), ts)
    if u < 0.86 and c.contacts:
        if r.random() < 0.08:  # a one-off payee: marketplace seller, a friend of a friend
            dst = world.customers[r.randrange(world.config.accounts)]
        else:
            dst = world.customers[r.choices(c.contacts, c.contact_weights)[0]]
        if dst is not c and dst.role != "ring" and dst.opened_at <= ts:
            return transfer(world, c, dst, everyday_transfer(world), ts)
    if u < 0.95:
        return cash(world, c, "withdrawal", r.choice((20, 40, 60, 100, 200, 300)), ts)
    if u < 0.99:
        return cash(world, c, "deposit", round(r.lognormvariate(5.0, 1.0), 2), ts)
    m = r.choice(c.favourites) if c.favourites else world.pick_merchant()
    return payment(world, c, m, world.purchase_amount(world.merchants[m]), ts, kind="refund")


def _poisson(world: World, lam: float) -> int:
    # Knuth's method: rates here are small (well under 10 a day)
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= world.rng.random()
        if p <= limit:
            return k
        k += 1


def _day_of_month(day_start: int) -> int:
    return datetime.fromtimestamp(day_start / 1000, UTC).day
