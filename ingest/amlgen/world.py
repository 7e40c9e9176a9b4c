"""The bank's customers and merchants: aged accounts, households, devices, IPs and contacts.

Cardinalities follow what a retail bank sees rather than what a detector finds convenient:
accounts opened over years (a few this month), one to four devices per person, a tablet shared
by a household, the home IP shared by a household, mobile sessions on carrier NAT addresses
that many strangers share, long-tailed contact lists and merchant popularity.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ingest.amlgen.config import DAY_MS, YEAR_MS, GenConfig

_CITIES: tuple[tuple[str, str, float, float], ...] = (
    ("US", "New York", 40.71, -74.01),
    ("US", "Chicago", 41.88, -87.63),
    ("US", "Houston", 29.76, -95.37),
    ("US", "Phoenix", 33.45, -112.07),
    ("US", "Seattle", 47.61, -122.33),
    ("US", "Atlanta", 33.75, -84.39),
    ("US", "Denver", 39.74, -104.99),
    ("US", "Boston", 42.36, -71.06),
)
_STREETS = ("Oak", "Maple", "Cedar", "Pine", "Elm", "Lake", "Hill", "Park", "Main", "River")
_CATEGORIES: tuple[tuple[str, float, float], ...] = (
    # (category, lognormal mu, sigma) of a purchase there
    ("grocery", 3.6, 0.6),
    ("restaurant", 3.2, 0.5),
    ("fuel", 3.7, 0.3),
    ("online", 3.8, 0.9),
    ("pharmacy", 3.0, 0.6),
    ("electronics", 5.2, 0.8),
    ("travel", 5.6, 0.7),
    ("utilities", 4.5, 0.4),
    ("digital", 2.3, 0.7),
)


@dataclass(slots=True)
class Customer:
    """One account (a person or a business) and what it uses."""

    id: str
    opened_at: int
    business: bool
    city: int
    phone: str
    email: str
    address: str
    home_ip: str
    devices: list[str]
    cards: list[str]
    rate: float  # background transactions per day
    household: int = -1
    contacts: list[int] = field(default_factory=list)
    contact_weights: list[float] = field(default_factory=list)
    favourites: list[int] = field(default_factory=list)
    active_from: int = 0  # no background traffic before this time (new accounts)
    role: str = "customer"  # customer, ring (new ring account), or a look-alike role


@dataclass(slots=True)
class Merchant:
    id: str
    category: int
    weight: float
    testable: bool  # small online merchant whose checkout card testers like


@dataclass
class World:
    config: GenConfig
    rng: random.Random
    customers: list[Customer]
    merchants: list[Merchant]
    merchant_weights: list[float]
    carrier_ips: list[str]
    wifi_ips: list[str]
    households: list[list[int]]
    used_ids: set[str] = field(default_factory=set)
    _next_card: int = 0

    @property
    def start(self) -> int:
        return self.config.start_ms

    @property
    def end(self) -> int:
        return self.config.start_ms + self.config.days * DAY_MS

    def new_id(self, prefix: str, digits: int) -> str:
        """A fresh random id (no order that would give away when or why it was made)."""
        while True:
            ident = f"{prefix}{self.rng.randrange(10 ** (digits - 1), 10**digits)}"
            if ident not in self.used_ids:
                self.used_ids.add(ident)
                return ident

    def new_device(self) -> str:
        return self.new_id("dv-", 10)

    def new_card(self) -> str:
        return self.new_id("card-", 12)

    def public_ip(self) -> str:
        r = self.rng
        return f"{r.choice((24, 50, 68, 73, 76, 98, 99, 107, 108, 173, 174))}.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"

    def session_ip(self, c: Customer) -> str:
        """Where a session comes from: home broadband, a carrier NAT pool, or public wifi."""
        u = self.rng.random()
        if u < 0.5:
            return c.home_ip
        if u < 0.9:
            return self.rng.choice(self.carrier_ips)
        return self.rng.choice(self.wifi_ips)

    def personal_device(self, c: Customer) -> str:
        # the first device (the phone) carries most sessions
        return c.devices[0] if self.rng.random() < 0.6 else self.rng.choice(c.devices)

    def add_customer(
        self,
        opened_at: int,
        *,
        business: bool = False,
        active_from: int | None = None,
        role: str = "customer",
    ) -> int:
        """A new account with its own identity, devices and contacts; returns its index."""
        c = self._make(opened_at, business)
        c.active_from = opened_at if active_from is None else active_from
        c.role = role
        self.customers.append(c)
        idx = len(self.customers) - 1
        self._wire_contacts(idx, self.rng)
        return idx

    def _make(self, opened_at: int, business: bool) -> Customer:
        r = self.rng
        city = r.randrange(len(_CITIES))
        ident = self.new_id("AC", 9)
        first = ident[-6:]
        n_dev = r.choices((1, 2, 3, 4), (0.35, 0.35, 0.2, 0.1))[0]
        rate = self.config.tx_per_account_per_day * r.lognormvariate(0, 0.8) / 1.377
        return Customer(
            id=ident,
            opened_at=opened_at,
            business=business,
            city=city,
            phone=f"+1{r.randrange(201, 990)}{r.randrange(1_000_000, 9_999_999)}",
            email=f"{'shop' if business else 'user'}{first}@{r.choice(('mail.com', 'inbox.net', 'post.org', 'webmail.io'))}",
            address=f"{r.randrange(1, 9999)} {r.choice(_STREETS)} St, {_CITIES[city][1]}",
            home_ip=self.public_ip(),
            devices=[self.new_device() for _ in range(n_dev)],
            cards=[self.new_card() for _ in range(r.choices((1, 2), (0.7, 0.3))[0])],
            rate=rate * (3.0 if business else 1.0),
        )

    def _wire_contacts(self, idx: int, r: random.Random) -> None:
        """Long-tailed contacts, chosen with preference for sociable people."""
        c = self.customers[idx]
        k = min(int(r.paretovariate(1.3)), 60)
        pool = len(self.customers)
        chosen: set[int] = set(c.contacts)
        for _ in range(k):
            # preferential: low indices of a shuffled "sociability" order are popular
            j = min(int((r.paretovariate(0.9) - 1) * pool / 40), pool - 1)
            j = (j * 7919 + 13) % pool
            if j != idx:
                chosen.add(j)
        c.contacts = sorted(chosen)
        c.contact_weights = [1.0 / (i + 1) ** 1.1 for i in range(len(c.contacts))]
        r.shuffle(c.contact_weights)
        cats = len(self.merchants)
        c.favourites = [self._pick_merchant(r) for _ in range(r.randrange(3, 12))] if cats else []

    def _pick_merchant(self, r: random.Random) -> int:
        return r.choices(range(len(self.merchants)), cum_weights=self.merchant_weights)[0]

    def pick_merchant(self) -> int:
        return self._pick_merchant(self.rng)

    def purchase_amount(self, m: Merchant) -> float:
        _, mu, sigma = _CATEGORIES[m.category]
        return round(max(0.5, self.rng.lognormvariate(mu, sigma)), 2)

    def location(self, c: Customer) -> tuple[str, str, float, float]:
        return _CITIES[c.city]

    def merchant_category(self, name: str) -> list[int]:
        want = [i for i, (cat, _, _) in enumerate(_CATEGORIES) if cat == name][0]
        return [i for i, m in enumerate(self.merchants) if m.category == want]


def build_world(config: GenConfig, rng: random.Random) -> World:
    """Customers opened over the years before the window (a few inside it), in households."""
    world = World(config, rng, [], [], [], [], [], [])
    world.carrier_ips = [world.public_ip() for _ in range(max(200, config.accounts // 6))]
    world.wifi_ips = [world.public_ip() for _ in range(max(50, config.accounts // 40))]
    for i in range(config.merchants):
        cat = rng.choices(range(len(_CATEGORIES)), (30, 25, 10, 20, 8, 4, 3, 5, 6))[0]
        weight = 1.0 / (i + 1) ** 1.05  # Zipf: a few merchants everybody pays
        testable = _CATEGORIES[cat][0] in ("online", "digital") and i > config.merchants // 20
        world.merchants.append(Merchant(world.new_id("MR", 7), cat, weight, testable))
    cum = 0.0
    for m in world.merchants:
        cum += m.weight
        world.merchant_weights.append(cum)
    for _ in range(config.accounts):
        c = world._make(_opened_before(world, rng), rng.random() < 0.04)
        world.customers.append(c)
    _households(world, rng)
    for idx in range(len(world.customers)):
        world._wire_contacts(idx, rng)
    for members in world.households:  # family members are each other's contacts
        for a in members:
            c = world.customers[a]
            extra = [b for b in members if b != a and b not in c.contacts]
            c.contacts += extra
            c.contact_weights += [2.0] * len(extra)
    return world


def _opened_before(world: World, rng: random.Random) -> int:
    """Most accounts are years old; about 3% opened during the window, 5% in the last 3 months."""
    u = rng.random()
    if u < 0.03:
        return world.start + int(rng.random() * (world.config.days - 1) * DAY_MS)
    if u < 0.08:
        return world.start - int(rng.uniform(1, 90) * DAY_MS)
    return world.start - int(min(rng.lognormvariate(1.4, 0.8), 30.0) * YEAR_MS)


def _households(world: World, rng: random.Random) -> None:
    """About 35% of people live with others: same address and home IP; 40% share a device."""
    people = [i for i, c in enumerate(world.customers) if not c.business]
    rng.shuffle(people)
    pos = 0
    while pos < len(people) * 0.35:
        size = rng.choices((2, 3, 4, 5), (0.5, 0.3, 0.15, 0.05))[0]
        members = people[pos : pos + size]
        pos += size
        if len(members) < 2:
            break
        head = world.customers[members[0]]
        shared = world.new_device() if rng.random() < 0.4 else None
        for m in members:
            c = world.customers[m]
            c.household = len(world.households)
            c.address, c.home_ip, c.city = head.address, head.home_ip, head.city
            if shared is not None:
                c.devices.append(shared)
        world.households.append(members)
