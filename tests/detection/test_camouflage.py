"""Camouflaged rings on small hand-made logs: long-standing accounts with ordinary history move
everyday sums slowly (a hop every few days), and are still found by their money flow; families,
savings clubs and payroll moving like sums stay below the score floor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from core.settings import Settings
from detection.run import _detect
from detection.scoring import Ring, merge_candidates, score_ring
from detection.snapshot import Snapshot
from tests.detection.test_typologies import DAY, HOUR, T0, _snapshot, _tx

N_BG = 400


def _history(names: list[str]) -> list[dict[str, Any]]:
    """Background traffic over 45 days in which every named account lives an ordinary life from
    the first day (so none of them is new)."""
    rng = np.random.default_rng(7)
    out, n = [], 50_000
    for day in range(45):
        for _ in range(15):
            a, b = rng.choice(N_BG, 2, replace=False)
            out.append(
                _tx(
                    n,
                    T0 + day * DAY + int(rng.integers(DAY)),
                    f"bg{a}",
                    f"bg{b}",
                    round(float(rng.uniform(20, 300)), 2),
                )
            )
            n += 1
    for k, name in enumerate(names):  # seen on the first day, then ordinary payments
        for j, day in enumerate((0, 9, 31, 40)):
            out.append(
                _tx(
                    n,
                    T0 + day * DAY + HOUR + k,
                    name,
                    f"bg{(7 * k + j) % N_BG}",
                    round(float(rng.uniform(20, 90)), 2),
                )
            )
            n += 1
    return out


def _rings(snap: Snapshot, tmp_path: Path) -> list[tuple[float, set[str], list[str]]]:
    s = Settings(data_dir=tmp_path)
    rings: list[Ring] = merge_candidates(_detect(snap, s, {}, lambda _m: None), 60)
    for r in rings:
        score_ring(r, snap, s.detect_hub_accounts, {})
    kept = [r for r in rings if r.score >= s.detect_min_score]
    return [(r.score, {snap.account_id(m) for m in r.members}, r.typologies) for r in kept]


def _holding(found: list[tuple[float, set[str], list[str]]], who: set[str]) -> list[Any]:
    return [f for f in found if len(f[1] & who) >= 0.5 * len(who)]


def test_a_slow_cycle_of_aged_accounts_with_everyday_sums_is_a_ring(tmp_path: Path) -> None:
    loop = ["C0", "C1", "C2", "C3"]
    amount, events = 117.08, []
    for i, (a, b) in enumerate(zip(loop, loop[1:] + loop[:1], strict=True)):
        events.append(_tx(i, T0 + 20 * DAY + i * 3 * DAY, a, b, amount))  # a hop every 3 days
        amount = round(amount * 0.97, 2)  # a small fee at each hop
    snap = _snapshot(_history(loop) + events)
    [(score, members, kinds)] = _holding(_rings(snap, tmp_path), set(loop))
    assert members == set(loop) and "cycle" in kinds and score >= 35


def test_tranches_to_fresh_payees_are_a_fan_out(tmp_path: Path) -> None:
    payees = [f"P{k}" for k in range(5)]
    events = [
        _tx(
            100 + 3 * k + j,
            T0 + 20 * DAY + k * DAY + j * 7 * HOUR,
            "SRC",
            p,
            round(90.0 + 37 * k + 11 * j, 2),
        )
        for k, p in enumerate(payees)
        for j in range(3)
    ]
    snap = _snapshot(_history(["SRC", *payees]) + events)
    [(score, members, kinds)] = _holding(_rings(snap, tmp_path), {"SRC", *payees})
    assert members == {"SRC", *payees} and "fan_out_tranches" in kinds and score >= 35


def test_gathered_money_split_in_equal_shares_is_a_gather_scatter(tmp_path: Path) -> None:
    feeders, payees = ["F0", "F1", "F2"], ["R0", "R1", "R2"]
    events = [
        _tx(200 + k, T0 + 25 * DAY + k * 5 * HOUR, f, "HUB", 190.0 + 13 * k)
        for k, f in enumerate(feeders)
    ]
    events += [
        _tx(210 + k, T0 + 26 * DAY + k * 6 * HOUR, "HUB", p, 179.42) for k, p in enumerate(payees)
    ]
    snap = _snapshot(_history(["HUB", *feeders, *payees]) + events)
    ring = {"HUB", *feeders, *payees}
    [(score, members, kinds)] = _holding(_rings(snap, tmp_path), ring)
    assert members == ring and "equal_split" in kinds and score >= 35


def test_a_slow_scatter_gather_over_aged_accounts_is_a_ring(tmp_path: Path) -> None:
    layers = ["M0", "M1", "M2", "M3"]
    events = []
    for k, m in enumerate(layers):
        sent = 150.0 + 40 * k
        events.append(_tx(300 + k, T0 + 18 * DAY + k * 10 * HOUR, "SOURCE", m, sent))
        events.append(_tx(310 + k, T0 + 22 * DAY + k * 10 * HOUR, m, "SINK", round(sent * 0.95, 2)))
    snap = _snapshot(_history(["SOURCE", "SINK", *layers]) + events)
    ring = {"SOURCE", "SINK", *layers}
    [(score, members, kinds)] = _holding(_rings(snap, tmp_path), ring)
    assert members == ring and "layered_scatter_gather" in kinds and score >= 35


def test_families_clubs_and_payroll_stay_low(tmp_path: Path) -> None:
    family, club, staff = (
        ["FA", "FB", "FC"],
        [f"S{k}" for k in range(6)],
        [f"E{k}" for k in range(5)],
    )
    events, n = [], 400
    for week in range(6):  # a family passes round sums back and forth, and round the three
        for a, b in (("FA", "FB"), ("FB", "FA"), ("FB", "FC"), ("FC", "FA")):
            events.append(_tx(n, T0 + week * 7 * DAY + n * HOUR % DAY, a, b, 100.0))
            n += 1
    for month in range(2):  # a savings club: the same share monthly, the pot to one member
        start = T0 + (3 + 30 * month) * DAY
        events += [_tx(n + k, start + k * HOUR, m, "ORGANISER", 250.0) for k, m in enumerate(club)]
        events.append(_tx(n + 50, start + 2 * DAY, "ORGANISER", club[month], 1500.0))
        n += 100
    for month in range(2):  # payroll: the same wage monthly to each employee
        events += [
            _tx(n + k, T0 + (15 + 30 * month) * DAY + k * 60_000, "EMPLOYER", e, 2100.0)
            for k, e in enumerate(staff)
        ]
        n += 100
    snap = _snapshot(_history([*family, *club, "ORGANISER", "EMPLOYER", *staff]) + events)
    found = _rings(snap, tmp_path)
    for legit in (set(family), {*club, "ORGANISER"}, {"EMPLOYER", *staff}):
        assert _holding(found, legit) == []


def test_an_aged_account_paying_mostly_fresh_payees_within_days_is_a_fan_out(
    tmp_path: Path,
) -> None:
    payees = [f"Q{k}" for k in range(6)]  # against 4 payees of its own before
    events = [
        _tx(500 + k, T0 + 21 * DAY + k * 11 * HOUR, "ORIGIN", p, 120.0 + 31 * k)
        for k, p in enumerate(payees)
    ]
    snap = _snapshot(_history(["ORIGIN", *payees]) + events)
    [(score, members, kinds)] = _holding(_rings(snap, tmp_path), {"ORIGIN", *payees})
    assert members == {"ORIGIN", *payees} and "fresh_fan_out" in kinds and score >= 35
