"""Per-transaction seed anomalies on otherwise ordinary accounts.

Returns ``(event, kind)`` pairs: ``kind`` names the anomaly for events that belong in
``truth["anomalies"]`` and is None for the ordinary event that sets an anomaly up (the home
payment before an impossible-travel one).
"""

from __future__ import annotations

import numpy as np

from core.errors import ConfigurationError
from ingest.simulator.config import ANOMALY_KINDS, DAY_MS, MINUTE_MS, Event
from ingest.simulator.world import COUNTRIES, World

Rng = np.random.Generator
Tagged = list[tuple[Event, str | None]]


def pick_accounts(world: World, excluded: set[int], count: int, rng: Rng) -> list[int]:
    """Ordinary, active accounts (no ring, no payroll, enough history to have a usual spend)."""
    busy = world.rate >= np.median(world.rate)
    candidates = [
        int(i)
        for i in rng.permutation(world.n)
        if busy[i] and int(i) not in excluded and not world.reserved[i] and not world.unlabelled[i]
    ]
    return candidates[:count]


def seed_anomalies(world: World, excluded: set[int], rng: Rng) -> Tagged:
    """``max(5, accounts // 200)`` anomalies of each kind, after a week of history."""
    per_kind = max(5, world.n // 200)
    accounts = pick_accounts(world, excluded, per_kind * len(ANOMALY_KINDS), rng)
    first_day = min(max(7, world.days // 3), world.days - 1)
    out: Tagged = []
    for k, kind in enumerate(ANOMALY_KINDS):
        for account in accounts[k * per_kind : (k + 1) * per_kind]:
            day = int(rng.integers(first_day, world.days))
            t = world.start_ms + day * DAY_MS + int(rng.integers(8 * 60, 22 * 60)) * MINUTE_MS
            out.extend(anomaly(world, kind, account, t, rng))
    return out


def anomaly(world: World, kind: str, account: int, t: int, rng: Rng) -> Tagged:
    """One anomaly of ``kind`` for ``account`` at about ``t`` (epoch ms)."""
    usual = float(np.exp(world.mu[account]))
    merchant = int(world.favourites[account, 0])
    if kind == "amount_spike":
        return [(_payment(world, account, t, usual * rng.uniform(25, 80), merchant), kind)]
    if kind == "new_device_high_value":
        device, ip = world.new_devices(1)[0], world.new_ips(1)[0]
        ev = _payment(world, account, t, usual * rng.uniform(8, 20), merchant, device, ip)
        return [(ev, kind)]
    if kind == "impossible_travel":
        home = int(world.country[account])
        abroad = (home + int(rng.integers(1, len(COUNTRIES)))) % len(COUNTRIES)
        later = t + int(rng.integers(10, 55)) * MINUTE_MS
        first = _payment(world, account, t, usual * rng.uniform(0.5, 1.5), merchant, label="legit")
        second = _payment(
            world,
            account,
            later,
            usual * rng.uniform(1, 4),
            merchant,
            ip=world.new_ips(1)[0],
            country=abroad,
        )
        return [(first, None), (second, kind)]
    if kind == "velocity_burst":
        burst: Tagged = []
        for _ in range(int(rng.integers(8, 16))):
            t += int(rng.integers(10, 60)) * 1000
            shop = int(rng.choice(len(world.merchants), p=world.merchant_p))
            burst.append((_payment(world, account, t, usual * rng.uniform(1, 3), shop), kind))
        return burst
    raise ConfigurationError(f"unknown anomaly kind {kind!r}; expected one of {ANOMALY_KINDS}")


def _payment(
    world: World,
    account: int,
    ts: int,
    amount: float,
    merchant: int,
    device: int | None = None,
    ip: int | None = None,
    country: int | None = None,
    label: str = "fraud",
) -> Event:
    return {
        "tx_id": "",
        "ts": int(ts),
        "kind": "payment",
        "amount": round(max(amount, 0.5), 2),
        "account_id": world.ids[account],
        "merchant_id": world.merchants[merchant],
        "device_id": world.device_names()[
            int(world.devices[account, 0]) if device is None else device
        ],
        "ip": world.ip_names()[int(world.home_ip[account]) if ip is None else ip],
        "card_id": world.cards[account],
        "country": COUNTRIES[int(world.country[account]) if country is None else country],
        "label": label,
    }
