"""Ordinary traffic: payments at favourite and popular merchants, family and friend transfers,
cash withdrawals, deposits, refunds, and monthly payroll runs. All labelled ``legit``."""

from __future__ import annotations

import numpy as np

from ingest.simulator.config import DAY_MS, HOUR_MS, MINUTE_MS, Event
from ingest.simulator.world import COUNTRIES, World

KINDS = ("payment", "transfer", "withdrawal", "deposit", "refund")
KIND_P = np.array([0.68, 0.16, 0.09, 0.05, 0.02])
# Log-amount offset from the account's usual payment, per kind.
KIND_SHIFT = np.array([0.0, 0.9, 0.8, 2.2, 0.0])
# Share of the day's activity per UTC hour: quiet nights, busy lunchtime and evening.
HOUR_W = np.array([1, 1, 1, 1, 1, 2, 3, 5, 6, 7, 7, 8, 9, 8, 7, 7, 7, 8, 9, 9, 8, 6, 4, 2], float)
HOUR_P = HOUR_W / HOUR_W.sum()


def diurnal_ms(rng: np.random.Generator, size: int) -> np.ndarray:
    """Times of day in ms, following HOUR_P."""
    hours = rng.choice(24, size=size, p=HOUR_P)
    return (hours * HOUR_MS + rng.integers(0, HOUR_MS, size=size)).astype(np.int64)


def background(world: World, rng: np.random.Generator) -> list[Event]:
    """Every account's ordinary transactions over the window, sorted by ts, then payroll."""
    end = world.start_ms + world.days * DAY_MS
    active_from = world.active_from()
    span = np.maximum(end - active_from, 0)
    counts = rng.poisson(world.rate * span / DAY_MS)
    src = np.repeat(np.arange(world.n), counts)
    moment = active_from[src] + (rng.random(len(src)) * span[src]).astype(np.int64)
    day_start = (moment - world.start_ms) // DAY_MS * DAY_MS + world.start_ms
    ts = np.clip(day_start + diurnal_ms(rng, len(src)), active_from[src], end - 1)
    order = np.argsort(ts, kind="stable")
    rows = ordinary_rows(world, rng, src[order], ts[order])
    return rows + payroll(world, rng)


def ordinary_rows(
    world: World, rng: np.random.Generator, src: np.ndarray, ts: np.ndarray
) -> list[Event]:
    """Ordinary events for senders ``src`` at times ``ts`` (kinds, amounts, parties drawn)."""
    m = len(src)
    kind = rng.choice(len(KINDS), size=m, p=KIND_P)
    amount = np.exp(world.mu[src] + KIND_SHIFT[kind] + rng.normal(0.0, 0.7, size=m))
    amount = np.where(kind == 2, np.maximum(20.0, np.round(amount / 20) * 20), amount)
    amount = np.maximum(np.round(amount, 2), 0.5)
    favourite = world.favourites[src, rng.integers(0, 5, size=m)]
    anywhere = rng.choice(len(world.merchants), size=m, p=world.merchant_p)
    merchant = np.where(rng.random(m) < 0.8, favourite, anywhere)
    column = np.where(rng.random(m) < 0.6, 0, rng.integers(1, 3, size=m))
    peer = world.contacts[src, column]
    peer = np.where(peer == src, (src + 1) % world.n, peer)
    device = world.devices[src, (rng.random(m) < 0.3).astype(np.int64)]
    r = rng.random(m)
    public = rng.choice(world.public_ips, size=m, p=world.public_p)
    ip = np.where(r < 0.75, world.home_ip[src], np.where(r < 0.92, world.mobile_ip[src], public))
    hidden = world.unlabelled[src] | ((kind == 1) & world.unlabelled[peer])
    return _to_events(world, ts, kind, amount, src, merchant, peer, device, ip, hidden)


def _to_events(
    world: World,
    ts: np.ndarray,
    kind: np.ndarray,
    amount: np.ndarray,
    src: np.ndarray,
    merchant: np.ndarray,
    peer: np.ndarray,
    device: np.ndarray,
    ip: np.ndarray,
    hidden: np.ndarray,
) -> list[Event]:
    ids, merchants, cards = world.ids, world.merchants, world.cards
    devices, ips, countries = world.device_names(), world.ip_names(), COUNTRIES
    out: list[Event] = []
    append = out.append
    columns = (ts, kind, amount, src, merchant, peer, device, ip, world.country[src], hidden)
    for t, k, a, s, mer, p, d, i, c, h in zip(*(col.tolist() for col in columns), strict=True):
        # Literal dicts per kind: one allocation each, no resizing while millions are built.
        if k == 0 or k == 4:
            ev = {
                "tx_id": "",
                "ts": t,
                "kind": KINDS[k],
                "amount": a,
                "account_id": ids[s],
                "merchant_id": merchants[mer],
                "device_id": devices[d],
                "ip": ips[i],
                "card_id": cards[s],
                "country": countries[c],
                "label": "legit",
            }
        elif k == 1:
            ev = {
                "tx_id": "",
                "ts": t,
                "kind": "transfer",
                "amount": a,
                "account_id": ids[s],
                "counterparty_id": ids[p],
                "device_id": devices[d],
                "ip": ips[i],
                "country": countries[c],
                "label": "legit",
            }
        elif k == 2:
            ev = {
                "tx_id": "",
                "ts": t,
                "kind": "withdrawal",
                "amount": a,
                "account_id": ids[s],
                "card_id": cards[s],
                "country": countries[c],
                "label": "legit",
            }
        else:
            ev = {
                "tx_id": "",
                "ts": t,
                "kind": "deposit",
                "amount": a,
                "account_id": ids[s],
                "device_id": devices[d],
                "ip": ips[i],
                "country": countries[c],
                "label": "legit",
            }
        if h:
            del ev["label"]
        append(ev)
    return out


def payroll(world: World, rng: np.random.Generator) -> list[Event]:
    """Each employer is funded, then pays all its staff within an hour, once a month."""
    end = world.start_ms + world.days * DAY_MS
    out: list[Event] = []
    for employer, staff in world.employers.items():
        salaries = np.round(np.exp(rng.normal(7.9, 0.35, size=len(staff))), 2).tolist()
        payday = world.start_ms + int(rng.integers(0, min(world.days, 30))) * DAY_MS
        while payday < end:
            run = payday + 9 * HOUR_MS + int(rng.integers(0, 30)) * MINUTE_MS
            out.append(_payroll_event(world, employer, None, run - 2 * HOUR_MS, sum(salaries)))
            for j, (worker, salary) in enumerate(zip(staff.tolist(), salaries, strict=True)):
                out.append(_payroll_event(world, employer, worker, run + j * 20_000, salary))
            payday += 30 * DAY_MS
    return [ev for ev in out if ev["ts"] < end]


def _payroll_event(
    world: World, employer: int, worker: int | None, ts: int, amount: float
) -> Event:
    ev: Event = {
        "tx_id": "",
        "ts": ts,
        "kind": "deposit" if worker is None else "transfer",
        "amount": round(amount * (1.02 if worker is None else 1.0), 2),
        "account_id": world.ids[employer],
        "device_id": world.device_names()[int(world.devices[employer, 0])],
        "ip": world.ip_names()[int(world.home_ip[employer])],
        "country": COUNTRIES[int(world.country[employer])],
        "label": "legit",
    }
    if worker is not None:
        ev["counterparty_id"] = world.ids[worker]
    if world.unlabelled[employer] or (worker is not None and world.unlabelled[worker]):
        del ev["label"]
    return ev
