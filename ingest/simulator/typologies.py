"""Planted fraud: the events each typology produces, starting at the ring's ``t0``.

Each pattern returns plain event dicts (``tx_id`` still empty) labelled ``fraud``, or without a
label when the ring is unlabelled. Times are relative to ``t0`` so the live stream can replay a
pattern at any moment.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ingest.simulator.config import DAY_MS, MINUTE_MS, Event
from ingest.simulator.rings import RingPlan
from ingest.simulator.world import COUNTRIES, World

Rng = np.random.Generator


class Emitter:
    """Builds one ring's events with the ring's device, IP and label."""

    def __init__(self, world: World, plan: RingPlan) -> None:
        self.world, self.plan = world, plan
        self.events: list[Event] = []

    def tx(
        self,
        kind: str,
        ts: int,
        amount: float,
        src: int,
        *,
        dst: int | None = None,
        merchant: int | None = None,
        device: int | None = None,
        card: str | None = None,
    ) -> None:
        w, plan = self.world, self.plan
        ev: Event = {
            "tx_id": "",
            "ts": int(ts),
            "kind": kind,
            "amount": round(float(amount), 2),
            "account_id": w.ids[src],
        }
        if dst is not None:
            ev["counterparty_id"] = w.ids[dst]
        if merchant is not None:
            ev["merchant_id"] = w.merchants[merchant]
        if kind != "withdrawal":
            dev = plan.devices[0] if device is None else device
            ev["device_id"] = w.device_names()[dev]
            ev["ip"] = w.ip_names()[plan.ips[0]]
        if card is not None or kind in ("payment", "withdrawal"):
            ev["card_id"] = card or w.cards[src]
        ev["country"] = COUNTRIES[int(w.country[src])]
        if plan.label:
            ev["label"] = plan.label
        self.events.append(ev)


def _minutes(rng: Rng, lo: int, hi: int) -> int:
    return int(rng.integers(lo, hi + 1)) * MINUTE_MS + int(rng.integers(0, MINUTE_MS))


def synthetic_identity(e: Emitter, rng: Rng, t0: int) -> None:
    """New accounts sharing device/phone/address bust out: big payments, then cash withdrawals."""
    for k, m in enumerate(e.plan.members):
        t = t0 + _minutes(rng, 0, 36 * 60)
        e.tx("deposit", t0 - DAY_MS + _minutes(rng, 0, 600), rng.uniform(200, 800), m)
        for merchant in rng.choice(e.plan.merchants, size=int(rng.integers(2, 5)), replace=False):
            t += _minutes(rng, 5, 90)
            e.tx(
                "payment",
                t,
                rng.uniform(400, 2500),
                m,
                merchant=int(merchant),
                device=e.plan.devices[k % 2],
            )
        for _ in range(int(rng.integers(1, 3))):
            t += _minutes(rng, 10, 120)
            e.tx("withdrawal", t, 20 * int(rng.integers(25, 50)), m)


def account_takeover(e: Emitter, rng: Rng, t0: int) -> None:
    """One fraudster device/IP logs into many accounts and drains them into one or two drops."""
    members = e.plan.members
    n_drops = 1 if len(members) < 7 else 2
    victims, drops = members[:-n_drops], members[-n_drops:]
    t = t0
    received = {d: 0.0 for d in drops}
    for k, v in enumerate(victims):
        t += _minutes(rng, 3, 25)
        drop = drops[k % n_drops]
        amount = rng.uniform(800, 4000)
        e.tx("transfer", t, amount, v, dst=drop)
        received[drop] += amount
    for drop, total in received.items():
        _cash_out(e, rng, drop, total * 0.95, t + _minutes(rng, 30, 120))


def _cash_out(e: Emitter, rng: Rng, account: int, total: float, t: int) -> int:
    """Withdraw ``total`` in ATM-sized chunks, minutes apart; returns the last time."""
    while total >= 20:
        chunk = min(total, 20 * int(rng.integers(20, 51)))
        e.tx("withdrawal", t, 20 * max(1, int(chunk // 20)), account)
        total -= chunk
        t += _minutes(rng, 2, 30)
    return t


def mule_fan_in(e: Emitter, rng: Rng, t0: int) -> None:
    """Feeders deposit cash and send it to one mule, who forwards it to exits within hours."""
    members = e.plan.members
    n_exits = 1 if len(members) < 6 else 2
    collector, exits, feeders = members[0], members[1 : 1 + n_exits], members[1 + n_exits :]
    for day in range(2):
        t, total = t0 + day * DAY_MS, 0.0
        for f in feeders:
            t += _minutes(rng, 10, 90)
            amount = rng.uniform(900, 4900)
            e.tx("deposit", t - _minutes(rng, 10, 60), amount, f)
            e.tx("transfer", t, amount * 0.97, f, dst=collector)
            total += amount * 0.97
        t += _minutes(rng, 30, 120)
        for x in exits:
            e.tx("transfer", t, total * 0.95 / n_exits, collector, dst=x)
            _cash_out(e, rng, x, total * 0.9 / n_exits, t + _minutes(rng, 30, 180))
            t += _minutes(rng, 1, 10)


def fan_out(e: Emitter, rng: Rng, t0: int) -> None:
    """One funded source sprays just-below-threshold amounts to many, who withdraw at once."""
    source, receivers = e.plan.members[0], e.plan.members[1:]
    amounts = rng.uniform(800, 990, size=len(receivers))
    e.tx("deposit", t0, float(amounts.sum()) * 1.05, source)
    t = t0 + _minutes(rng, 30, 120)
    for r, amount in zip(receivers, amounts.tolist(), strict=True):
        t += _minutes(rng, 1, 15)
        e.tx("transfer", t, amount, source, dst=r)
        _cash_out(e, rng, r, amount * 0.98, t + _minutes(rng, 30, 300))


def cycle(e: Emitter, rng: Rng, t0: int) -> None:
    """Money goes round 3-6 accounts back to its origin within hours, shrinking at each hop."""
    members = e.plan.members
    origin, others = members[0], members[1:]
    for round_no in range(int(rng.integers(2, 4))):
        length = len(members) if round_no == 0 else int(rng.integers(3, len(members) + 1))
        path = [origin, *rng.permutation(others)[: length - 1].tolist(), origin]
        t = t0 + round_no * DAY_MS + _minutes(rng, 0, 240)
        amount = rng.uniform(2000, 9000)
        for a, b in zip(path, path[1:], strict=False):
            e.tx("transfer", t, amount, int(a), dst=int(b))
            amount *= rng.uniform(0.96, 0.995)
            t += _minutes(rng, 5, 60)


def scatter_gather(e: Emitter, rng: Rng, t0: int) -> None:
    """A source scatters to intermediates, who all pass it on to one gatherer."""
    source, mids, gatherer = e.plan.members[0], e.plan.members[1:-1], e.plan.members[-1]
    for day in range(int(rng.integers(1, 3))):
        t = t0 + day * DAY_MS
        for m in mids:
            amount = rng.uniform(1000, 3000)
            t += _minutes(rng, 1, 20)
            e.tx("transfer", t, amount, source, dst=m)
            later = t + _minutes(rng, 60, 360)
            e.tx("transfer", later, amount * rng.uniform(0.97, 0.99), m, dst=gatherer)


def gather_scatter(e: Emitter, rng: Rng, t0: int) -> None:
    """Many sources pay into one hub, which scatters the sum to many destinations."""
    hub, rest = e.plan.members[0], e.plan.members[1:]
    half = len(rest) // 2
    sources, destinations = rest[:half], rest[half:]
    t, total = t0, 0.0
    for s in sources:
        amount = rng.uniform(1000, 4000)
        t += _minutes(rng, 5, 40)
        e.tx("transfer", t, amount, s, dst=hub)
        total += amount
    t += _minutes(rng, 60, 180)
    for d in destinations:
        t += _minutes(rng, 1, 15)
        e.tx("transfer", t, total * 0.97 / len(destinations), hub, dst=d)


def card_testing(e: Emitter, rng: Rng, t0: int) -> None:
    """Each new account fires many tiny payments with stolen cards at a few merchants, each
    burst from a new device; the cards that work then buy something big."""
    w, plan = e.world, e.plan
    for k, m in enumerate(plan.members):
        device = w.new_devices(1)[0]
        t = t0 + k * _minutes(rng, 20, 240)
        n_cards = int(rng.integers(15, 41))
        cards = [f"card-x{v:012x}" for v in rng.integers(0, 16**12, size=n_cards).tolist()]
        for card in cards:
            t += int(rng.integers(5, 40)) * 1000
            e.tx(
                "payment",
                t,
                rng.uniform(0.5, 3.0),
                m,
                merchant=int(rng.choice(plan.merchants)),
                device=device,
                card=card,
            )
        for card in cards[: int(rng.integers(1, 4))]:
            t += _minutes(rng, 5, 60)
            merchant = int(rng.choice(len(w.merchants), p=w.merchant_p))
            e.tx(
                "payment", t, rng.uniform(200, 900), m, merchant=merchant, device=device, card=card
            )


def refund_abuse(e: Emitter, rng: Rng, t0: int) -> None:
    """Purchases refunded in full at many merchants, plus refunds for purchases never made."""
    for m in e.plan.members:
        t = t0 + _minutes(rng, 0, 600)
        merchants = rng.choice(e.plan.merchants, size=int(rng.integers(4, 9)), replace=False)
        for merchant in merchants.tolist():
            amount = rng.uniform(80, 600)
            e.tx("payment", t, amount, m, merchant=merchant)
            e.tx("refund", t + _minutes(rng, 6 * 60, 40 * 60), amount, m, merchant=merchant)
            t += _minutes(rng, 10, 120)
        for merchant in rng.choice(e.plan.merchants, size=int(rng.integers(1, 4))).tolist():
            e.tx(
                "refund", t + _minutes(rng, 60, 20 * 60), rng.uniform(50, 400), m, merchant=merchant
            )


PATTERNS: dict[str, Callable[[Emitter, Rng, int], None]] = {
    "synthetic_identity": synthetic_identity,
    "account_takeover": account_takeover,
    "mule_fan_in": mule_fan_in,
    "fan_out": fan_out,
    "cycle": cycle,
    "scatter_gather": scatter_gather,
    "gather_scatter": gather_scatter,
    "card_testing": card_testing,
    "refund_abuse": refund_abuse,
}


def ring_events(world: World, plan: RingPlan, rng: Rng, t0: int | None = None) -> list[Event]:
    """Every event of one ring's pattern, starting at ``t0`` (default: the plan's)."""
    emitter = Emitter(world, plan)
    PATTERNS[plan.kind](emitter, rng, plan.t0 if t0 is None else t0)
    return emitter.events
