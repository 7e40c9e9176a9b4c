"""The independent generator (ingest.amlgen): deterministic, contract-valid, truth consistent
with the events, victims apart from members, and camouflage that really camouflages."""

from __future__ import annotations

import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import pytest

from core.errors import ConfigurationError
from core.events import AccountEvent, TransactionEvent, parse_event, to_epoch_ms
from ingest.amlgen import ALL_TYPES, LOOKALIKES, Camouflage, GenConfig, Generated, generate, write
from ingest.amlgen.config import DAY_MS, default_patterns

SMALL = GenConfig(accounts=3000, days=21, seed=5, rings_per_type=2, lookalikes_per_kind=2)
CAMO = replace(SMALL, camouflage=Camouflage.camouflaged())


@pytest.fixture(scope="module")
def plain() -> Generated:
    return generate(SMALL)


@pytest.fixture(scope="module")
def camo() -> Generated:
    return generate(CAMO)


def _members(gen: Generated) -> set[str]:
    return {m for r in gen.truth["rings"].values() for m in r["members"]}


def test_same_seed_same_bytes_other_seed_other_data(plain: Generated) -> None:
    again = generate(SMALL)
    assert orjson.dumps(again.transactions) == orjson.dumps(plain.transactions)
    assert orjson.dumps(again.accounts) == orjson.dumps(plain.accounts)
    assert again.truth == plain.truth
    other = generate(replace(SMALL, seed=6))
    assert other.transactions[:50] != plain.transactions[:50]
    assert other.truth["rings"] != plain.truth["rings"]


def test_every_event_passes_the_contract(plain: Generated, camo: Generated) -> None:
    for gen in (plain, camo):
        for ev in gen.transactions:
            parsed = parse_event(ev, "salt")
            assert isinstance(parsed, TransactionEvent)
        for ev in gen.accounts:
            assert isinstance(parse_event(ev, "salt"), AccountEvent)
        ids = [ev["tx_id"] for ev in gen.transactions]
        assert len(set(ids)) == len(ids)
        ts = [to_epoch_ms(ev["ts"]) for ev in gen.transactions]
        assert ts == sorted(ts)
        assert SMALL.start_ms <= ts[0] and ts[-1] < SMALL.start_ms + SMALL.days * DAY_MS


def test_truth_members_and_victims_are_accounts_and_apart(
    plain: Generated, camo: Generated
) -> None:
    for gen in (plain, camo):
        accounts = {a["account_id"] for a in gen.accounts}
        rings = gen.truth["rings"]
        assert {r["kind"] for r in rings.values()} == set(ALL_TYPES)
        members = _members(gen)
        victims = set(gen.truth["victims"])
        assert members <= accounts and victims <= accounts
        assert not members & victims
        assert victims == {v for r in rings.values() for v in r["victims"]}
        # rings are disjoint: one account acts for one ring
        assert sum(len(r["members"]) for r in rings.values()) == len(members)
        legit = {a for lk in gen.truth["lookalikes"].values() for a in lk["members"]}
        assert not legit & members and not legit & victims
        assert {lk["kind"] for lk in gen.truth["lookalikes"].values()} == set(LOOKALIKES)


def test_victims_pay_a_mule_once_and_have_ordinary_history(plain: Generated) -> None:
    rings = plain.truth["rings"]
    mule_rings = [r for r in rings.values() if r["kind"] == "mule_collection"]
    assert mule_rings and all(r["victims"] for r in mule_rings)
    opened = {a["account_id"]: to_epoch_ms(a["opened_at"]) for a in plain.accounts}
    sent_to: dict[str, Counter[str]] = defaultdict(Counter)
    activity: Counter[str] = Counter()
    for ev in plain.transactions:
        activity[ev["account_id"]] += 1
        if ev["kind"] == "transfer":
            sent_to[ev["account_id"]][ev["counterparty_id"]] += 1
    for r in mule_rings:
        members = set(r["members"])
        for v in r["victims"]:
            assert sum(n for dst, n in sent_to[v].items() if dst in members) == 1
            assert opened[v] < SMALL.start_ms - 60 * DAY_MS  # an established customer
        assert statistics.median(activity[v] for v in r["victims"]) >= 5


def test_patterns_follow_amlsim_ranges(plain: Generated) -> None:
    specs = {p.type: p for p in default_patterns(SMALL.rings_per_type)}
    by_account: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for ev in plain.transactions:
        by_account[ev["account_id"]].append(ev)
    for ring in plain.truth["rings"].values():
        spec = specs[ring["kind"]]
        members = set(ring["members"])
        assert spec.min_accounts <= len(members) <= spec.max_accounts
        if ring["kind"] in ("card_testing", "mule_collection"):
            continue
        legs = [
            ev
            for m in members
            for ev in by_account[m]
            if ev["kind"] == "transfer" and ev["counterparty_id"] in members
        ]
        assert legs, ring
        times = [to_epoch_ms(ev["ts"]) for ev in legs]
        assert max(times) - min(times) <= spec.max_period * DAY_MS
        for ev in legs:  # cycles and layering keep a cut of at most a few % per leg
            assert spec.min_amount * 0.75 <= ev["amount"] <= spec.max_amount * 1.01


def test_card_testing_bursts_are_tiny_payments_at_few_merchants(plain: Generated) -> None:
    for ring in plain.truth["rings"].values():
        if ring["kind"] != "card_testing":
            continue
        tiny = [
            ev
            for ev in plain.transactions
            if ev["account_id"] in ring["members"]
            and ev["kind"] == "payment"
            and ev["amount"] <= 4.0
        ]
        assert len(tiny) >= 8 * len(ring["members"])
        assert len({ev["merchant_id"] for ev in tiny}) <= 2


def _member_age_and_history(gen: Generated) -> tuple[float, float]:
    opened = {a["account_id"]: to_epoch_ms(a["opened_at"]) for a in gen.accounts}
    members = _members(gen)
    first_ring: dict[str, int] = {}  # a member's first transaction for the ring
    for ev in gen.transactions:
        ring_tx = ev.get("counterparty_id") in members or (
            ev["kind"] == "payment" and ev["amount"] <= 4.0
        )
        for side in (ev["account_id"], ev.get("counterparty_id")):
            if ring_tx and side in members and side not in first_ring:
                first_ring[side] = to_epoch_ms(ev["ts"])
    ages = [(first_ring[m] - opened[m]) / DAY_MS for m in members if m in first_ring]
    merchants = Counter(
        ev["account_id"]
        for ev in gen.transactions
        if ev["kind"] == "payment" and ev["amount"] > 4.0
    )
    return statistics.median(ages), statistics.median(merchants[m] for m in members)


def test_camouflage_ages_members_and_gives_them_history(plain: Generated, camo: Generated) -> None:
    plain_age, plain_hist = _member_age_and_history(plain)
    camo_age, camo_hist = _member_age_and_history(camo)
    assert plain_age < 30 and camo_age > 180
    assert camo_hist >= 3 * max(plain_hist, 1)
    assert not any(r["recruited"] for r in plain.truth["rings"].values())
    recruited = sum(len(r["recruited"]) for r in camo.truth["rings"].values())
    assert 0.4 <= recruited / len(_members(camo)) <= 0.8


def test_camouflage_draws_everyday_amounts(plain: Generated, camo: Generated) -> None:
    def ring_amounts(gen: Generated) -> list[float]:
        members = _members(gen)
        return [
            ev["amount"]
            for ev in gen.transactions
            if ev["kind"] == "transfer"
            and ev["account_id"] in members
            and ev["counterparty_id"] in members
        ]

    assert statistics.median(ring_amounts(camo)) < 0.5 * statistics.median(ring_amounts(plain))


def test_background_cardinalities_look_like_a_bank(plain: Generated) -> None:
    devices: dict[str, set[str]] = defaultdict(set)
    ips: dict[str, set[str]] = defaultdict(set)
    for ev in plain.transactions:
        if ev.get("device_id"):
            devices[ev["account_id"]].add(ev["device_id"])
            ips[ev["account_id"]].add(ev["ip"])
    busy = [a for a, d in ips.items() if len(d) >= 2]
    assert statistics.median(len(ips[a]) for a in ips) >= 4  # per-session IPs
    assert sum(len(devices[a]) >= 2 for a in devices) >= 0.4 * len(devices)
    assert len(busy) > 0.6 * len(ips)
    opened = sorted(to_epoch_ms(a["opened_at"]) for a in plain.accounts)
    assert opened[len(opened) // 2] < SMALL.start_ms - 365 * DAY_MS  # aged accounts


def test_write_and_reread(plain: Generated, tmp_path: Path) -> None:
    write(plain, tmp_path)
    lines = (tmp_path / "transactions.jsonl").read_bytes().splitlines()
    assert len(lines) == len(plain.transactions)
    truth = orjson.loads((tmp_path / "truth.json").read_bytes())
    assert set(truth["rings"]) == set(plain.truth["rings"])
    assert all({"kind", "members"} <= set(r) for r in truth["rings"].values())


def test_bad_configs_are_refused() -> None:
    with pytest.raises(ConfigurationError):
        generate(replace(SMALL, accounts=300))
    with pytest.raises(ConfigurationError):
        generate(replace(SMALL, days=3))


def test_background_only_on_a_short_window() -> None:
    gen = generate(replace(SMALL, days=10, rings_per_type=0, accounts=800))
    assert gen.truth["rings"] == {} and gen.truth["victims"] == []
    assert gen.transactions and gen.truth["lookalikes"]


def test_cli_writes_a_data_set_with_the_knobs_given(tmp_path: Path) -> None:
    out = tmp_path / "camo"
    cmd = [
        sys.executable,
        "-m",
        "ingest.amlgen",
        str(out),
        "--seed",
        "3",
        "--accounts",
        "1800",
        "--days",
        "10",
        "--rings",
        "1",
        "--lookalikes",
        "1",
        "--camouflage",
        "--recruited-share",
        "1.0",
        "--ring-device-share",
        "0.5",
    ]
    root = Path(__file__).resolve().parents[2]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120, cwd=root)
    truth = orjson.loads((out / "truth.json").read_bytes())
    assert truth["config"]["camouflage"]["ring_device_share"] == 0.5
    for ring in truth["rings"].values():
        assert sorted(ring["recruited"]) == sorted(ring["members"])  # every member recruited
    accounts = (out / "accounts.jsonl").read_bytes().splitlines()
    assert len(accounts) >= 1800 and (out / "transactions.jsonl").stat().st_size > 0


def test_ringscope_simulate_generator_aml(tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from ringscope.commands.simulate import register

    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # keeps "simulate" a named subcommand
    args = [
        "simulate",
        "--generator",
        "aml",
        "--camouflage",
        "--out",
        str(tmp_path),
        "--accounts",
        "1800",
        "--days",
        "10",
        "--rings",
        "1",
        "--seed",
        "4",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    truth = orjson.loads((tmp_path / "truth.json").read_bytes())
    assert truth["generator"] == "ingest.amlgen" and len(truth["rings"]) == len(ALL_TYPES)
    assert truth["config"]["camouflage"]["recruited_share"] > 0


def test_too_many_structures_for_the_customers_is_refused_not_hung() -> None:
    with pytest.raises(ConfigurationError, match="established customers"):
        generate(replace(SMALL, accounts=1800, rings_per_type=1, lookalikes_per_kind=40))
