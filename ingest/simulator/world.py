"""The simulated population: accounts with habits, households, families, employers, merchants.

Everything is held as numpy arrays indexed by account number so that background traffic for a
hundred thousand accounts can be drawn in a few vectorised steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ingest.simulator.config import DAY_MS, Event, SimConfig

COUNTRIES = ("US", "GB", "DE", "FR", "CA", "MX", "IN", "BR", "NG", "AU")
COUNTRY_WEIGHTS = np.array([50, 10, 8, 7, 6, 5, 5, 4, 3, 2], dtype=float) / 100
FIRST = tuple("alex sam maria li omar anna john fatima lucas mei raj eva".split())
LAST = ("smith", "garcia", "chen", "okafor", "muller", "silva", "khan", "martin", "kim", "rossi")
DOMAINS = ("mail.example", "post.example", "inbox.example", "web.example")
STREETS = ("Elm", "Oak", "Maple", "Cedar", "Pine", "Birch", "Walnut", "Chestnut", "Willow", "Ash")
CITIES = ("Springfield", "Riverton", "Lakeside", "Fairview", "Greenville", "Kingston")


def device_name(i: int) -> str:
    """Unique, random-looking device id for device number ``i`` (a bijection mod 2**40)."""
    return f"dev-{(i * 0x9E3779B97 + 0x5DEECE66D) % (1 << 40):010x}"


def ip_name(i: int) -> str:
    """Unique, random-looking IPv4 address for IP number ``i`` (a bijection mod 2**32)."""
    v = (i * 0x9E3779B1 + 0x7F4A7C15) % (1 << 32)
    return f"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}"


@dataclass
class World:
    """Accounts ``0..n-1`` and the things they use. Device/IP columns hold device/IP numbers."""

    n: int
    start_ms: int
    days: int
    ids: list[str]
    country: np.ndarray  # home country index
    mu: np.ndarray  # log of usual payment amount
    rate: np.ndarray  # ordinary transactions per day
    opened_at: np.ndarray  # epoch ms
    devices: np.ndarray  # (n, 2): own phone, second or household device
    home_ip: np.ndarray
    mobile_ip: np.ndarray
    contacts: np.ndarray  # (n, 3): column 0 is family where there is some
    favourites: np.ndarray  # (n, 5) merchant numbers
    household: np.ndarray  # household number or -1
    phones: list[str]
    emails: list[str]
    addresses: list[str]
    merchants: list[str]
    merchant_p: np.ndarray  # popularity, sums to 1
    public_ips: np.ndarray  # IP numbers of public Wi-Fi hot spots
    public_p: np.ndarray
    employers: dict[int, np.ndarray] = field(default_factory=dict)  # employer -> employees
    cards: list[str] = field(default_factory=list)
    reserved: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    unlabelled: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    n_devices: int = 0
    n_ips: int = 0
    _device_names: list[str] = field(default_factory=list)
    _ip_names: list[str] = field(default_factory=list)

    def new_devices(self, k: int) -> list[int]:
        first, self.n_devices = self.n_devices, self.n_devices + k
        return list(range(first, first + k))

    def new_ips(self, k: int) -> list[int]:
        first, self.n_ips = self.n_ips, self.n_ips + k
        return list(range(first, first + k))

    def device_names(self) -> list[str]:
        """Names of every device allocated so far, by device number (cached, grows)."""
        self._device_names.extend(
            device_name(i) for i in range(len(self._device_names), self.n_devices)
        )
        return self._device_names

    def ip_names(self) -> list[str]:
        self._ip_names.extend(ip_name(i) for i in range(len(self._ip_names), self.n_ips))
        return self._ip_names

    def active_from(self) -> np.ndarray:
        """When each account starts transacting: opening time, or the start of the window."""
        return np.asarray(np.maximum(self.opened_at, self.start_ms))


def build_world(config: SimConfig, rng: np.random.Generator) -> World:
    n = config.accounts
    start = config.resolved_start_ms()
    numbers = rng.permutation(n) + 1
    n_merchants = max(50, n // 20)
    # Zipf-like popularity: a few merchants (supermarkets, app stores) are used by everyone.
    merchant_p = 1.0 / np.arange(1, n_merchants + 1) ** 0.9
    merchant_p /= merchant_p.sum()
    world = World(
        n=n,
        start_ms=start,
        days=config.days,
        ids=[f"acct-{v:07d}" for v in numbers.tolist()],
        cards=[f"card-{v:07d}" for v in numbers.tolist()],
        country=rng.choice(len(COUNTRIES), size=n, p=COUNTRY_WEIGHTS),
        mu=rng.normal(3.3, 0.6, size=n),
        rate=rng.gamma(2.0, 0.5, size=n) * config.tx_per_account_per_day,
        opened_at=start - rng.integers(60, 3650, size=n) * DAY_MS - rng.integers(0, DAY_MS, size=n),
        devices=np.zeros((n, 2), dtype=np.int64),
        home_ip=np.zeros(n, dtype=np.int64),
        mobile_ip=np.zeros(n, dtype=np.int64),
        contacts=rng.integers(0, n, size=(n, 3)),
        favourites=rng.choice(n_merchants, size=(n, 5), p=merchant_p),
        household=np.full(n, -1, dtype=np.int64),
        phones=[],
        emails=[],
        addresses=[],
        merchants=[f"merch-{i:05d}" for i in range(n_merchants)],
        merchant_p=merchant_p,
        public_ips=np.zeros(0, dtype=np.int64),
        public_p=np.zeros(0),
        reserved=np.zeros(n, dtype=bool),
        unlabelled=np.zeros(n, dtype=bool),
    )
    _give_devices_and_ips(world, rng)
    _give_identities(world, rng)
    _form_households(world, rng)
    _pair_families(world, rng)
    _hire(world, rng)
    return world


def _give_devices_and_ips(world: World, rng: np.random.Generator) -> None:
    n = world.n
    phones = np.array(world.new_devices(n))
    second = np.array(world.new_devices(n))
    has_second = rng.random(n) < 0.4
    world.devices[:, 0] = phones
    world.devices[:, 1] = np.where(has_second, second, phones)
    world.home_ip[:] = world.new_ips(n)
    world.mobile_ip[:] = world.new_ips(n)
    n_public = max(20, n // 100)
    world.public_ips = np.array(world.new_ips(n_public))
    p = 1.0 / np.arange(1, n_public + 1) ** 0.7
    world.public_p = p / p.sum()


def _give_identities(world: World, rng: np.random.Generator) -> None:
    firsts = rng.integers(0, len(FIRST), size=world.n).tolist()
    lasts = rng.integers(0, len(LAST), size=world.n).tolist()
    houses = rng.integers(1, 400, size=world.n).tolist()
    streets = rng.integers(0, len(STREETS), size=world.n).tolist()
    cities = rng.integers(0, len(CITIES), size=world.n).tolist()
    for i in range(world.n):
        first, last = FIRST[firsts[i]], LAST[lasts[i]]
        world.emails.append(f"{first}.{last}{i}@{DOMAINS[i % len(DOMAINS)]}")
        world.phones.append(f"+1 555 {(i // 10000) % 1000:03d} {i % 10000:04d}")
        world.addresses.append(
            f"{houses[i]} {STREETS[streets[i]]} Street, Apt {i % 97}, {CITIES[cities[i]]}"
        )


def _form_households(world: World, rng: np.random.Generator) -> None:
    """A quarter of accounts live in households of 2-4 sharing a device, home IP and address."""
    order = rng.permutation(world.n)
    pos, limit, number = 0, world.n // 4, 0
    while pos < limit:
        size = int(rng.integers(2, 5))
        members = order[pos : pos + size]
        pos += size
        shared_device = world.new_devices(1)[0]
        world.household[members] = number
        world.devices[members, 1] = shared_device
        world.home_ip[members] = world.home_ip[members[0]]
        world.country[members] = world.country[members[0]]
        for m in members.tolist():
            world.addresses[m] = world.addresses[int(members[0])]
            others = [int(o) for o in members if o != m]
            world.contacts[m, 0] = others[m % len(others)]
        number += 1


def _pair_families(world: World, rng: np.random.Generator) -> None:
    """Parents and grown children in other households send money back and forth."""
    loners = np.flatnonzero(world.household < 0)
    chosen = rng.permutation(loners)[: len(loners) // 5]
    a, b = chosen[0::2], chosen[1::2]
    k = min(len(a), len(b))
    world.contacts[a[:k], 0] = b[:k]
    world.contacts[b[:k], 0] = a[:k]


def _hire(world: World, rng: np.random.Generator) -> None:
    """Employers pay 20-60 employees each month (payroll fan-out, a legit look-alike)."""
    n_employers = max(2, world.n // 400)
    employers = rng.choice(world.n, size=n_employers, replace=False)
    for e in employers.tolist():
        staff = rng.choice(world.n, size=int(rng.integers(20, 61)), replace=False)
        world.employers[e] = staff[staff != e]


def account_events(world: World) -> list[Event]:
    """One account event per account, identity attributes in clear text."""
    opened = world.opened_at.tolist()
    return [
        {
            "event": "account",
            "account_id": world.ids[i],
            "opened_at": opened[i],
            "email": world.emails[i],
            "phone": world.phones[i],
            "address": world.addresses[i],
        }
        for i in range(world.n)
    ]
