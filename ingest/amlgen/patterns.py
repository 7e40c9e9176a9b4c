"""Planted rings: AMLSim's eight typologies, card testing, and mule collection with victims.

AMLSim semantics (``alertPatterns.csv``): a ring of ``min_accounts..max_accounts`` members moves
amounts drawn from ``min_amount..max_amount`` within a period of ``min_period..max_period``
days, its transactions ordered by ``schedule_id`` (0 in order, fixed interval; 1 in order,
random intervals; 2 any order; 3 at once). Members are the accounts acting for the ring;
victims (customers who paid a mule once) are listed apart and are never members.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.amlgen.background import everyday_transfer
from ingest.amlgen.config import DAY_MS, HOUR_MS, MINUTE_MS, Camouflage, Event, PatternSpec
from ingest.amlgen.events import cash, day_time, payment, transfer
from ingest.amlgen.lookalikes import pick_established
from ingest.amlgen.world import Customer, World


@dataclass
class Ring:
    """One planted ring: its members (by index), victims, devices and IPs, and events."""

    ring_id: str
    kind: str
    members: list[int]
    recruited: list[int]
    victims: list[int] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    ips: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


class Planter:
    """Plants rings into a world under one camouflage setting."""

    def __init__(self, world: World, camo: Camouflage, taken: set[int]) -> None:
        self.world, self.camo, self.taken = world, camo, taken
        self.r = world.rng

    # -- members ---------------------------------------------------------------------------
    def members(self, n: int, first_ts: int) -> tuple[list[int], list[int]]:
        """``n`` members: recruited established customers or accounts opened for the ring."""
        recruited = [i for i in range(n) if self.r.random() < self.camo.recruited_share]
        out: list[int] = []
        old = pick_established(self.world, len(recruited), self.taken)
        lo, hi = self.camo.new_member_age_days
        phone, address = "", ""
        for i in range(n):
            if i in recruited:
                out.append(old.pop())
                continue
            opened = first_ts - int(self.r.uniform(lo, hi) * DAY_MS)
            idx = self.world.add_customer(opened, role="ring")
            c = self.world.customers[idx]
            if self.r.random() < self.camo.shared_identity_share:
                if phone:
                    c.phone, c.address = phone, address if self.r.random() < 0.5 else c.address
                phone, address = phone or c.phone, address or c.address
            self.taken.add(idx)
            out.append(idx)
        self.r.shuffle(out)
        return out, [m for m in out if self.world.customers[m].role != "ring"]

    def amount(self, spec: PatternSpec) -> float:
        if self.camo.everyday_amounts:
            return everyday_transfer(self.world) + self.r.uniform(20, 200)
        return round(self.r.uniform(spec.min_amount, spec.max_amount), 2)

    def send(self, ring: Ring, src: int, dst: int, amount: float, ts: int) -> None:
        s, d = self.world.customers[src], self.world.customers[dst]
        if self.r.random() < self.camo.ring_device_share:
            ev = transfer(
                self.world,
                s,
                d,
                amount,
                ts,
                device=self.r.choice(ring.devices),
                ip=self.r.choice(ring.ips),
            )
        else:
            ev = transfer(self.world, s, d, amount, ts)
        ring.events.append(ev)

    # -- typologies ------------------------------------------------------------------------
    def plant(self, ring_id: str, spec: PatternSpec) -> Ring:
        r, w = self.r, self.world
        period = r.randint(spec.min_period, spec.max_period)
        start_day = r.randrange(2, max(3, w.config.days - period - 1))
        start = w.start + start_day * DAY_MS + r.randrange(8, 20) * HOUR_MS
        n = r.randint(spec.min_accounts, spec.max_accounts)
        members, recruited = self.members(n, start)
        ring = Ring(ring_id, spec.type, members, recruited)
        ring.devices = [w.new_device() for _ in range(r.choice((1, 1, 2)))]
        ring.ips = [w.public_ip() for _ in range(r.randint(1, 3))]
        for m in members:  # ring accounts log in from the ring's devices too
            if w.customers[m].role == "ring":
                w.customers[m].devices.append(r.choice(ring.devices))
        getattr(self, f"_{spec.type}")(ring, spec, start, period * DAY_MS)
        return ring

    def _times(self, k: int, start: int, span: int, schedule: int) -> list[int]:
        """AMLSim's schedules for k steps over ``span`` ms."""
        r = self.r
        if schedule == 0:
            return [start + i * span // max(k, 1) for i in range(k)]
        if schedule == 1:
            return sorted(start + r.randrange(span) for _ in range(k))
        if schedule == 2:
            return [start + r.randrange(span) for _ in range(k)]
        return [start + r.randrange(30 * MINUTE_MS) for _ in range(k)]

    def _edges(
        self,
        ring: Ring,
        spec: PatternSpec,
        edges: list[tuple[int, int, float]],
        start: int,
        span: int,
    ) -> None:
        for (src, dst, amount), ts in zip(
            edges, self._times(len(edges), start, span, spec.schedule), strict=True
        ):
            self.send(ring, src, dst, amount, ts)

    def _fan_in(self, ring: Ring, spec: PatternSpec, start: int, span: int) -> None:
        bene, *origs = ring.members
        reps = self.r.randint(1, 3)
        self._edges(
            ring,
            spec,
            [(o, bene, self.amount(spec)) for o in origs for _ in range(reps)],
            start,
            span,
        )

    def _fan_out(self, ring: Ring, spec: PatternSpec, start: int, span: int) -> None:
        orig, *benes = ring.members
        reps = self.r.randint(1, 3)
        self._edges(
            ring,
            spec,
            [(orig, b, self.amount(spec)) for b in benes for _ in range(reps)],
            start,
            span,
        )

    def _cycle(self, ring: Ring, spec: PatternSpec, start: int, span: int) -> None:
        amount, m = self.amount(spec), ring.members
        edges = []
        for i in range(len(m)):
            edges.append((m[i], m[(i + 1) % len(m)], amount))
            amount *= 1 - self.r.uniform(0.01, 0.05)  # each leg keeps a cut
        self._edges(ring, spec, edges, start, span)

    def _bipartite(self, ring: Ring, spec: PatternSpec, start: int, span: int) -> None:
        cut = max(1, len(ring.members) // 2)
        origs, benes = ring.members[:cut], ring.members[cut:]
        self._edges(
            ring, spec, [(o, b, self.amount(spec)) for o in origs for b in benes], start, span
        )

    def _stack(self, ring: Ring, spec: PatternSpec, start: int, span: int) -> None:
        m = ring.members
        a, b = len(m) // 3, 2 * len(m) // 3
        first = [(o, x, self.amount(spec)) for o in m[:a] for x in m[a:b]]
        second = [(x, y, self.amount(spec)) for x in m[a:b] for y in m[b:]]
        self._edges(ring, spec, first, start, span // 2)
        self._edges(ring, spec, second, start + span // 2, span - span // 2)

    def _scatter_gather(self, ring: Ring, spec: PatternSpec, start: int, span: int) -> None:
        orig, bene, *mids = ring.members
        out = [(orig, x, self.amount(spec)) for x in mids]
        back = [(x, bene, a * (1 - self.r.uniform(0.02, 0.08))) for _, x, a in out]
        self._edges(ring, spec, out, start, span // 2)
        self._edges(ring, spec, back, start + span // 2, span - span // 2)

    def _gather_scatter(self, ring: Ring, spec: PatternSpec, start: int, span: int) -> None:
        hub, *rest = ring.members
        cut = max(1, len(rest) // 2)
        origs, benes = rest[:cut], rest[cut:]
        ins = [(o, hub, self.amount(spec)) for o in origs]
        total = sum(a for _, _, a in ins) * (1 - self.r.uniform(0.02, 0.08))
        outs = [(hub, b, total / len(benes)) for b in benes]
        self._edges(ring, spec, ins, start, span // 2)
        self._edges(ring, spec, outs, start + span // 2, span - span // 2)

    def _random(self, ring: Ring, spec: PatternSpec, start: int, span: int) -> None:
        m = ring.members
        cur = self.r.choice(m)
        edges = []
        for _ in range(2 * len(m)):
            nxt = self.r.choice([x for x in m if x != cur])
            edges.append((cur, nxt, self.amount(spec)))
            cur = nxt
        self._edges(ring, spec, edges, start, span)

    def _card_testing(self, ring: Ring, spec: PatternSpec, start: int, span: int) -> None:
        """Testers run bursts of tiny payments with stolen cards at one or two small online
        merchants from the ring's devices, then buy resellable goods with the cards that worked."""
        r, w = self.r, self.world
        testable = [i for i, m in enumerate(w.merchants) if m.testable]
        targets = r.sample(
            testable[: max(6, len(testable) // 8)], r.choice((1, 2))
        )  # a few favourites of testers
        resell = w.merchant_category("electronics") or list(range(len(w.merchants)))
        for t in ring.members:
            c = w.customers[t]
            for _ in range(r.randint(1, 3)):
                t0 = start + r.randrange(span)
                dev, ip = r.choice(ring.devices), r.choice(ring.ips)
                for k in range(r.randint(8, 30)):
                    ts = t0 + k * r.randrange(10_000, 90_000)
                    amt = round(r.uniform(spec.min_amount, spec.max_amount), 2)
                    ring.events.append(
                        payment(
                            w, c, r.choice(targets), amt, ts, device=dev, ip=ip, card=w.new_card()
                        )
                    )
                for _ in range(r.randint(1, 3)):
                    ts = t0 + r.randrange(2 * HOUR_MS, 30 * HOUR_MS)
                    mer = r.choice(resell)
                    ring.events.append(
                        payment(
                            w,
                            c,
                            mer,
                            round(r.uniform(250, 1_200), 2),
                            ts,
                            device=dev,
                            ip=ip,
                            card=w.new_card(),
                        )
                    )

    def _mule_collection(self, ring: Ring, spec: PatternSpec, start: int, span: int) -> None:
        """Scam victims (ordinary customers, one payment each) pay mules; the mules pass
        nearly all of it to a collector within hours; the collector cashes out."""
        r, w = self.r, self.world
        collector, *mules = ring.members
        for mule in mules:
            victims = pick_established(w, r.randint(4, 12), self.taken)
            ring.victims += victims
            for v in victims:
                amount = round(r.uniform(spec.min_amount, spec.max_amount), 2)
                if self.camo.everyday_amounts:
                    amount = round(everyday_transfer(w) + r.uniform(50, 300), 2)
                ts = start + r.randrange(span)
                vc = w.customers[v]
                ring.events.append(
                    transfer(w, vc, w.customers[mule], amount, ts)
                )  # the victim's own device
                self.send(
                    ring,
                    mule,
                    collector,
                    amount * r.uniform(0.85, 0.98),
                    ts + r.randrange(HOUR_MS, 30 * HOUR_MS),
                )
        col: Customer = w.customers[collector]
        inflow = sum(float(e["amount"]) for e in ring.events if e.get("counterparty_id") == col.id)
        for k in range(r.randint(2, 5)):
            ts = start + span + k * r.randrange(2 * HOUR_MS, 20 * HOUR_MS)
            ring.events.append(cash(w, col, "withdrawal", inflow / 5, ts))
        for day in range(start, start + span, DAY_MS):  # the collector also lives
            if r.random() < 0.3:
                ring.events.append(
                    payment(w, col, w.pick_merchant(), 40.0, day_time(w, day - day % DAY_MS))
                )
