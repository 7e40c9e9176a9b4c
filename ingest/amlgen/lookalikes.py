"""Legit structures that look like rings: they are recorded in the truth, never as rings.

Each builder picks established customers (or opens business accounts years old), gives them
their role and returns ``(events, record)`` where record is ``{"kind", "members"}``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from core.errors import ConfigurationError
from ingest.amlgen.background import everyday_transfer
from ingest.amlgen.config import DAY_MS, HOUR_MS, YEAR_MS, Event
from ingest.amlgen.events import cash, day_time, days_of, payment, transfer
from ingest.amlgen.world import World

Built = tuple[list[Event], dict[str, object]]


def pick_established(world: World, n: int, taken: set[int]) -> list[int]:
    """``n`` distinct customers, opened before the window, not yet given a role."""
    out: list[int] = []
    tries = 0
    while len(out) < n:
        tries += 1
        if tries > 100 * len(world.customers):
            raise ConfigurationError(
                f"too few established customers left for {n} more: use more accounts, "
                "fewer rings or fewer look-alikes"
            )
        i = world.rng.randrange(len(world.customers))
        c = world.customers[i]
        if (
            i in taken
            or c.business
            or c.opened_at > world.start - 60 * DAY_MS
            or c.role != "customer"
        ):
            continue
        taken.add(i)
        out.append(i)
    return out


def _business(world: World, role: str, years: tuple[float, float] = (1.0, 15.0)) -> int:
    opened = world.start - int(world.rng.uniform(*years) * YEAR_MS)
    return world.add_customer(opened, business=True, role=role)


def _month_days(world: World, first: int, last: int) -> list[int]:
    """Day starts in the window whose day of the month is in first..last."""
    out = []
    for day in days_of(world):
        if first <= datetime.fromtimestamp(day / 1000, UTC).day <= last:
            out.append(day)
    return out


def household(world: World, taken: set[int]) -> Built:
    """A multi-person household sharing a tablet: small transfers among them now and then."""
    r = world.rng
    shared = [h for h in world.households if len(h) >= 3 and not any(m in taken for m in h)]
    members = r.choice(shared) if shared else pick_established(world, 3, taken)
    taken.update(members)
    tablet = world.new_device()
    for m in members:
        world.customers[m].devices.append(tablet)
    events: list[Event] = []
    for day in days_of(world):
        for m in members:
            c = world.customers[m]
            if r.random() < 0.15:  # shopping on the family tablet at home
                mer = r.choice(c.favourites) if c.favourites else world.pick_merchant()
                ev = payment(
                    world,
                    c,
                    mer,
                    world.purchase_amount(world.merchants[mer]),
                    day_time(world, day),
                    device=tablet,
                    ip=c.home_ip,
                )
                events.append(ev)
            if r.random() < 0.05:
                dst = world.customers[r.choice([x for x in members if x != m])]
                events.append(
                    transfer(
                        world,
                        c,
                        dst,
                        everyday_transfer(world),
                        day_time(world, day),
                        device=tablet,
                        ip=c.home_ip,
                    )
                )
    return events, {"kind": "household", "members": [world.customers[m].id for m in members]}


def payroll(world: World, taken: set[int]) -> Built:
    """An employer paying the same staff the same wage every two weeks, from its office."""
    r = world.rng
    boss = world.customers[_business(world, "employer")]
    staff = pick_established(world, r.randrange(8, 40), taken)
    wages = {s: round(r.uniform(900, 3_200), 2) for s in staff}
    office = world.new_device()
    office_ip = world.public_ip()
    events: list[Event] = []
    first = world.start + r.randrange(0, 14) * DAY_MS
    for run in range(first, world.end, 14 * DAY_MS):
        events.append(
            cash(world, boss, "deposit", sum(wages.values()) * 1.3, run - 2 * DAY_MS + 10 * HOUR_MS)
        )
        for s in staff:
            events.append(
                transfer(
                    world,
                    boss,
                    world.customers[s],
                    wages[s],
                    run + 9 * HOUR_MS + r.randrange(HOUR_MS),
                    device=office,
                    ip=office_ip,
                )
            )
    return events, {
        "kind": "payroll",
        "members": [boss.id] + [world.customers[s].id for s in staff],
    }


def family(world: World, taken: set[int]) -> Built:
    """Relatives sending money back and forth: parent to child, child back, siblings around.
    One family in four has a member who opened an account this month (a student, say)."""
    r = world.rng
    members = pick_established(world, r.randrange(2, 5), taken)
    if r.random() < 0.25:
        opened = world.start + r.randrange(0, 10) * DAY_MS
        members.append(world.add_customer(opened, role="family"))
    events: list[Event] = []
    for day in days_of(world):
        if r.random() < 0.2:
            a, b = r.sample(members, 2)
            amount = round(r.choice((50, 100, 150, 200, 300, 500)) * r.uniform(0.9, 1.1), 2)
            ts = day_time(world, day)
            src, dst = world.customers[a], world.customers[b]
            events.append(transfer(world, src, dst, amount, ts))
            if r.random() < 0.4:  # paid back within days
                events.append(transfer(world, dst, src, amount, ts + r.randrange(1, 5) * DAY_MS))
    return events, {"kind": "family", "members": [world.customers[m].id for m in members]}


def small_business(world: World, taken: set[int]) -> Built:
    """Many customers pay a business by transfer; it pays a few suppliers and its owner.
    Some businesses are young (opened months ago)."""
    r = world.rng
    shop = world.customers[_business(world, "small_business", (0.2, 12.0))]
    customers = pick_established(world, r.randrange(20, 80), taken)
    suppliers = [world.customers[_business(world, "supplier")] for _ in range(r.randrange(2, 5))]
    owner = world.customers[pick_established(world, 1, taken)[0]]
    events: list[Event] = []
    takings = 0.0
    for day in days_of(world):
        for _ in range(r.randrange(0, 6)):
            c = world.customers[r.choice(customers)]
            amount = round(r.lognormvariate(3.8, 0.7), 2)
            takings += amount
            events.append(transfer(world, c, shop, amount, day_time(world, day)))
        if (day - world.start) // DAY_MS % 7 == 4 and takings > 0:
            for s in suppliers:
                events.append(
                    transfer(world, shop, s, takings * r.uniform(0.1, 0.25), day + 15 * HOUR_MS)
                )
            events.append(transfer(world, shop, owner, takings * 0.2, day + 17 * HOUR_MS))
            takings = 0.0
    members = (
        [shop.id, owner.id] + [s.id for s in suppliers] + [world.customers[c].id for c in customers]
    )
    return events, {"kind": "small_business", "members": members}


def savings_club(world: World, taken: set[int]) -> Built:
    """A rotating savings club: each month every member pays the organiser the same sum and
    the whole pot goes to one member in turn (money comes back to where it started)."""
    r = world.rng
    members = pick_established(world, r.randrange(5, 13), taken)
    organiser = members[0]
    share = float(r.choice((50, 100, 200, 250, 500)))
    events: list[Event] = []
    turn = r.randrange(len(members))
    for day in _month_days(world, 1, 1):
        for m in members[1:]:
            ts = day + r.randrange(0, 3) * DAY_MS + r.randrange(8, 22) * HOUR_MS
            events.append(
                transfer(world, world.customers[m], world.customers[organiser], share, ts)
            )
        payee = members[turn % len(members)]
        turn += 1
        if payee != organiser:
            ts = day + 4 * DAY_MS + r.randrange(9, 20) * HOUR_MS
            events.append(
                transfer(
                    world,
                    world.customers[organiser],
                    world.customers[payee],
                    share * len(members),
                    ts,
                )
            )
    return events, {"kind": "savings_club", "members": [world.customers[m].id for m in members]}


def rent(world: World, taken: set[int]) -> Built:
    """A landlord collecting rent from tenants early each month, then paying the mortgage."""
    r = world.rng
    landlord = world.customers[pick_established(world, 1, taken)[0]]
    tenants = pick_established(world, r.randrange(4, 20), taken)
    lender = world.customers[_business(world, "lender", (10.0, 30.0))]
    rents = {t: float(round(r.uniform(700, 2_400), -1)) for t in tenants}
    events: list[Event] = []
    for day in _month_days(world, 1, 1):
        for t in tenants:
            ts = day + r.randrange(0, 5) * DAY_MS + r.randrange(7, 22) * HOUR_MS
            events.append(transfer(world, world.customers[t], landlord, rents[t], ts))
        events.append(
            transfer(
                world, landlord, lender, sum(rents.values()) * 0.6, day + 6 * DAY_MS + 10 * HOUR_MS
            )
        )
    return events, {
        "kind": "rent",
        "members": [landlord.id] + [world.customers[t].id for t in tenants],
    }


BUILDERS: dict[str, Callable[[World, set[int]], Built]] = {
    "household": household,
    "payroll": payroll,
    "family": family,
    "small_business": small_business,
    "savings_club": savings_club,
    "rent": rent,
}
