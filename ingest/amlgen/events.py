"""Building contract events (DESIGN.md's transaction event) from one world's parts."""

from __future__ import annotations

from datetime import UTC, datetime

from ingest.amlgen.config import DAY_MS, HOUR_MS, Event
from ingest.amlgen.world import Customer, World

# Share of a day's activity by hour: quiet at night, busy at lunch and in the evening.
_HOURS = (1, 0.5, 0.3, 0.3, 0.4, 1, 2, 4, 5, 5, 6, 7, 8, 7, 6, 6, 6, 7, 8, 8, 7, 5, 3, 2)


def iso(ms: int) -> str:
    """ISO-8601 with a zone, as a bank's export writes it (the contract takes both forms)."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def day_time(world: World, day_start: int) -> int:
    """A moment in the day starting at ``day_start``, following the daily rhythm."""
    hour = world.rng.choices(range(24), _HOURS)[0]
    return day_start + hour * HOUR_MS + world.rng.randrange(HOUR_MS)


def clamp(world: World, ts: int) -> int:
    return max(world.start, min(ts, world.end - 1))


def transfer(
    world: World,
    src: Customer,
    dst: Customer,
    amount: float,
    ts: int,
    *,
    device: str | None = None,
    ip: str | None = None,
) -> Event:
    country, city, lat, lon = world.location(src)
    return {
        "ts": clamp(world, ts),
        "kind": "transfer",
        "amount": round(max(amount, 0.01), 2),
        "currency": "USD",
        "account_id": src.id,
        "counterparty_id": dst.id,
        "device_id": device or world.personal_device(src),
        "ip": ip or world.session_ip(src),
        "country": country,
        "city": city,
    }


def payment(
    world: World,
    src: Customer,
    merchant: int,
    amount: float,
    ts: int,
    *,
    device: str | None = None,
    ip: str | None = None,
    card: str | None = None,
    kind: str = "payment",
) -> Event:
    country, city, lat, lon = world.location(src)
    return {
        "ts": clamp(world, ts),
        "kind": kind,
        "amount": round(max(amount, 0.01), 2),
        "currency": "USD",
        "account_id": src.id,
        "merchant_id": world.merchants[merchant].id,
        "device_id": device or world.personal_device(src),
        "ip": ip or world.session_ip(src),
        "card_id": card or world.rng.choice(src.cards),
        "country": country,
        "city": city,
        "lat": round(lat + world.rng.uniform(-0.05, 0.05), 4),
        "lon": round(lon + world.rng.uniform(-0.05, 0.05), 4),
    }


def cash(world: World, c: Customer, kind: str, amount: float, ts: int) -> Event:
    """A withdrawal or deposit at a branch or ATM: no device, no IP."""
    country, city, _, _ = world.location(c)
    return {
        "ts": clamp(world, ts),
        "kind": kind,
        "amount": round(max(amount, 0.01), 2),
        "currency": "USD",
        "account_id": c.id,
        "country": country,
        "city": city,
    }


def days_of(world: World) -> range:
    return range(world.start, world.end, DAY_MS)
