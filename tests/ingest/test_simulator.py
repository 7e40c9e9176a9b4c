"""The traffic simulator: deterministic, contract-valid, with every typology, look-alike and
anomaly it promises, at the configured rates."""

from __future__ import annotations

import itertools
import statistics
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis
from typer.testing import CliRunner

from core.errors import ConfigurationError
from core.events import AccountEvent, TransactionEvent, parse_event
from graph.embedded import EmbeddedFalkorDB
from ingest.simulator import (
    ANOMALY_KINDS,
    TYPOLOGIES,
    SimConfig,
    Simulation,
    live_events,
    simulate,
    write_dataset,
)

SALT = "test-salt"
START = 1_767_225_600_000  # 2026-01-01T00:00:00Z
HOUR = 3_600_000
CONFIG = SimConfig(accounts=2000, days=30, seed=11, start_ms=START)


@pytest.fixture(scope="module")
def sim() -> Simulation:
    return simulate(CONFIG)


@pytest.fixture(scope="module")
def by_account(sim: Simulation) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for ev in sim.transactions:
        out[ev["account_id"]].append(ev)
    return out


def ring_events(sim: Simulation, members: list[str]) -> list[dict[str, Any]]:
    """Fraud-labelled events whose sender is a member (labelled rings only)."""
    inside = set(members)
    return [e for e in sim.transactions if e.get("label") == "fraud" and e["account_id"] in inside]


def rings_of(sim: Simulation, kind: str, labelled: bool = True) -> list[dict[str, Any]]:
    return [
        r for r in sim.truth["rings"].values() if r["kind"] == kind and r["labelled"] == labelled
    ]


def test_same_seed_same_data_and_another_seed_other_data() -> None:
    small = SimConfig(accounts=800, days=6, seed=3, start_ms=START, rings_per_typology=1)
    a, b = simulate(small), simulate(small)
    assert a.transactions == b.transactions and a.accounts == b.accounts and a.truth == b.truth
    c = simulate(SimConfig(accounts=800, days=6, seed=4, start_ms=START, rings_per_typology=1))
    assert c.transactions[:50] != a.transactions[:50]
    assert {e["tx_id"] for e in c.transactions}.isdisjoint(e["tx_id"] for e in a.transactions)


def test_every_event_passes_the_contract(sim: Simulation) -> None:
    for raw in sim.accounts:
        assert isinstance(parse_event(raw, SALT), AccountEvent)
    parsed = [parse_event(raw, SALT) for raw in sim.transactions]
    assert all(isinstance(e, TransactionEvent) for e in parsed)
    assert [e.ts for e in parsed] == [raw["ts"] for raw in sim.transactions]
    assert len(sim.accounts) == CONFIG.accounts


def test_sorted_unique_within_window(sim: Simulation) -> None:
    ts = [e["ts"] for e in sim.transactions]
    assert ts == sorted(ts)
    assert len({e["tx_id"] for e in sim.transactions}) == len(sim.transactions)
    assert ts[0] >= START and ts[-1] < START + (CONFIG.days + 1) * 24 * HOUR


def _ordinary_per_account_day(sim: Simulation, config: SimConfig) -> float:
    """Legit events per account per day, over accounts outside unlabelled rings."""
    hidden = sum(len(r["members"]) for r in sim.truth["rings"].values() if not r["labelled"])
    legit = sum(1 for e in sim.transactions if e.get("label") == "legit")
    return legit / ((config.accounts - hidden) * config.days)


def test_rate_roughly_as_configured(sim: Simulation) -> None:
    assert 0.85 * 1.5 < _ordinary_per_account_day(sim, CONFIG) < 1.15 * 1.5
    slow = SimConfig(
        accounts=800,
        days=5,
        seed=1,
        start_ms=START,
        rings_per_typology=1,
        tx_per_account_per_day=0.5,
    )
    assert 0.8 * 0.5 < _ordinary_per_account_day(simulate(slow), slow) < 1.2 * 0.5


@pytest.mark.parametrize("kind", TYPOLOGIES)
def test_each_typology_planted_with_members(sim: Simulation, kind: str) -> None:
    rings = [r for r in sim.truth["rings"].values() if r["kind"] == kind]
    assert len(rings) == CONFIG.rings_per_typology
    account_ids = {a["account_id"] for a in sim.accounts}
    for ring in rings:
        assert 4 <= len(ring["members"]) <= 12
        assert set(ring["members"]) <= account_ids
    for ring in rings_of(sim, kind):
        senders = {e["account_id"] for e in ring_events(sim, ring["members"])}
        receivers = {e.get("counterparty_id") for e in ring_events(sim, ring["members"])}
        assert set(ring["members"]) <= senders | receivers, ring


def test_rings_are_disjoint_and_a_share_unlabelled(sim: Simulation) -> None:
    rings = list(sim.truth["rings"].values())
    members = [m for r in rings for m in r["members"]]
    assert len(members) == len(set(members))
    unlabelled = [r for r in rings if not r["labelled"]]
    assert len(unlabelled) == len(TYPOLOGIES)  # round(0.3 * 3) per typology
    hidden = {m for r in unlabelled for m in r["members"]}
    for e in sim.transactions:
        if e["account_id"] in hidden or e.get("counterparty_id") in hidden:
            assert "label" not in e


def test_cycles_return_to_origin_within_hours_shrinking(sim: Simulation) -> None:
    for ring in rings_of(sim, "cycle"):
        transfers = [e for e in ring_events(sim, ring["members"]) if e["kind"] == "transfer"]
        origin = transfers[0]["account_id"]
        path = [transfers[0]]
        for e in transfers[1:]:
            if e["account_id"] == path[-1]["counterparty_id"]:
                path.append(e)
            if path[-1]["counterparty_id"] == origin:
                break
        assert path[-1]["counterparty_id"] == origin
        assert 3 <= len(path) <= 6
        assert path[-1]["ts"] - path[0]["ts"] < 6 * HOUR
        amounts = [e["amount"] for e in path]
        assert amounts == sorted(amounts, reverse=True) and amounts[-1] > 0.7 * amounts[0]


def _fan(events: list[dict[str, Any]], direction: str) -> Counter[str]:
    """Distinct partners per account among transfers: 'in' by receiver, 'out' by sender."""
    pairs = {(e["account_id"], e["counterparty_id"]) for e in events if e["kind"] == "transfer"}
    return Counter(b if direction == "in" else a for a, b in pairs)


def test_fan_in_fan_out_and_layering_shapes(sim: Simulation) -> None:
    for ring in rings_of(sim, "mule_fan_in"):
        events = ring_events(sim, ring["members"])
        assert max(_fan(events, "in").values()) >= 2
        assert any(e["kind"] == "withdrawal" for e in events)
    for ring in rings_of(sim, "fan_out"):
        events = ring_events(sim, ring["members"])
        assert max(_fan(events, "out").values()) == len(ring["members"]) - 1
        assert all(800 <= e["amount"] < 1000 for e in events if e["kind"] == "transfer")
    for kind in ("scatter_gather", "gather_scatter"):
        for ring in rings_of(sim, kind):
            events = ring_events(sim, ring["members"])
            assert max(_fan(events, "in").values()) >= 2
            assert max(_fan(events, "out").values()) >= 1


def test_shared_identity_and_takeover_rings_share_things(sim: Simulation) -> None:
    accounts = {a["account_id"]: parse_event(a, SALT) for a in sim.accounts}
    for ring in rings_of(sim, "synthetic_identity"):
        idents = [accounts[m] for m in ring["members"]]
        assert len({a.address for a in idents}) == 1  # written differently, hashed alike
        assert max(Counter(a.phone for a in idents).values()) >= 2
        opened = [a.opened_at or 0 for a in idents]
        assert max(opened) - min(opened) < 7 * 24 * HOUR
        devices = {e["device_id"] for e in ring_events(sim, ring["members"]) if "device_id" in e}
        assert len(devices) <= 2
    for ring in rings_of(sim, "account_takeover"):
        events = ring_events(sim, ring["members"])
        assert len({e["device_id"] for e in events if "device_id" in e}) == 1
        assert len({e["account_id"] for e in events if e["kind"] == "transfer"}) >= 3


def test_card_testing_and_refund_abuse(sim: Simulation) -> None:
    for ring in rings_of(sim, "card_testing"):
        events = ring_events(sim, ring["members"])
        tiny = [e for e in events if e["amount"] < 5]
        assert len(tiny) >= 15 * len(ring["members"])
        assert len({e["merchant_id"] for e in tiny}) <= 3
        assert len({e["card_id"] for e in tiny}) == len(tiny)
    for ring in rings_of(sim, "refund_abuse"):
        for member in ring["members"]:
            refunds = [e for e in ring_events(sim, [member]) if e["kind"] == "refund"]
            assert len({e["merchant_id"] for e in refunds}) >= 3


def test_look_alikes_are_present_and_legit(sim: Simulation) -> None:
    legit = [e for e in sim.transactions if e.get("label") == "legit"]
    users: dict[str, set[str]] = defaultdict(set)
    ip_users: dict[str, set[str]] = defaultdict(set)
    merchant_users: dict[str, set[str]] = defaultdict(set)
    for e in legit:
        if "device_id" in e:
            users[e["device_id"]].add(e["account_id"])
            ip_users[e["ip"]].add(e["account_id"])
        if "merchant_id" in e:
            merchant_users[e["merchant_id"]].add(e["account_id"])
    households = [d for d, a in users.items() if 2 <= len(a) <= 4]
    assert len(households) >= 100
    assert max(len(a) for a in ip_users.values()) >= 50  # public Wi-Fi
    assert max(len(a) for a in merchant_users.values()) >= 0.2 * CONFIG.accounts
    transfers = {(e["account_id"], e["counterparty_id"]) for e in legit if e["kind"] == "transfer"}
    assert sum(1 for a, b in transfers if (b, a) in transfers) >= 100  # family back and forth
    per_day = Counter(
        (e["account_id"], e["ts"] // (24 * HOUR)) for e in legit if e["kind"] == "transfer"
    )
    assert sum(1 for n in per_day.values() if n >= 20) >= 3  # payroll fan-out


def test_anomalies_are_what_they_claim(
    sim: Simulation, by_account: dict[str, list[dict[str, Any]]]
) -> None:
    by_id = {e["tx_id"]: e for e in sim.transactions}
    anomalies = sim.truth["anomalies"]
    assert set(anomalies.values()) == set(ANOMALY_KINDS)
    for tx_id, kind in anomalies.items():
        e = by_id[tx_id]
        assert e["label"] == "fraud"
        history = [h for h in by_account[e["account_id"]] if h["ts"] < e["ts"]]
        paid = [h["amount"] for h in history if h["kind"] == "payment"]
        usual = statistics.median(paid) / (1 if len(paid) >= 8 else 2)  # few samples: noisy
        if kind == "amount_spike":
            assert e["amount"] > 10 * usual
        elif kind == "new_device_high_value":
            assert e["device_id"] not in {h.get("device_id") for h in history}
            assert e["amount"] > 3 * usual
        elif kind == "impossible_travel":
            recent = [h for h in history if h["ts"] > e["ts"] - HOUR]
            assert any(h["country"] != e["country"] for h in recent)
        else:
            burst = [h for h in by_account[e["account_id"]] if abs(h["ts"] - e["ts"]) < 10 * 60_000]
            assert len(burst) >= 8


def test_write_dataset_round_trips(sim: Simulation, tmp_path: Path) -> None:
    write_dataset(sim, tmp_path / "out")
    lines = (tmp_path / "out" / "transactions.jsonl").read_bytes().splitlines()
    assert len(lines) == len(sim.transactions)
    assert orjson.loads(lines[-1]) == sim.transactions[-1]
    assert len((tmp_path / "out" / "accounts.jsonl").read_bytes().splitlines()) == 2000
    assert orjson.loads((tmp_path / "out" / "truth.json").read_bytes()) == sim.truth


def test_too_few_accounts_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="accounts=100"):
        simulate(SimConfig(accounts=100))


def test_live_events_are_current_valid_and_include_fraud() -> None:
    config = SimConfig(accounts=800, seed=5, rings_per_typology=1)
    events = list(itertools.islice(live_events(config, rate=10), 3000))
    parsed = [parse_event(e, SALT) for e in events]
    txs = [e for e in parsed if isinstance(e, TransactionEvent)]
    announced: set[str] = set()
    for e in parsed:
        if isinstance(e, AccountEvent):
            announced.add(e.account_id)
        else:
            assert e.account_id in announced
    assert len({e.tx_id for e in txs}) == len(txs)
    assert [e.ts for e in txs] == sorted(e.ts for e in txs)
    assert abs(txs[-1].ts - txs[0].ts) < 60_000
    assert sum(1 for e in txs if e.label == "fraud") >= 5


@pytest.fixture
def stream_name(falkordb: EmbeddedFalkorDB) -> Iterator[str]:
    name = f"test-tx-{uuid.uuid4().hex[:8]}"
    yield name
    client = redis.Redis.from_url(falkordb.url)
    client.delete(name)
    client.close()


def test_cli_writes_files_and_streams(
    falkordb: EmbeddedFalkorDB, stream_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer

    from ringscope.commands.simulate import register

    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # keeps "simulate" a named subcommand
    runner = CliRunner()
    args = ["simulate", "--out", str(tmp_path), "--accounts", "800", "--days", "3", "--rings", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "truth.json").exists() and (tmp_path / "transactions.jsonl").stat().st_size

    monkeypatch.setenv("RINGSCOPE_STREAM", stream_name)
    args = [
        "simulate",
        "--stream",
        "--rate",
        "2000",
        "--limit",
        "300",
        "--url",
        falkordb.url,
        "--accounts",
        "800",
        "--rings",
        "1",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    client = redis.Redis.from_url(falkordb.url)
    entries = client.xrange(stream_name)
    client.close()
    assert len(entries) == 300
    for _, fields in entries:
        parse_event(fields[b"event"], SALT)


def test_every_look_alike_is_listed_legit_and_apart_from_rings(sim: Simulation) -> None:
    looks = sim.truth["lookalikes"]
    kinds = Counter(lk["kind"] for lk in looks.values())
    assert set(kinds) == {
        "household",
        "payroll",
        "small_business",
        "savings_club",
        "rent_collection",
    }
    ring_members = {m for r in sim.truth["rings"].values() for m in r["members"]}
    for lk in looks.values():
        if lk["kind"] != "payroll":  # an employee may also be a recruited mule
            assert not ring_members & set(lk["members"]), lk
    transfers: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for e in sim.transactions:
        if e["kind"] == "transfer":
            transfers[(e["account_id"], e["counterparty_id"])].append(e)
    pots = 0
    for lk in looks.values():
        hub, *rest = lk["members"]
        if lk["kind"] == "small_business":
            payers = {a for (a, b) in transfers if b == hub and a in rest}
            paid = {b for (a, b) in transfers if a == hub}
            assert len(payers) >= 10 and len(paid) >= 3  # many customers in, a few suppliers out
        elif lk["kind"] == "savings_club":
            shares = {e["amount"] for m in rest for e in transfers[(m, hub)]}
            assert len(shares) == 1  # every member pays the same share
            pot = shares.pop() * len(lk["members"])
            pots += sum(e["amount"] == pot for m in rest for e in transfers[(hub, m)])
        elif lk["kind"] == "rent_collection":
            tenants = [m for m in rest if transfers[(m, hub)]]
            assert len(tenants) >= 4
            assert all(len({e["amount"] for e in transfers[(t, hub)]}) == 1 for t in tenants)
    assert pots >= 1  # the whole pot goes to one member in turn
    assert all(
        e.get("label") != "fraud"
        for es in transfers.values()
        for e in es
        if any(
            {e["account_id"], e["counterparty_id"]} <= set(lk["members"])
            for lk in looks.values()
            if lk["kind"] != "payroll"
        )
    )
