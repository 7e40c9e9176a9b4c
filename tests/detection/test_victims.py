"""Camouflaged rings and look-alikes on a small planted graph in a real FalkorDB: victims kept
apart from members, long-standing accounts that act as a ring still found, look-alikes low."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from core.events import parse_event
from core.settings import Settings
from detection.run import run_detection
from gnn.export import read_verdicts
from graph.falkordb_store import FalkorStore

DAY, HOUR, MINUTE = 86_400_000, 3_600_000, 60_000
T0 = 1_750_000_000_000
SALT = "test-salt"
OLD = T0 - 900 * DAY  # long-standing customers


class World:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.rng = random.Random(5)
        self.n = 0

    def account(self, acc: str, opened: int = OLD, **extra: Any) -> None:
        self.events.append({"event": "account", "account_id": acc, "opened_at": opened, **extra})

    def tx(self, ts: int, kind: str, amount: float, acc: str, **extra: Any) -> None:
        self.n += 1
        extra.setdefault("device_id", f"dev-{acc}")
        extra.setdefault("ip", f"ip-{acc}")
        if kind == "withdrawal":
            extra.pop("device_id"), extra.pop("ip")
        self.events.append(
            {
                "tx_id": f"t{self.n}",
                "ts": ts,
                "kind": kind,
                "amount": round(amount, 2),
                "account_id": acc,
                **extra,
            }
        )

    def transfer(self, ts: int, amount: float, src: str, dst: str, **extra: Any) -> None:
        self.tx(ts, "transfer", amount, src, counterparty_id=dst, **extra)

    def ordinary_life(self, acc: str, n: int = 12) -> None:
        """Card payments and small transfers over 25 days from the account's own device."""
        for _ in range(n):
            ts = T0 + self.rng.randrange(25 * DAY)
            self.tx(
                ts,
                "payment",
                self.rng.uniform(8, 120),
                acc,
                merchant_id=f"shop-{self.rng.randrange(30)}",
            )


def _background(w: World) -> list[str]:
    accounts = [f"bg-{i}" for i in range(120)]
    for a in accounts:
        w.account(a)
    for _ in range(1500):
        a, b = w.rng.sample(accounts, 2)
        w.transfer(T0 + w.rng.randrange(25 * DAY), w.rng.uniform(5, 500), a, b)
    for _ in range(30):  # a household of three sharing a tablet, sending money back and forth
        a, b = w.rng.sample(accounts[:3], 2)
        w.transfer(T0 + w.rng.randrange(25 * DAY), 50.0, a, b, device_id="tablet-1")
    return accounts


def _customers(w: World, prefix: str, n: int) -> list[str]:
    out = [f"{prefix}-{k}" for k in range(n)]
    for c in out:
        w.account(c, OLD + w.rng.randrange(300) * DAY)
        w.ordinary_life(c)
    return out


def _mule_with_victims(
    w: World, mule: str, exits: list[str], victims: list[str], recruited: list[str], day: int
) -> None:
    """An established mule collects one-off payments from ordinary customers (victims) and from
    recruited established accounts that pass on cash deposited just before, then forwards
    about what came in to its exits, who take it out in cash."""
    for a in [mule, *exits]:
        w.account(a)
        w.ordinary_life(a)
    t, total = T0 + day * DAY, 0.0
    for v in victims:
        t += w.rng.randrange(20, 70) * MINUTE
        amount = w.rng.uniform(250, 2400)
        w.transfer(t, amount, v, mule)
        total += amount
    for r in recruited:
        w.account(r)
        w.ordinary_life(r)
        t += w.rng.randrange(20, 70) * MINUTE
        amount = w.rng.uniform(1500, 3000)
        w.tx(t - 2 * HOUR, "deposit", amount, r)
        w.transfer(t, amount * 0.97, r, mule)
        total += amount * 0.97
    t += 2 * HOUR
    for x in exits:
        w.transfer(t, total * 0.95 / len(exits), mule, x)
        w.tx(t + HOUR, "withdrawal", total * 0.9 / len(exits), x)
        t += 10 * MINUTE


def _card_testers(w: World, crew: list[str], ip: str, device: str | None, day: int) -> None:
    """Aged accounts fire bursts of tiny payments at two small merchants."""
    t = T0 + day * DAY
    for acc in crew:
        if not any(e.get("account_id") == acc and e.get("event") for e in w.events):
            w.account(acc)
            w.ordinary_life(acc)
        for k in range(12):
            t += w.rng.randrange(5, 120) * 1000
            w.tx(
                t,
                "payment",
                w.rng.uniform(0.5, 3.0),
                acc,
                merchant_id=f"tiny-shop-{k % 2}",
                device_id=device or f"dev-{acc}",
                ip=ip,
            )
        t += 20 * MINUTE


def _look_alikes(w: World, bg: list[str]) -> None:
    # payroll: an employer pays eight staff on one morning, far more than it received
    w.account("employer")
    w.transfer(T0 + 9 * DAY, 3_000.0, bg[50], "employer")
    for k, staff in enumerate(bg[60:68]):
        w.transfer(T0 + 10 * DAY + k * MINUTE, 2_500.0, "employer", staff)
    # a small business: repeat customers all month, a supplier paid twice
    w.account("biz")
    w.account("supplier")
    for _ in range(40):
        w.transfer(
            T0 + w.rng.randrange(25 * DAY), w.rng.uniform(20, 200), w.rng.choice(bg[70:85]), "biz"
        )
    for d in (12, 19):
        w.transfer(T0 + d * DAY, 1_500.0, "biz", "supplier")


def _herded(w: World) -> None:
    """Long-standing accounts at four addresses moving everyday sums among themselves, all from
    one phone; and a household of three at one address sharing a tablet the same way."""
    for k in range(4):
        w.account(f"herd-{k}", address=f"{k + 1} Elm Street, Springfield")
        w.ordinary_life(f"herd-{k}")
    for k in range(3):
        w.account(f"hh-{k}", address="9 Oak Road, Springfield")
        w.ordinary_life(f"hh-{k}")
    for n in range(8):
        t = T0 + (5 + 2 * n) * DAY
        w.transfer(
            t,
            w.rng.uniform(40, 300),
            f"herd-{n % 4}",
            f"herd-{(n + 1) % 4}",
            device_id="herder-phone",
        )
        w.transfer(
            t, w.rng.uniform(40, 300), f"hh-{n % 3}", f"hh-{(n + 1) % 3}", device_id="family-tablet"
        )


@pytest.fixture
def planted(store: FalkorStore) -> FalkorStore:
    w = World()
    bg = _background(w)
    victims = _customers(w, "cust", 14)
    _mule_with_victims(w, "mule-a", ["exit-a1", "exit-a2"], victims[:8], [], day=15)
    _mule_with_victims(w, "mule-b", ["exit-b1"], victims[8:], ["rec-0", "rec-1", "rec-2"], day=17)
    _card_testers(w, ["ct-0", "ct-1", "ct-2", "ct-3"], "ip-proxy-1", None, day=12)
    _card_testers(w, ["cx-0", "cx-1", "cx-2"], "ip-x", "dev-x", day=20)
    _card_testers(w, ["cy-0", "cy-1", "cy-2"], "ip-y", "dev-y", day=20)
    _look_alikes(w, bg)
    _herded(w)
    parsed = [parse_event(e, SALT) for e in w.events]
    for start in range(0, len(parsed), 500):
        store.apply_batch(parsed[start : start + 500])
    return store


def _rings(store: FalkorStore) -> dict[str, tuple[float, set[str], set[str]]]:
    rows = store.graph.ro_query(
        "MATCH (r:Ring) OPTIONAL MATCH (r)-[:MEMBER]->(a:Account) "
        "OPTIONAL MATCH (r)-[:INVOLVES]->(v:Account) "
        "RETURN r.id, r.score, collect(DISTINCT a.id), collect(DISTINCT v.id), r.size"
    ).result_set
    for _rid, _s, members, _v, size in rows:
        assert size == len(members), "victims are not counted in a ring's size"
    return {rid: (score, set(m), set(v)) for rid, score, m, v, _ in rows}


def _ring_with(rings: dict[str, tuple[float, set[str], set[str]]], accs: set[str]) -> str:
    [rid] = [rid for rid, (_, m, _v) in rings.items() if accs <= m]
    return rid


def test_victims_are_kept_apart_and_camouflaged_rings_found(
    planted: FalkorStore, data_dir: Path
) -> None:
    settings = Settings(data_dir=data_dir, graph=planted.graph_name)
    run_detection(settings, planted)
    rings = _rings(planted)
    summary = {rid: (s, sorted(m)) for rid, (s, m, _) in rings.items()}
    # a mule whose payers are ordinary customers with a one-off payment: they are victims
    a = _ring_with(rings, {"mule-a", "exit-a1", "exit-a2"})
    score, members, victims = rings[a]
    assert not any(m.startswith("cust-") for m in members), summary
    assert {f"cust-{k}" for k in range(8)} <= victims
    assert score >= 50, summary
    # recruited long-standing feeders pass cash straight through: members; the others victims
    b = _ring_with(rings, {"mule-b", "exit-b1", "rec-0", "rec-1", "rec-2"})
    assert not any(m.startswith("cust-") for m in rings[b][1])
    assert {f"cust-{k}" for k in range(8, 14)} <= rings[b][2]
    # card testing from aged accounts on their own devices is still card testing
    ct = _ring_with(rings, {"ct-0", "ct-1", "ct-2", "ct-3"})
    assert rings[ct][0] >= 50, summary
    # two crews on different devices at the same shops are two rings
    x, y = _ring_with(rings, {"cx-0", "cx-1", "cx-2"}), _ring_with(rings, {"cy-0", "cy-1", "cy-2"})
    assert x != y
    # old accounts at four addresses worked from one phone are a ring; a household is not
    herd = _ring_with(rings, {f"herd-{k}" for k in range(4)})
    assert rings[herd][0] >= 50, summary
    assert not any({"hh-0", "hh-1", "hh-2"} <= m for _, m, _ in rings.values()), summary
    # look-alikes stay low: household, payroll, small business
    for s, m, _ in rings.values():
        assert not ({"bg-0", "bg-1", "bg-2"} <= m), ("household", s, sorted(m))
        assert not ({"employer", "biz"} & m), ("payroll / small business", s, sorted(m))
    # a second run on unchanged data keeps every ring, its victims and raises nothing
    again = run_detection(settings, planted)
    assert _rings(planted) == rings
    assert again.rings_new == 0 and again.alerts == 0


def test_a_confirmed_ring_labels_its_members_never_its_victims(
    planted: FalkorStore, data_dir: Path
) -> None:
    run_detection(Settings(data_dir=data_dir, graph=planted.graph_name), planted)
    rings = _rings(planted)
    rid = _ring_with(rings, {"mule-a", "exit-a1", "exit-a2"})
    planted.graph.query(
        "MATCH (r:Ring {id: $id}) CREATE (:Verdict {id: 'v1', target_type: 'ring', "
        "target_id: $id, verdict: 'confirmed_fraud', at: 1})",
        {"id": rid},
    )
    labels = read_verdicts(planted)
    assert labels.keys() == rings[rid][1] and set(labels.values()) == {1}
    assert not labels.keys() & rings[rid][2]
